/**
 * GROUP BY on the column-array path (kernel-group.ts) vs the row-by-row path: one random table
 * on the paged storage; the row path's answers (useColumnGroupBy(false)) are the reference, and
 * engines over the same partition with scan kernels (each backend that loads) and without must
 * return identical results (REAL sums included: both
 * step SQLite's KBN in row order) and identical errors (SUM's "integer overflow"). The data has
 * NULLs, duplicates, i64 edges whose sums overflow, ±0, 1 vs 1.0 vs '1' in an untyped column,
 * mixed-type stretches (pages whose numeric column is not fixed-width), a NOCASE TEXT column and
 * BLOBs; the queries mix keys, aggregates, WHERE (kernel and scalar conjuncts), HAVING and ORDER
 * BY. The counters must show the group path ran. Seeded: SQL_KGROUP_SEED=<n>, SQL_KGROUP_COUNT=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Value } from '../../src/storage/api.js';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { createKernels, type BackendName } from '../../src/kernels/index.js';
import { SqlEngine, type SqlSession } from '../../src/sql/index.js';
import { useColumnGroupBy } from '../../src/sql/kernel-group.js';
import { openOracle, oracleRows, rng, seedFromEnv, show } from './helpers.js';

const BACKENDS: BackendName[] = ['none', 'wasm', 'avx2', 'avx512'];
const BIG = [9223372036854775807n, -9223372036854775808n, 9223372036854775000n, 9007199254740993n, -9007199254740993n];

function outcome(s: SqlSession, sql: string, params: Value[]): string {
  try {
    return s.execute(sql, params).rows.map((r) => r.map((v) => (typeof v === 'number' ? `r${Object.is(v, -0) ? '-0' : String(v)}` : show(v))).join('|')).join('\n');
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

test('GROUP BY from column arrays equals the row path exactly', () => {
  const seed = seedFromEnv('SQL_KGROUP_SEED', 7);
  const count = Number(process.env.SQL_KGROUP_COUNT ?? 150);
  console.log(`SQL_KGROUP_SEED=${seed} (${count} queries per backend)`);
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-kgroup-'));
  const pool = createBufferPool({ bytes: 16 * 1024 * 1024 });
  const partition = openPartition(0, { dir, walMode: 'async' }, pool);
  try {
    const plain = new SqlEngine(partition).session();
    const db = openOracle();
    const r = rng(seed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    const both = (sql: string, params: Value[] = []): void => { plain.execute(sql, params); oracleRows(db, sql, params); };
    both('CREATE TABLE t(a INTEGER, b REAL, c NUMERIC, d TEXT, e TEXT COLLATE NOCASE, f, g INTEGER)');
    const n = 2000 + Math.floor(r() * 1500);
    let mixed = false;
    let big = false;
    both('BEGIN');
    for (let i = 0; i < n; i++) {
      if (i % 150 === 0) { mixed = r() < 0.25; big = i === 300 || r() < 0.1; }
      const a: Value = r() < 0.1 ? null : mixed && r() < 0.1 ? pick<Value>(['x', 2.5, new Uint8Array([1])]) : BigInt(Math.floor(r() * 8) - 3);
      const b: Value = r() < 0.1 ? null : mixed && r() < 0.1 ? 'text' : pick([0, -0, 0.5, -2.25, 1e300, -1e300, 3, 1e-300, Math.floor(r() * 40) / 8]);
      const c: Value = r() < 0.1 ? null : r() < 0.5 ? BigInt(Math.floor(r() * 6)) : Math.floor(r() * 12) / 2;
      const d: Value = r() < 0.1 ? null : pick(['new', 'paid', 'shipped', 'delivered', 'cancelled', '', 'a longer status value than most']);
      const e: Value = r() < 0.1 ? null : pick(['Alpha', 'alpha', 'ALPHA', 'beta', 'Beta', 'ß', 'gamma ']);
      const f: Value = r() < 0.1 ? null : pick<Value>([1n, 1, 1.5, '1', 'one', new Uint8Array([1]), new Uint8Array([]), -0, 0n, 9007199254740993n, 9007199254740992]);
      const g: Value = r() < 0.1 ? null : big ? pick(BIG) : BigInt(Math.floor(r() * 1000) - 500);
      both('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)', [a, b, c, d, e, f, g]);
    }
    both('COMMIT');

    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g % 3'];
    const aggCols = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const aggFns = ['count(*)', 'count(X)', 'sum(X)', 'total(X)', 'avg(X)', 'min(X)', 'max(X)'];
    const wheres = ['', 'WHERE a > ?', 'WHERE b BETWEEN ? AND ?', 'WHERE a IN (1, 2, -3) AND b < ?', "WHERE d <> 'paid'", 'WHERE c >= ? AND a + 1 > 0'];
    const queries: { sql: string; params: Value[] }[] = [];
    for (let q = 0; q < count; q++) {
      const nk = r() < 0.75 ? 1 : 2;
      const ks = Array.from({ length: nk }, () => pick(keys.slice(0, 6)));
      const aggs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(aggFns).replace('X', pick(aggCols)));
      const w = pick(wheres);
      const params: Value[] = [];
      for (const _ of w.matchAll(/\?/g)) params.push(pick<Value>([0n, 1n, 2, -1.5, 3n]));
      const having = r() < 0.2 ? ` HAVING count(*) > ${Math.floor(r() * 20)}` : '';
      const order = r() < 0.3 ? ` ORDER BY ${nk + 1} DESC, 1` : '';
      // Sometimes a key that is not a plain column (stays on the row path) for contrast.
      const gk = r() < 0.1 ? [...ks, pick(keys)] : ks;
      queries.push({ sql: `SELECT ${[...ks, ...aggs].join(', ')} FROM t ${w} GROUP BY ${gk.join(', ')}${having}${order}`, params });
    }
    queries.push({ sql: 'SELECT f, count(*), sum(g) FROM t GROUP BY f', params: [] });
    queries.push({ sql: 'SELECT e, count(*), max(a) FROM t GROUP BY e', params: [] });
    queries.push({ sql: 'SELECT g, sum(g) FROM t GROUP BY g', params: [] });
    queries.push({ sql: 'SELECT d, sum(g), avg(b), min(b), max(b) FROM t GROUP BY d', params: [] });
    useColumnGroupBy(false);
    const want = queries.map((q) => outcome(plain, q.sql, q.params));
    useColumnGroupBy(true);
    // Without kernels (and so without counters) the column-array path runs too.
    const plain2 = new SqlEngine(partition).session();
    queries.forEach((q, i) => assert.equal(outcome(plain2, q.sql, q.params), want[i], `[no kernels] ${q.sql} (SQL_KGROUP_SEED=${seed})`));
    assert.ok(want.some((w) => w.startsWith('error: integer overflow')), 'the data makes some SUM overflow');

    let ran = 0;
    for (const backend of BACKENDS) {
      const kernels = createKernels({ memory: pool.memory, scratch: pool.scratch, backend });
      if (kernels.backend !== backend) continue;
      const engine = new SqlEngine(partition, { kernels });
      const s = engine.session();
      queries.forEach((q, i) => {
        assert.equal(outcome(s, q.sql, q.params), want[i], `[${backend}] ${q.sql} ${JSON.stringify(q.params.map(show))} (SQL_KGROUP_SEED=${seed})`);
      });
      console.log(`[${backend}] group batches ${engine.kernelStats.groupBatches}, kernel conjuncts ${engine.kernelStats.kernelConjuncts}`);
      assert.ok(engine.kernelStats.groupBatches > 100, `[${backend}] the column-array GROUP BY ran`);
      ran++;
    }
    assert.ok(ran >= 2);
    // The row path itself matches SQLite on the bench's shape (REAL AVG within rounding).
    const sqlite = oracleRows(db, 'SELECT d, count(*), min(g), max(a) FROM t GROUP BY d', []);
    assert.equal(outcome(plain, 'SELECT d, count(*), min(g), max(a) FROM t GROUP BY d', []), sqlite.map((row) => row.map((v) => (typeof v === 'number' ? `r${v}` : show(v))).join('|')).join('\n'));
    db.close();
  } finally {
    partition.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GROUP BY on a NOCASE column groups case-insensitively on the column-array path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-kgroup-'));
  const pool = createBufferPool({ bytes: 8 * 1024 * 1024 });
  const partition = openPartition(0, { dir, walMode: 'async' }, pool);
  try {
    const kernels = createKernels({ memory: pool.memory, scratch: pool.scratch, backend: 'wasm' });
    const engine = new SqlEngine(partition, { kernels });
    const s = engine.session();
    s.execute('CREATE TABLE n(name TEXT COLLATE NOCASE, v INTEGER, x REAL)');
    s.execute("INSERT INTO n VALUES ('Bob', 1, 1.5), ('bob', 2, NULL), ('BOB', 3, -0.0), ('ann', NULL, 2), (NULL, 5, 1), (NULL, 6, 2)");
    assert.deepEqual(s.execute('SELECT name, count(*), sum(v), max(x) FROM n GROUP BY name').rows, [[null, 2n, 11n, 2], ['ann', 1n, null, 2], ['Bob', 3n, 6n, 1.5]]);
    // With exactly one max(), the key shown is the row holding it (SQLite's bare-column rule).
    assert.deepEqual(s.execute('SELECT name, max(v) FROM n GROUP BY name').rows, [[null, 6n], ['ann', null], ['BOB', 3n]]);
    assert.ok(engine.kernelStats.groupBatches >= 2);
    assert.match(s.execute('EXPLAIN QUERY PLAN SELECT name, count(*) FROM n GROUP BY name').rows.map((r) => String(r.at(-1))).join('\n'), /KERNEL GROUP BY/);
  } finally {
    partition.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
