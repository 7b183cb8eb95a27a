/**
 * The resumable query cursor (src/sql/query-cursor.ts): drained in pieces of every size, it
 * returns exactly what one execution of the statement returns — pipelined plans (rowid and index
 * scans, forward and reversed, with WHERE, OFFSET and LIMIT) resume after the last row, blocking
 * plans hand out their result. On the memory partition and on paged storage with scan kernels.
 * Also: the engine's interrupt hook stops a statement at a batch boundary with no partial effect.
 * Seed: QUERY_CURSOR_SEED (a number or "random").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeliosError } from '../../src/errors.js';
import type { Value } from '../../src/storage/api.js';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { createKernels } from '../../src/kernels/index.js';
import { SqlEngine, compareByKeys } from '../../src/sql/index.js';
import { rng, seedFromEnv, show } from './helpers.js';

const SEED = seedFromEnv('QUERY_CURSOR_SEED', 424242);

function fill(engine: SqlEngine, seed: number, n: number): void {
  const r = rng(seed);
  const s = engine.session();
  s.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)');
  s.execute('CREATE INDEX t_a ON t (a)');
  s.execute('CREATE INDEX t_b ON t (b DESC, a)');
  s.execute('BEGIN');
  for (let i = 1; i <= n; i++) {
    const a = r() < 0.1 ? null : BigInt(Math.floor(r() * 20));
    const b = r() < 0.1 ? null : `k${Math.floor(r() * 50)}`;
    s.execute('INSERT INTO t VALUES (?, ?, ?, ?)', [BigInt(i * 3), a, b, r() * 100]);
  }
  s.execute('COMMIT');
}

const QUERIES: { sql: string; params?: Value[]; pipelined: boolean }[] = [
  { sql: 'SELECT * FROM t', pipelined: true },
  { sql: 'SELECT id, c FROM t WHERE c > 30', pipelined: true },
  { sql: 'SELECT id FROM t WHERE a = 7', pipelined: true },
  { sql: 'SELECT id, a FROM t WHERE a >= ? AND a < ?', params: [3n, 9n], pipelined: true },
  { sql: 'SELECT * FROM t ORDER BY rowid DESC', pipelined: true },
  { sql: 'SELECT * FROM t WHERE id > 300 AND id <= 1500', pipelined: true },
  { sql: 'SELECT id, a FROM t ORDER BY a', pipelined: true },
  { sql: 'SELECT id, a FROM t ORDER BY a DESC LIMIT 77 OFFSET 13', pipelined: true },
  { sql: 'SELECT b, a, id FROM t WHERE b > \'k2\' ORDER BY b DESC, a', pipelined: true },
  { sql: 'SELECT id, c * 2 AS d FROM t WHERE a IS NOT NULL LIMIT 100 OFFSET 5000', pipelined: true },
  { sql: 'SELECT id, c FROM t ORDER BY c, id LIMIT 40', pipelined: false },
  { sql: 'SELECT id FROM t ORDER BY b, c', pipelined: false },
  { sql: 'SELECT id FROM t WHERE a IN (1, 2, 3)', pipelined: false },
  { sql: 'SELECT a, count(*) FROM t GROUP BY a', pipelined: false },
  { sql: 'SELECT DISTINCT a FROM t', pipelined: false },
  { sql: 'SELECT id FROM t WHERE a = (SELECT max(a) FROM t)', pipelined: false },
  { sql: 'SELECT id FROM t WHERE id < 30 UNION ALL SELECT id FROM t WHERE id > 2990', pipelined: false },
];

function drain(engine: SqlEngine, sql: string, params: Value[], size: number): { rows: Value[][]; keys: Value[][] | null; pipelined: boolean; calls: number } {
  const cur = engine.openCursor(sql, params);
  const rows: Value[][] = [];
  let keys: Value[][] | null = null;
  let calls = 0;
  for (;;) {
    const r = cur.next(size);
    calls++;
    assert.ok(r.rows.length <= size, `${sql}: a call returned more rows than asked`);
    rows.push(...r.rows);
    if (r.keys) (keys ??= []).push(...r.keys);
    if (r.done) break;
    assert.ok(calls < 100_000, 'the cursor never ends');
  }
  if (keys && cur.order.length > 0) {
    const idx = cur.order.map((_, i) => i);
    for (let i = 1; i < keys.length; i++) assert.ok(compareByKeys(keys[i - 1]!, keys[i]!, cur.order, idx) <= 0, `${sql}: keys out of order at ${i}`);
  }
  return { rows, keys, pipelined: cur.pipelined, calls };
}

const text = (rows: Value[][]): string => rows.map((r) => r.map(show).join('|')).join('\n');

function checkAll(engine: SqlEngine): void {
  const s = engine.session();
  for (const q of QUERIES) {
    const want = s.execute(q.sql, q.params ?? []).rows;
    for (const size of [1, 7, 256, 5000]) {
      const got = drain(engine, q.sql, q.params ?? [], size);
      assert.equal(got.pipelined, q.pipelined, `${q.sql}: pipelined`);
      assert.equal(text(got.rows), text(want), `${q.sql} in pieces of ${size} (seed ${SEED})`);
    }
  }
}

test(`cursor pieces equal one execution, memory partition (seed ${SEED})`, () => {
  const engine = new SqlEngine(openMemoryPartition(0));
  fill(engine, SEED, 1000);
  checkAll(engine);
});

test(`cursor pieces equal one execution, paged storage with scan kernels (seed ${SEED})`, () => {
  const pool = createBufferPool({ bytes: 8 * 1024 * 1024 });
  const kernels = createKernels({ memory: pool.memory, scratch: pool.scratch, backend: 'wasm' });
  assert.equal(kernels.backend, 'wasm', 'the WASM kernels load (npm run build:wasm)');
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-cursor-'));
  const partition = openPartition(0, { dir, walMode: 'async' }, pool);
  try {
    const engine = new SqlEngine(partition, { kernels });
    fill(engine, SEED + 1, 3000);
    const before = engine.kernelStats.filterBatches;
    checkAll(engine);
    assert.ok(engine.kernelStats.filterBatches > before, 'the scan kernels filtered batches of the pipelined scans');
  } finally {
    partition.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cursor refuses anything but SELECT and fails after a schema change', () => {
  const engine = new SqlEngine(openMemoryPartition(0));
  fill(engine, SEED, 10);
  assert.throws(() => engine.openCursor('DELETE FROM t', []), (e: HeliosError) => e.code === 'SQL_ERROR' && /SELECT/.test(e.message));
  assert.throws(() => engine.openCursor('SELECT * FROM nope', []), (e: HeliosError) => e.code === 'SQL_ERROR' && /no such table: nope/.test(e.message));
  const cur = engine.openCursor('SELECT * FROM t', []);
  assert.equal(cur.next(2).rows.length, 2);
  engine.session().execute('CREATE TABLE u (x)');
  assert.throws(() => cur.next(2), (e: HeliosError) => e.code === 'SERIALIZATION_FAILURE');
});

test('the interrupt hook stops a statement at a batch boundary with no partial effect', () => {
  let armed = false;
  let checks = 0;
  const engine = new SqlEngine(openMemoryPartition(0), {
    interrupt: () => {
      if (armed && ++checks > 3) throw new HeliosError('CANCELLED', 'the request was cancelled');
    },
  });
  fill(engine, SEED, 5000);
  const s = engine.session();
  const before = text(s.execute('SELECT * FROM t').rows);
  armed = true;
  assert.throws(() => s.execute('UPDATE t SET c = -1'), (e: HeliosError) => e.code === 'CANCELLED');
  assert.throws(() => s.execute('SELECT count(*) FROM t t1, t t2 WHERE t1.a = t2.b'), (e: HeliosError) => e.code === 'CANCELLED');
  armed = false;
  assert.equal(text(s.execute('SELECT * FROM t').rows), before, 'the cancelled UPDATE left no change');
  assert.ok(checks > 3);
});
