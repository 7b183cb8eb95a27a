/**
 * `[schema] init_sql` runs at every start before the server is ready; a failing statement stops
 * start-up with exit code 1 and a message naming the file, the statement and its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

const INIT = `-- schema and seed data, idempotent
CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending');
CREATE INDEX IF NOT EXISTS idx_orders_customer ON orders (customer_id);
INSERT OR IGNORE INTO orders (id, customer_id) VALUES (1, 42);
`;

test('init_sql creates the schema before /ready, and again harmlessly on restart', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-init-'));
  writeFileSync(path.join(dir, 'init.sql'), INIT);
  let s: ServerProcess | undefined;
  try {
    for (let round = 0; round < 2; round++) {
      s = await spawnServer({ dataDir: dir, workerThreads: 2, toml: '[schema]\ninit_sql = "init.sql"\n' });
      await waitReady(s);
      const r = await fetch(s.url('/v1/sql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT id, customer_id, status FROM orders' }) });
      assert.deepEqual(((await r.json()) as { rows: unknown[] }).rows, [[1, 42, 'pending']], `round ${round}`);
      assert.ok(s.lines.some((l) => l['msg'] === 'init_sql applied' && l['statements'] === 3));
      assert.equal(await s.stop(), 0);
      s = undefined;
    }
  } finally {
    await s?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing init_sql statement stops start-up with exit 1, naming file, statement and line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-init-bad-'));
  try {
    writeFileSync(path.join(dir, 'init.sql'), 'CREATE TABLE t (a INTEGER);\n\nINSERT INTO nope VALUES (1);\n');
    writeFileSync(path.join(dir, 'c.toml'), '[schema]\ninit_sql = "init.sql"\n');
    const r = await runCli(['serve', '--config', path.join(dir, 'c.toml')], {
      HELIOSDB_PATH: path.join(dir, 'db'), HELIOSDB_REST_PORT: '0', HELIOSDB_GRPC_PORT: '0', HELIOSDB_METRICS_PORT: '0', HELIOSDB_WORKER_THREADS: '1',
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /init_sql .*init\.sql: statement 2 \(line 3\) failed: SQL_ERROR: .*nope/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
