/**
 * The scan kernels inside the executor vs SQLite: random tables on the paged storage (NULLs,
 * i64/f64 edge values, ±0, and stretches of mixed types in a numeric column so some pages are
 * not fixed-width) and random WHERE filters (column vs INTEGER/REAL/TEXT/BLOB/NULL constants and
 * parameters, BETWEEN, IN, IS NOT NULL, mixed with conjuncts the kernels cannot take) under
 * row-returning and aggregate SELECTs, UPDATE and DELETE. The engine runs once per available
 * kernel backend and must match better-sqlite3; its counters must show that the kernels
 * evaluated conjuncts (and that the scalar fallback for mixed pages ran), so the test cannot
 * pass on the scalar path alone. Seeded: SQL_KDIFF_SEED=<n> or "random"; SQL_KDIFF_COUNT=<n>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Value } from '../../src/storage/api.js';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { createKernels, type BackendName } from '../../src/kernels/index.js';
import { SqlEngine } from '../../src/sql/index.js';
import { openOracle, oracleRows, rng, seedFromEnv, show } from './helpers.js';

const BACKENDS: BackendName[] = ['none', 'wasm', 'avx2', 'avx512'];

const EDGE_INT = [0n, 1n, -1n, 2n, 5n, 7n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n, 9007199254740992n, 100n];
const EDGE_REAL = [0, -0, 0.5, -2.5, 5, 7.25, 1e300, -1e300, 1e15, 9007199254740992, 9223372036854775808, 2.5e-300, 100.125];

/** Close enough for a REAL aggregate: the kernels sum REALs in 8 lanes (docs/kernels.md). */
function same(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Object.is(a, b) || a === b) return true;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return show(a) === show(b);
}

