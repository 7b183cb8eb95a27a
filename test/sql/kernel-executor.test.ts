/**
 * The executor's use of the scan kernels, case by case (kernel-differential.test.ts covers the
 * random space): SQLite's affinity rules on constants, NULL constants, a mixed-type page falling
 * back to the scalar predicate, SUM's "integer overflow" on the kernel aggregate path, scans
 * nested inside an emitted row (the scratch is reset underneath the outer scan), and EXPLAIN. Each
 * query is checked against better-sqlite3 and against the engine's kernel counters, on every
 * kernel backend that loads.
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
import { openOracle, oracleRows, show } from './helpers.js';

function withEngine(backend: BackendName, fn: (s: SqlSession, engine: SqlEngine, both: (sql: string, p?: Value[]) => void, check: (sql: string, p?: Value[]) => void) => void): boolean {
  const pool = createBufferPool({ bytes: 8 * 1024 * 1024 });
  const kernels = createKernels({ memory: pool.memory, scratch: pool.scratch, backend });
  if (kernels.backend !== backend) return false;
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-kexec-'));
  const partition = openPartition(0, { dir, walMode: 'async' }, pool);
  const db = openOracle();
  try {
    const engine = new SqlEngine(partition, { kernels });
    const s = engine.session();
    const both = (sql: string, p: Value[] = []): void => { s.execute(sql, p); oracleRows(db, sql, p); };
    const check = (sql: string, p: Value[] = []): void => {
      let want: string;
      try { want = oracleRows(db, sql, p).map((r) => r.map(show).join('|')).join('\n'); } catch (e) { want = `error ${(e as Error).message}`; }
      let got: string;
      try { got = s.execute(sql, p).rows.map((r) => r.map(show).join('|')).join('\n'); } catch (e) { got = `error ${(e as Error).message}`; }
      assert.equal(got, want, `[${backend}] ${sql} ${p.map(show).join(', ')}`);
    };
    fn(s, engine, both, check);
    return true;
  } finally {
    db.close();
    partition.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const BACKENDS: BackendName[] = ['none', 'wasm', 'avx2', 'avx512'];

test('constants get the column affinity; NULL selects nothing; kernels did the filtering', () => {
  let ran = 0;
  for (const b of BACKENDS) {
    ran += +withEngine(b, (_s, engine, both, check) => {
      both('CREATE TABLE t(x INTEGER, r REAL, n NUMERIC)');
      both('BEGIN');
      for (let i = 0; i < 600; i++) both('INSERT INTO t VALUES (?, ?, ?)', [i % 7 === 0 ? null : BigInt(i % 10), i % 5 === 0 ? null : (i % 10) / 2, BigInt(i)]);
      both('COMMIT');
      const before = engine.kernelStats.kernelConjuncts;
      for (const w of ["x = '5'", "x = '5.0'", "x < 'abc'", "x > 'abc'", "x >= x'00'", 'x = NULL', 'x <> NULL', "x IN ('3', 4.0, 2.5, NULL)",
        "x BETWEEN '2' AND 4.5", 'x BETWEEN NULL AND 5', 'x IS NOT NULL', 'x <> 2.5', 'x > 2.5', "r = '1.5'", 'r < 2', "r >= '3'", '5 < x', "'4' = x", 'x = ?', 'r > ?']) {
        check(`SELECT rowid, x, r FROM t WHERE ${w} ORDER BY rowid`, w.includes('?') ? [w.startsWith('x') ? '6' : 2n] : []);
        check(`SELECT count(*), sum(x), min(r), max(r), avg(x), total(r), count(r) FROM t WHERE ${w}`, w.includes('?') ? [w.startsWith('x') ? '6' : 2n] : []);
      }
      assert.ok(engine.kernelStats.kernelConjuncts - before >= 40 * 2, 'every conjunct above ran as a kernel on every batch');
      assert.equal(engine.kernelStats.scalarFallbacks, 0, 'INTEGER/REAL pages holding only their class are fixed-width');
      // NUMERIC columns are stored untyped (ColumnKind 'any'): the scalar predicate runs, same result.
      check("SELECT count(*), avg(n) FROM t WHERE n > '590'");
      assert.ok(engine.kernelStats.scalarFallbacks > 0);
      assert.ok(engine.kernelStats.aggregateBatches > 0);
    });
  }
  assert.ok(ran >= 2);
});

test('a mixed-type page falls back to the scalar predicate for that batch only', () => {
  for (const b of BACKENDS) {
    withEngine(b, (_s, engine, both, check) => {
      both('CREATE TABLE t(x INTEGER)');
      both('BEGIN');
      for (let i = 0; i < 2000; i++) both('INSERT INTO t VALUES (?)', [i === 1500 ? 'abc' : i === 1700 ? 2.5 : BigInt(i % 50)]);
      both('COMMIT');
      check('SELECT count(*), sum(x), min(x), max(x) FROM t WHERE x > 10');
      check("SELECT rowid FROM t WHERE x >= 2 AND x < 3 OR x = 'abc' ORDER BY rowid");
      check('SELECT rowid, x FROM t WHERE x < 3 ORDER BY rowid');
      check('SELECT max(x), min(x) FROM t');
      assert.ok(engine.kernelStats.scalarFallbacks > 0, 'the mixed page was evaluated row by row');
      assert.ok(engine.kernelStats.kernelConjuncts > 0, 'the other pages used the kernels');
    });
  }
});

test('SUM on the kernel path keeps SQLite\'s integer overflow rule', () => {
  for (const b of BACKENDS) {
    withEngine(b, (_s, engine, both, check) => {
      both('CREATE TABLE t(x INTEGER, y INTEGER)');
      both('BEGIN');
      for (let i = 0; i < 1000; i++) both('INSERT INTO t VALUES (?, ?)', [i === 10 ? 9223372036854775807n : i === 900 ? -9223372036854775807n : 1n, BigInt(i)]);
      both('COMMIT');
      check('SELECT sum(x) FROM t'); // overflows on the way: error
      check('SELECT sum(x) FROM t WHERE y > 10'); // -MAX + 989: fine
      check('SELECT total(x), avg(x) FROM t');
      check('SELECT sum(x) FROM t WHERE y <= 10');
      assert.ok(engine.kernelStats.aggregateBatches > 0);
    });
  }
});

test('scans nested inside an emitted row do not disturb the outer kernel scan; EXPLAIN names the kernel aggregate', () => {
  for (const b of BACKENDS) {
    withEngine(b, (s, engine, both, check) => {
      both('CREATE TABLE t(x INTEGER, y REAL)');
      both('BEGIN');
      for (let i = 0; i < 700; i++) both('INSERT INTO t VALUES (?, ?)', [BigInt(i % 13), i / 3]);
      both('COMMIT');
      check('SELECT rowid, (SELECT count(*) FROM t AS u WHERE u.x > 3 AND u.rowid < t.rowid) FROM t WHERE x < 5 ORDER BY rowid');
      check('SELECT t.rowid, (SELECT max(y) FROM t AS u WHERE u.x = 4 AND u.y < t.y) FROM t WHERE t.x BETWEEN 2 AND 3 ORDER BY 1');
      check('SELECT count(*), sum(y) FROM t WHERE x IN (1, 2) AND y > 10 HAVING count(*) > 1');
      assert.ok(engine.plan('SELECT count(*), sum(y) FROM t WHERE x > 3').explain.some((l) => l.startsWith('KERNEL AGGREGATE')));
      assert.ok(!engine.plan('SELECT x, count(*) FROM t WHERE x > 3').explain.some((l) => l.startsWith('KERNEL AGGREGATE')), 'a bare column needs the rows');
      void s;
    });
  }
});
