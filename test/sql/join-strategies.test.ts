/**
 * The adaptive hash join (join-plan.ts): an inner join level probed by rowid or index equality
 * switches to a hash over its table once the probes reach a quarter of its rows. Each query runs
 * on SQLite and on our engine (memory and paged storage) and must return the same rows in the
 * same order — the switch may change neither — with the tables sized so that the switch happens
 * (checked on the switch counter). Covered: LEFT JOIN NULL padding, duplicate keys on both
 * sides, NULL keys (never equal), SQLite's comparison affinity in the key (`1 = '1'` against an
 * INTEGER or TEXT column, no conversion against a column without affinity, 5.0 = 5 on a rowid),
 * a NOCASE column, and extra conditions on the inner level. Seeded: SQL_JOIN_SEED=<n>|random.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { SqlEngine, type SqlSession } from '../../src/sql/index.js';
import { joinStats } from '../../src/sql/join-plan.js';
import { openOracle, oracleRows, rng, seedFromEnv, show } from './helpers.js';

const SCHEMA = [
  'CREATE TABLE o(id INTEGER PRIMARY KEY, k INTEGER, t TEXT, r REAL, z)',
  'CREATE TABLE i(id INTEGER PRIMARY KEY, k INTEGER, s TEXT COLLATE NOCASE, v TEXT, n)',
  'CREATE INDEX i_k ON i(k)',
  'CREATE INDEX i_s ON i(s)',
  'CREATE INDEX i_v ON i(v)',
  'CREATE INDEX i_n ON i(n)',
];

/** Outer 300 rows against inner 100: the inner level is probed 300 times, enough to switch. */
function data(seed: number): string[] {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const sql = (v: string | number | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);
  const out: string[] = [];
  for (let id = 1; id <= 300; id++) {
    const k = r() < 0.1 ? null : int(50);
    const t = pick<string | number | null>([null, String(int(50)), String(int(50)), ` ${int(9)}`, 'A', 'b', 'x', `${int(9)}.0`]);
    const rr = pick<number | null>([null, int(120), int(120) + 0.5, int(120)]);
    const z = pick<string | number | null>([null, int(40), String(int(40)), 'a', 'B']);
    out.push(`INSERT INTO o VALUES (${id}, ${sql(k)}, ${sql(t)}, ${rr === null ? 'NULL' : rr.toFixed(1)}, ${sql(z)})`);
  }
  for (let id = 1; id <= 100; id++) {
    const k = r() < 0.1 ? null : int(40); // 100 rows over 40 keys: duplicates
    const s = pick<string | null>([null, 'a', 'A', 'b', 'B', 'x', '1']);
    const v = pick<string | null>([null, String(int(40)), String(int(40)), ' 3', 'b']);
    const n = pick<string | number | null>([null, int(40), String(int(40)), 'a', 'b']);
    out.push(`INSERT INTO i VALUES (${id}, ${sql(k)}, ${sql(s)}, ${sql(v)}, ${sql(n)})`);
  }
  return out;
}

/** Queries whose inner level is an adaptive hash join; CROSS/LEFT JOIN fix the join order in both engines. */
const ADAPTIVE = [
  'SELECT o.id, i.id, i.k FROM o CROSS JOIN i WHERE i.k = o.k',
  'SELECT o.id, i.id FROM o LEFT JOIN i ON i.k = o.k',
  'SELECT o.id, o.t, i.id, i.k FROM o CROSS JOIN i WHERE i.k = o.t',
  'SELECT o.id, o.r, i.id FROM o CROSS JOIN i WHERE i.k = o.r',
  'SELECT o.id, o.z, i.id, i.v FROM o CROSS JOIN i WHERE i.v = o.z',
  'SELECT o.id, o.t, i.id, i.s FROM o LEFT JOIN i ON i.s = o.t',
  'SELECT o.id, o.z, i.id, i.n FROM o CROSS JOIN i WHERE i.n = o.z',
  'SELECT o.id, i.id FROM o CROSS JOIN i WHERE i.id = o.r',
  'SELECT o.id, i.id FROM o LEFT JOIN i ON i.id = o.t',
  'SELECT o.id, i.rowid, i.k FROM o LEFT JOIN i ON i.rowid = o.k',
  "SELECT o.id, i.id, i.v FROM o LEFT JOIN i ON i.k = o.k AND i.v > '2' WHERE o.id % 3 <> 0",
  'SELECT i.k, count(*), sum(o.r) FROM o JOIN i ON i.k = o.k GROUP BY i.k',
];