test('WHERE filters and aggregates with the scan kernels agree with SQLite', () => {
  const seed = seedFromEnv('SQL_KDIFF_SEED', 11);
  const count = Number(process.env.SQL_KDIFF_COUNT ?? 250);
  console.log(`SQL_KDIFF_SEED=${seed} (${count} queries per backend)`);
  let tested = 0;
  for (const backend of BACKENDS) {
    const dir = mkdtempSync(join(tmpdir(), 'heliosdb-kdiff-'));
    const pool = createBufferPool({ bytes: 16 * 1024 * 1024 });
    const kernels = createKernels({ memory: pool.memory, scratch: pool.scratch, backend });
    if (kernels.backend !== backend) { rmSync(dir, { recursive: true, force: true }); continue; }
    const partition = openPartition(0, { dir, walMode: 'async' }, pool);
    try {
      const engine = new SqlEngine(partition, { kernels });
      const s = engine.session();
      const db = openOracle();
      const r = rng(seed);
      const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
      const both = (sql: string, params: Value[] = []): void => {
        s.execute(sql, params);
        oracleRows(db, sql, params);
      };
      both('CREATE TABLE t(a INTEGER, b REAL, c NUMERIC, d TEXT, e INT)');
      // Rows in runs: most runs keep each numeric column to its class (fixed pages), some mix
      // in TEXT/BLOB/REAL values (pages the kernels must not take).
      const n = 1500 + Math.floor(r() * 1500);
      let mixed = false;
      both('BEGIN');
      for (let i = 0; i < n; i++) {
        if (i % 200 === 0) mixed = r() < 0.3;
        const intv = (): Value => (r() < 0.15 ? null : r() < 0.2 ? pick(EDGE_INT) : BigInt(Math.floor(r() * 20) - 5));
        const realv = (): Value => (r() < 0.15 ? null : r() < 0.2 ? pick(EDGE_REAL) : Math.floor(r() * 80) / 4 - 5);
        const odd = (): Value => pick<Value>(['abc', '', new Uint8Array([1, 2]), 2.5, '7x']);
        const a = mixed && r() < 0.05 ? odd() : intv();
        const b = mixed && r() < 0.05 ? pick<Value>(['abc', new Uint8Array([9])]) : realv();
        const c = r() < 0.5 ? intv() : realv();
        const e = r() < 0.1 ? null : BigInt(Math.floor(r() * 1000));
        both('INSERT INTO t VALUES (?, ?, ?, ?, ?)', [a, b, c, `s${i % 37}`, e]);
      }
      both('COMMIT');

      const constant = (): { sql: string; params: Value[] } => {
        const v = pick<() => { sql: string; params: Value[] }>([
          () => ({ sql: String(pick(EDGE_INT)), params: [] }),
          () => ({ sql: String(Math.floor(r() * 20) - 5), params: [] }),
          () => ({ sql: `${Math.floor(r() * 20) - 5}.5`, params: [] }),
          () => ({ sql: `'${Math.floor(r() * 20) - 5}'`, params: [] }),
          () => ({ sql: pick(["'abc'", "''", "'5.0'", "' 3'", "x'01'", 'NULL', '-0.0', '1e300', '9223372036854775808.0', '-9.5']), params: [] }),
          () => ({ sql: '?', params: [pick<Value>([3n, 2.5, '4', 'abc', null, -0, 9223372036854775807n, new Uint8Array([1])])] }),
        ])();
        return v;
      };
      const conjunct = (): { sql: string; params: Value[] } => {
        const col = pick(['a', 'b', 'c', 'e', 'rowid']);
        const kind = r();
        if (kind < 0.45) {
          const k = constant();
          const op = pick(['=', '<>', '!=', '<', '<=', '>', '>=']);
          return r() < 0.8 ? { sql: `${col} ${op} ${k.sql}`, params: k.params } : { sql: `${k.sql} ${op} ${col}`, params: k.params };
        }
        if (kind < 0.6) {
          const lo = constant();
          const hi = constant();
          return { sql: `${col} BETWEEN ${lo.sql} AND ${hi.sql}`, params: [...lo.params, ...hi.params] };
        }
        if (kind < 0.72) {
          const items = Array.from({ length: 1 + Math.floor(r() * 12) }, constant);
          return { sql: `${col} IN (${items.map((x) => x.sql).join(', ')})`, params: items.flatMap((x) => x.params) };
        }
        if (kind < 0.82) return { sql: `${col} IS NOT NULL`, params: [] };
        // Conjuncts the kernels do not take (the per-row path must still apply them).
        return { sql: pick(["d LIKE '%1%'", 'a + 1 > 3', 'b * 2 < c', 'e % 3 = 0', 'a IS NULL', 'NOT (b > 1)', 'a NOT IN (1, 2, 3)', 'c NOT BETWEEN 0 AND 5', "(a > 2 OR b < 0)"]), params: [] };
      };
      for (let q = 0; q < count; q++) {
        const conj = Array.from({ length: 1 + Math.floor(r() * 3) }, conjunct);
        const where = r() < 0.1 ? '1' : conj.map((c) => c.sql).join(' AND ');
        const params = where === '1' ? [] : conj.flatMap((c) => c.params);
        const shape = pick([
          `SELECT rowid, a, b, c, e FROM t WHERE ${where} ORDER BY rowid`,
          `SELECT count(*), count(a), count(b), min(a), max(a), min(b), max(b), min(c), max(c) FROM t WHERE ${where}`,
          `SELECT sum(e), total(b), avg(e), sum(b), avg(c), total(a) FROM t WHERE ${where}`,
          `SELECT sum(a) FROM t WHERE ${where}`,
          `SELECT d, count(*), sum(e), max(b) FROM t WHERE ${where} GROUP BY d ORDER BY d`,
          `SELECT count(*) FROM t AS x, (SELECT 1 UNION SELECT 2) AS y WHERE ${where.replaceAll(/\b([abcde])\b/g, 'x.$1').replaceAll('rowid', 'x.rowid')}`,
        ]);
        let want: Value[][] | string;
        try { want = oracleRows(db, shape, params); } catch (e) { want = `error: ${(e as Error).message}`; }
        let got: Value[][] | string;
        try { got = s.execute(shape, params).rows; } catch (e) { got = `error: ${(e as Error).message}`; }
        const ctx = `[${backend}] query ${q}: ${shape}  params ${params.map(show).join(', ')}`;
        if (typeof want === 'string' || typeof got === 'string') {
          assert.equal(typeof got === 'string' ? got.replace(/^error: /, '').split(':')[0] : 'rows', typeof want === 'string' ? want.replace(/^error: /, '').split(':')[0] : 'rows', ctx);
          continue;
        }
        assert.equal(got.length, want.length, `${ctx}: row count`);
        for (let i = 0; i < want.length; i++) {
          const ok = want[i]!.length === got[i]!.length && want[i]!.every((v, j) => same(got[i]![j]!, v));
          assert.ok(ok, `${ctx}: row ${i}: got ${got[i]!.map(show).join('|')} want ${want[i]!.map(show).join('|')}`);
        }
      }
      // Mutations filter through the same scan.
      for (let q = 0; q < 20; q++) {
        const c = conjunct();
        both(`UPDATE t SET e = e + 1 WHERE ${c.sql}`, c.params);
        const c2 = conjunct();
        if (q % 5 === 0) both(`DELETE FROM t WHERE ${c2.sql} AND rowid % 7 = ${q % 7}`, c2.params);
      }
      const check = 'SELECT rowid, a, b, c, d, e FROM t ORDER BY rowid';
      assert.deepEqual(s.execute(check).rows.map((r) => r.map(show).join('|')), oracleRows(db, check).map((r) => r.map(show).join('|')), `[${backend}] table after UPDATE/DELETE`);
      const st = engine.kernelStats;
      console.log(`[${backend}] kernel conjuncts ${st.kernelConjuncts}, scalar fallbacks ${st.scalarFallbacks}, filtered batches ${st.filterBatches}, aggregated batches ${st.aggregateBatches}`);
      assert.ok(st.kernelConjuncts > 100, `[${backend}] the kernels evaluated conjuncts`);
      assert.ok(st.scalarFallbacks > 0, `[${backend}] mixed pages fell back to the scalar predicate`);
      assert.ok(st.aggregateBatches > 20, `[${backend}] the kernels computed aggregates over batches`);
      tested++;
      db.close();
    } finally {
      partition.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.ok(tested >= 2, 'at least the scalar and WASM backends ran');
});
