/**
 * Random queries (joins, subqueries, GROUP BY/HAVING, DISTINCT, compound SELECTs, ORDER BY …
 * LIMIT) over random data, run on SQLite and on our engine twice — without indexes and with a
 * set of composite/DESC/UNIQUE/partial indexes — must return the same rows. This is the "results
 * do not depend on the plan" property. Seeded: SQL_QDIFF_SEED=<n> or "random".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../src/storage/api.js';
import { openOracle, openSession, oracleRows, rng, seedFromEnv, show } from './helpers.js';

const INDEXES = [
  'CREATE INDEX a_x ON a(x)',
  'CREATE INDEX a_yx ON a(y DESC, x)',
  'CREATE INDEX b_k ON b(k, v DESC)',
  'CREATE INDEX b_partial ON b(v) WHERE v IS NOT NULL',
  'CREATE INDEX c_s ON c(s COLLATE NOCASE)',
  'CREATE INDEX c_n ON c(n)',
];

function key(rows: Value[][]): string[] {
  return rows.map((r) => r.map(show).join('|'));
}

test('random queries agree with SQLite, with and without indexes', () => {
  const seed = seedFromEnv('SQL_QDIFF_SEED', 7);
  const count = Number(process.env.SQL_QDIFF_COUNT ?? 400);
  console.log(`SQL_QDIFF_SEED=${seed} (${count} queries)`);
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const int = (n: number): number => Math.floor(r() * n);
  const setup = [
    'CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER, y REAL, t TEXT)',
    'CREATE TABLE b(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)',
    'CREATE TABLE c(s TEXT, n NUMERIC, z)',
  ];
  const lit = (): string => pick(['NULL', String(int(10)), String(int(10) - 3), `${int(10)}.5`, `'${pick(['a', 'B', 'c', '1', '10', ' 2'])}'`]);
  for (let i = 1; i <= 25; i++) setup.push(`INSERT INTO a VALUES (${i}, ${r() < 0.1 ? 'NULL' : int(8)}, ${r() < 0.1 ? 'NULL' : (int(40) / 4).toString()}, ${r() < 0.1 ? 'NULL' : `'${pick(['a', 'b', 'c', 'A'])}'`})`);
  for (let i = 1; i <= 20; i++) setup.push(`INSERT INTO b VALUES (${i}, ${r() < 0.1 ? 'NULL' : int(8)}, ${r() < 0.2 ? 'NULL' : `'${pick(['p', 'q', 'r', '1', '2'])}'`})`);
  for (let i = 1; i <= 15; i++) setup.push(`INSERT INTO c VALUES (${`'${pick(['a', 'A', 'b', 'B', 'x'])}'`}, ${lit()}, ${lit()})`);

  const cmp = (): string => pick(['=', '<', '<=', '>', '>=', '<>']);
  const aCol = (): string => pick(['a.x', 'a.y', 'a.t', 'a.id']);
  const bCol = (): string => pick(['b.k', 'b.v', 'b.id']);
  const cCol = (): string => pick(['c.s', 'c.n', 'c.z']);
  const pred = (cols: () => string): string => {
    switch (int(6)) {
      case 0: return `${cols()} ${cmp()} ${lit()}`;
      case 1: return `${cols()} IN (${lit()}, ${lit()}, ${lit()})`;
      case 2: return `${cols()} BETWEEN ${lit()} AND ${lit()}`;
      case 3: return `${cols()} IS ${r() < 0.5 ? 'NOT ' : ''}NULL`;
      case 4: return `(${cols()} ${cmp()} ${lit()} OR ${cols()} ${cmp()} ${lit()})`;
      default: return `NOT (${cols()} ${cmp()} ${lit()})`;
    }
  };
  const gen = (): string => {
    switch (int(15)) {
      case 9: return `SELECT a.id, a.t FROM a WHERE a.t ${pick(['=', '<', '>'])} ${pick(["'a'", "'B'", "'b'"])} COLLATE NOCASE`;
      case 10: return `SELECT a.id FROM a WHERE a.x NOT IN (SELECT b.k FROM b WHERE ${pred(bCol)})`;
      case 11: return `SELECT c.s, count(*), group_concat(c.n), total(c.z) FROM c GROUP BY c.s COLLATE NOCASE`;
      case 12: return `WITH w AS (SELECT b.k AS k, count(*) AS n FROM b GROUP BY b.k) SELECT a.id, w.n FROM a JOIN w ON w.k = a.x WHERE ${pred(aCol)}`;
      case 13: return `SELECT a.id, CASE WHEN ${pred(aCol)} THEN 'y' ELSE 'n' END, (SELECT max(b.v) FROM b WHERE b.k < a.x) FROM a`;
      case 14: return `SELECT DISTINCT a.x, b.v FROM a CROSS JOIN b WHERE a.id = b.id AND ${pred(bCol)}`;
      case 0: return `SELECT a.id, a.x, a.t FROM a WHERE ${pred(aCol)} AND ${pred(aCol)}`;
      case 1: return `SELECT a.id, b.id FROM a JOIN b ON a.x = b.k WHERE ${pred(aCol)}`;
      case 2: return `SELECT a.id, b.v FROM a LEFT JOIN b ON b.k = a.x AND ${pred(bCol)} WHERE ${pred(aCol)}`;
      case 3: return `SELECT a.x, count(*), sum(a.y), min(a.t), max(a.id) FROM a WHERE ${pred(aCol)} GROUP BY a.x HAVING count(*) > ${int(3)}`;
      case 4: return `SELECT a.id FROM a WHERE a.x IN (SELECT b.k FROM b WHERE ${pred(bCol)}) OR EXISTS (SELECT 1 FROM b WHERE b.id = a.id AND ${pred(bCol)})`;
      case 5: return `SELECT DISTINCT c.s, c.n FROM c WHERE ${pred(cCol)}`;
      case 6: return `SELECT a.id, (SELECT count(*) FROM b WHERE b.k = a.x) FROM a WHERE ${pred(aCol)}`;
      case 7: return `SELECT a.x FROM a WHERE ${pred(aCol)} ${pick(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT'])} SELECT b.k FROM b WHERE ${pred(bCol)}`;
      default: return `SELECT c.s, c.n, c.z FROM c, b WHERE c.n = b.k AND ${pred(cCol)}`;
    }
  };
  const ours = openSession();
  const indexed = openSession();
  const db = openOracle();
  for (const s of setup) { ours.execute(s); indexed.execute(s); db.exec(s); }
  for (const s of INDEXES) indexed.execute(s);
  const mismatches: string[] = [];
  for (let i = 0; i < count; i++) {
    let sql = gen();
    const ordered = r() < 0.4;
    // ORDER BY every output column (a total order), so LIMIT picks the same rows everywhere.
    if (ordered) {
      const ncols = oracleRows(db, `SELECT * FROM (${sql}) LIMIT 0`).length;
      void ncols;
      const width = db.prepare(sql).columns().length;
      sql += ` ORDER BY ${Array.from({ length: width }, (_, k) => `${k + 1}${r() < 0.5 ? ' DESC' : ''}`).join(', ')}${r() < 0.5 ? ` LIMIT ${int(6)}${r() < 0.5 ? ` OFFSET ${int(3)}` : ''}` : ''}`;
    }
    const want = oracleRows(db, sql);
    for (const [name, s] of [['plain', ours], ['indexed', indexed]] as const) {
      let got: Value[][];
      try { got = s.execute(sql).rows; } catch (e) { mismatches.push(`${name}: ${sql}\n  error: ${(e as Error).message}`); continue; }
      const w = key(want);
      const g = key(got);
      if (!ordered) { w.sort(); g.sort(); }
      if (w.join('\n') !== g.join('\n')) mismatches.push(`${name}: ${sql}\n  sqlite: ${w.join(' ; ')}\n  ours:   ${g.join(' ; ')}`);
    }
  }
  assert.deepEqual(mismatches.slice(0, 5), [], `seed ${seed}: ${mismatches.length} mismatches`);
});