/** Joins on the same keys that keep their previous strategies (same rows as SQLite, in any order). */
const OTHERS = [
  'SELECT o.id, i.id FROM o CROSS JOIN i WHERE o.t = i.s',
  'SELECT o.id, o.k, i.id, i.v FROM o CROSS JOIN i WHERE i.v = o.k',
  'SELECT o.id, i.id FROM o CROSS JOIN i WHERE i.id = o.k AND i.k = 3',
  'SELECT o.id, i.id FROM o CROSS JOIN i WHERE i.k = o.k AND i.k IN (1, 2, 3)',
];

function rows(run: () => unknown[][]): string {
  try { return run().map((r) => (r as never[]).map(show).join('|')).join('\n'); } catch (e) { return `error ${(e as Error).message}`; }
}

function checkEngine(name: string, s: SqlSession, seed: number): void {
  const db = openOracle();
  for (const q of [...SCHEMA, ...data(seed)]) { db.exec(q); s.execute(q); }
  for (const q of ADAPTIVE) {
    assert.match(s.execute(`EXPLAIN ${q}`).rows.map((r) => r[0]).join('\n'), /ADAPTIVE HASH JOIN/, `${name}: plan of ${q}`);
    const before = joinStats.hashSwitches;
    const got = rows(() => s.execute(q).rows);
    assert.equal(joinStats.hashSwitches, before + 1, `${name}: ${q} switched to its hash once`);
    assert.equal(got, rows(() => oracleRows(db, q)), `${name} (SQL_JOIN_SEED=${seed}): ${q}`);
  }
  // SQLite may scan a covering index for these: same rows, its own order.
  const sorted = (t: string): string => t.split('\n').sort().join('\n');
  for (const q of OTHERS) assert.equal(sorted(rows(() => s.execute(q).rows)), sorted(rows(() => oracleRows(db, q))), `${name} (SQL_JOIN_SEED=${seed}): ${q}`);
  // Random equi-joins between every pair of key columns, with extra conditions: same rows as
  // SQLite; and where our plan reads o then i, as SQLite's CROSS/LEFT JOIN does, and i may
  // switch (ADAPTIVE), also the same order. (Our planner may start an inner join at i.)
  const r = rng(seed + 1);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  let adaptive = 0;
  for (let n = 0; n < 60; n++) {
    const ic = pick(['i.k', 'i.s', 'i.v', 'i.n', 'i.id']);
    const oc = pick(['o.k', 'o.t', 'o.r', 'o.z', 'o.id']);
    const extra = pick(['', ` AND ${pick(['i.k', 'i.v', 'i.s', 'i.n'])} ${pick(['>', '<', '=', '<>'])} ${pick(['3', "'b'", "'3'", '2.5', 'NULL'])}`, ' AND o.id % 2 = 0']);
    const eq = r() < 0.8 ? `${ic} = ${oc}` : `${oc} = ${ic}`;
    const q = r() < 0.5 ? `SELECT o.id, i.id, ${ic} FROM o CROSS JOIN i WHERE ${eq}${extra}` : `SELECT o.id, i.id, ${ic} FROM o LEFT JOIN i ON ${eq}${extra}`;
    const plan = s.execute(`EXPLAIN ${q}`).rows.map((x) => x[0] as string).slice(1);
    const got = rows(() => s.execute(q).rows);
    const want = rows(() => oracleRows(db, q));
    if (/^(SCAN|SEARCH) o\b/.test(plan[0]!) && /ADAPTIVE/.test(plan[1]!)) { adaptive++; assert.equal(got, want, `${name} (SQL_JOIN_SEED=${seed}): ${q}`); }
    else assert.equal(sorted(got), sorted(want), `${name} (SQL_JOIN_SEED=${seed}): ${q}`);
  }
  assert.ok(adaptive > 5, `${name}: ${adaptive} of the random joins were adaptive`);

  // A few probes never switch: the B-tree probes serve them.
  const before = joinStats.hashSwitches;
  const few = 'SELECT o.id, i.id FROM o CROSS JOIN i WHERE i.k = o.k AND o.id < 40';
  assert.equal(rows(() => s.execute(few).rows), rows(() => oracleRows(db, few)), `${name}: ${few}`);
  assert.equal(joinStats.hashSwitches, before, `${name}: 39 probes stay probes`);
  db.close();
}

