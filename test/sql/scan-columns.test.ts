/**
 * Scans that decode only the columns a query reads, reading INTEGER/REAL columns straight from
 * the PAX leaves' fixed-width arrays (batch-reader.ts): on the paged storage they must return
 * exactly what the memory partition (no fixed arrays, every value through RowBatch.value)
 * returns — NULLs, -0.0, integers at the ends of the 64-bit range, a TEXT value stored in an
 * INTEGER column (an exception that turns the page's array off), ranges starting mid-leaf,
 * reverse scans, and joins reading some columns of each table. Seeded: SQL_SCAN_SEED=<n>|random.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Value } from '../../src/storage/api.js';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { SqlEngine } from '../../src/sql/index.js';
import { rng, seedFromEnv, show } from './helpers.js';

test('column-pruned scans on the paged storage equal the memory partition', () => {
  const seed = seedFromEnv('SQL_SCAN_SEED', 5);
  console.log(`SQL_SCAN_SEED=${seed}`);
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-scan-'));
  const partition = openPartition(0, { dir, walMode: 'async' }, createBufferPool({ bytes: 8 * 1024 * 1024 }));
  try {
    const paged = new SqlEngine(partition).session();
    const mem = new SqlEngine(openMemoryPartition(0)).session();
    const both = (sql: string, p: Value[] = []): void => { paged.execute(sql, p); mem.execute(sql, p); };
    both('CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT, d)');
    both('CREATE TABLE u(id INTEGER PRIMARY KEY, k INTEGER, w REAL)');
    both('BEGIN');
    for (let i = 1; i <= 3000; i++) {
      // Rows 1200..1300 hold a TEXT value in the INTEGER column: those leaves have no fixed array for a.
      const a = i >= 1200 && i <= 1300 && i % 7 === 0 ? 'text in an integer column'
        : pick<Value>([null, BigInt(i), -(2n ** 63n), 2n ** 63n - 1n, 0n, BigInt(Math.floor(r() * 100))]);
      const b = pick<Value>([null, -0, 0.5, i / 3, -1e300, 42]);
      const d = pick<Value>([null, 1n, 2.5, 'x', new Uint8Array([1, 2])]);
      both('INSERT INTO t VALUES (?, ?, ?, ?, ?)', [BigInt(i), a, b, `row ${i}`, d]);
    }
    for (let i = 1; i <= 500; i++) both('INSERT INTO u VALUES (?, ?, ?)', [BigInt(i), BigInt(i % 100), r() < 0.2 ? null : i / 7]);
    both('COMMIT');
    for (const q of [
      'SELECT * FROM t',
      'SELECT a FROM t',
      'SELECT b, id FROM t WHERE a IS NULL',
      'SELECT count(*), sum(b), max(a) FROM t WHERE id > 37',
      'SELECT a, b FROM t WHERE id > 1001 AND id < 1900',
      'SELECT b, a FROM t ORDER BY id DESC LIMIT 700',
      'SELECT d, a FROM t WHERE b > 0',
      'SELECT t.a, u.w FROM t JOIN u ON u.k = t.a WHERE t.id % 5 = 0',
      'SELECT u.id, t.b FROM u LEFT JOIN t ON t.a = u.w',
      'SELECT c FROM t WHERE a = 5',
    ]) {
      const got = paged.execute(q).rows.map((x) => x.map(show).join('|')).join('\n');
      const want = mem.execute(q).rows.map((x) => x.map(show).join('|')).join('\n');
      assert.equal(got, want, `SQL_SCAN_SEED=${seed}: ${q}`);
    }
  } finally {
    partition.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
