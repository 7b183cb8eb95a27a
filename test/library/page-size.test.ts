/**
 * `[storage] page_size_kb` end to end: a new database's data files get the configured page size
 * (through the coordinator and every shard's buffer pool), and reopening with another setting
 * keeps the size the files were created with — the data stays readable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../src/index.js';
import { shardPageSize } from '../../src/storage/index.js';

test('a new database takes page_size_kb; reopened with another setting it keeps its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-pagesize-'));
  const path = join(dir, 'db');
  const config = (kb?: number) => ({
    database: { path, wal_mode: 'async' as const },
    performance: { worker_threads: 2 },
    observability: { log_level: 'warn' as const },
    storage: { partitions: 4, ...(kb === undefined ? {} : { page_size_kb: kb }) },
  });
  const stored = (): number | undefined => shardPageSize({ dir: path, partitions: [0, 1, 2, 3], configured: -1 });
  try {
    let db = await Database.open(config(16));
    await db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)');
    for (let i = 0; i < 200; i++) await db.execute('INSERT INTO t (s) VALUES (?)', [`row ${i}`]);
    await db.close();
    assert.deepEqual(readdirSync(path).filter((f) => f.endsWith('.db')).sort(), ['p0.db', 'p1.db', 'p2.db', 'p3.db']);
    assert.equal(stored(), 16384, 'every partition was created with 16 KiB pages');

    db = await Database.open(config()); // the default, 32 KiB
    const r = await db.query('SELECT count(*) AS n, max(s) AS m FROM t');
    assert.deepEqual(r, [{ n: 200, m: 'row 99' }]);
    await db.execute('INSERT INTO t (s) VALUES (?)', ['after reopen']);
    await db.close();
    assert.equal(stored(), 16384, 'the database kept the page size it was created with');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