test('adaptive hash joins return what SQLite returns, in the same order (memory and paged storage)', () => {
  const seed = seedFromEnv('SQL_JOIN_SEED', 11);
  console.log(`SQL_JOIN_SEED=${seed}`);
  checkEngine('memory', new SqlEngine(openMemoryPartition(0)).session(), seed);
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-join-'));
  const partition = openPartition(0, { dir, walMode: 'async' }, createBufferPool({ bytes: 8 * 1024 * 1024 }));
  try {
    checkEngine('paged', new SqlEngine(partition).session(), seed);
  } finally {
    partition.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a join reads only the columns the query uses, and all of them for SELECT *', () => {
  const s = new SqlEngine(openMemoryPartition(0)).session();
  const db = openOracle();
  for (const q of [...SCHEMA, ...data(3)]) { db.exec(q); s.execute(q); }
  for (const q of [
    'SELECT * FROM o CROSS JOIN i WHERE i.k = o.k',
    'SELECT i.* FROM o CROSS JOIN i WHERE i.id = o.k',
    'SELECT o.id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.v = o.t)',
    'SELECT o.id, (SELECT max(i.s) FROM i WHERE i.id = o.k) FROM o',
    'SELECT o.id, i.v FROM o JOIN i USING (k) WHERE o.id < 50',
    'SELECT o.id, i.v FROM o NATURAL JOIN i',
  ]) assert.equal(rows(() => s.execute(q).rows), rows(() => oracleRows(db, q)), q);
  db.close();
});

test("a join compares with the left operand's collation, also when it probes the right column's index", () => {
  // Regression: `a.s = b.t` with a.s NOCASE probed b's BINARY index on t and lost the 'X' row.
  const s = new SqlEngine(openMemoryPartition(0)).session();
  const db = openOracle();
  for (const q of ['CREATE TABLE a(s TEXT COLLATE NOCASE)', 'CREATE TABLE b(t TEXT)', 'CREATE INDEX b_t ON b(t)', "INSERT INTO a VALUES ('x')", "INSERT INTO b VALUES ('X'), ('x'), ('y')"]) { db.exec(q); s.execute(q); }
  const cases: [string, string][] = [
    ['SELECT a.s, b.t FROM a, b WHERE a.s = b.t', 'HASH JOIN b (b.t=?)'], // NOCASE: the BINARY index can't serve
    ['SELECT a.s, b.t FROM a JOIN b ON a.s = b.t', 'HASH JOIN b (b.t=?)'],
    ['SELECT a.s, b.t FROM a, b WHERE b.t = a.s', 'SEARCH b USING INDEX b_t (b.t=?)'], // BINARY: it can
    ['SELECT a.s, b.t FROM a, b WHERE a.s COLLATE BINARY = b.t', 'SEARCH b USING INDEX b_t (b.t=?)'],
  ];
  for (const [q, plan] of cases) {
    assert.ok(s.execute(`EXPLAIN ${q}`).rows.some((r) => (r[0] as string).startsWith(plan)), `${q}: ${plan}`);
    assert.equal(rows(() => s.execute(q).rows), rows(() => oracleRows(db, q)), q);
  }
  db.close();
});
