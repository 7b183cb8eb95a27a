/**
 * The pure rules of join routing (src/coordinator/join-shape.ts, ordered-merge.ts, join-semi.ts):
 * which FROM shapes are covered, when a join is co-located, when an IN-list may stand in for an
 * equality, which sort collations the merge knows, and the k-way merge itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CatalogMirror } from '../../src/coordinator/catalog-mirror.js';
import { parse } from '../../src/sql/parser.js';
import type { Select } from '../../src/sql/ast.js';
import { shardKeyOf } from '../../src/coordinator/route-analysis.js';
import { coLocated, inListCovers, joinShape, type ColumnRef } from '../../src/coordinator/join-shape.js';
import { mergeSorted, termCollation } from '../../src/coordinator/ordered-merge.js';
import { semiJoinPlan } from '../../src/coordinator/join-semi.js';

const mirror = new CatalogMirror();
for (const sql of [
  'CREATE TABLE a (id INTEGER PRIMARY KEY, k INTEGER, t TEXT, n TEXT COLLATE NOCASE)',
  'CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER, t TEXT, n TEXT COLLATE NOCASE, r REAL)',
  'CREATE TABLE c (id INTEGER PRIMARY KEY, a_id INTEGER, s TEXT)',
  'CREATE TABLE u (x, y TEXT)',
  'CREATE VIEW v AS SELECT * FROM a',
]) mirror.applyDdl(sql);
const KEYS = { b: 'a_id', c: 'a_id', u: 'x' };
const shapeOf = (sql: string) => joinShape(parse(sql).stmt as Select, mirror.catalog, (t) => shardKeyOf(t, KEYS));
const colocated = (sql: string): boolean => {
  const s = shapeOf(sql);
  assert.ok(s, `covered: ${sql}`);
  return coLocated(s);
};

test('covered shapes: base-table joins only', () => {
  assert.ok(shapeOf('SELECT * FROM a JOIN b ON b.a_id = a.id'));
  assert.ok(shapeOf('SELECT * FROM a, b WHERE b.a_id = a.id'));
  assert.ok(shapeOf('SELECT * FROM a JOIN b USING (t)'));
  for (const sql of [
    'SELECT * FROM a', // one table: the single-table paths
    'SELECT * FROM a NATURAL JOIN b',
    'SELECT * FROM a JOIN v ON v.id = a.id', // a view
    'SELECT * FROM a JOIN (SELECT * FROM b) x ON x.a_id = a.id',
    'SELECT * FROM a JOIN b ON b.a_id = a.id WHERE a.k IN (SELECT k FROM c)',
    'WITH w AS (SELECT 1) SELECT * FROM a JOIN b ON b.a_id = a.id',
    'SELECT * FROM a JOIN b ON b.a_id = a.id UNION SELECT * FROM a JOIN b ON b.a_id = a.id',
    'SELECT * FROM a JOIN b ON b.a_id = a.id WHERE random() > 0',
    'SELECT * FROM a LEFT JOIN (b JOIN c ON c.a_id = b.a_id) ON b.a_id = a.id',
    'SELECT * FROM a JOIN b ON b.a_id = a.id WHERE a.t = "no such column"', // a string literal the printer would turn into a name
  ]) assert.equal(shapeOf(sql), null, sql);
});

test('co-location: shard key = shard key chains, LEFT JOINs through their own ON, affinity and collation', () => {
  assert.ok(colocated('SELECT * FROM a JOIN b ON b.a_id = a.id'));
  assert.ok(colocated('SELECT * FROM a JOIN b ON a.rowid = b.a_id JOIN c ON c.a_id = b.a_id'));
  assert.ok(colocated('SELECT * FROM a, b, c WHERE b.a_id = a.id AND c.a_id = a.id AND a.k > 3'));
  assert.ok(colocated('SELECT * FROM a LEFT JOIN b ON b.a_id = a.id AND b.r > 1 LEFT JOIN c ON c.a_id = b.a_id'));
  assert.ok(colocated('SELECT * FROM b x JOIN b y ON x.a_id = y.a_id'));
  assert.ok(!colocated('SELECT * FROM a JOIN b ON b.id = a.id'), 'b is sharded on a_id, not id');
  assert.ok(!colocated('SELECT * FROM a JOIN b ON b.a_id = a.id OR b.a_id = a.k'), 'not a top-level conjunct');
  assert.ok(!colocated('SELECT * FROM a JOIN b ON b.a_id = a.id JOIN c ON c.s = b.t'), 'c is not linked');
  assert.ok(!colocated('SELECT * FROM a LEFT JOIN b ON 1 WHERE b.a_id = a.id'), 'a LEFT JOIN right table must be linked in its own ON');
  assert.ok(!colocated('SELECT * FROM a JOIN u ON u.x = a.id'), 'untyped u.x = INTEGER id: 7 = \'7\' after conversion, hashed apart');
  assert.ok(!colocated('SELECT * FROM b JOIN u ON u.x = b.a_id'), 'INTEGER shard key = untyped shard key');
});

test('IN-lists stand in for an equality only when they match at least as much', () => {
  const col = (aff: ColumnRef['aff'], coll: ColumnRef['coll'] = 'BINARY'): ColumnRef => ({ t: 0, column: 0, aff, coll });
  const int = col('integer');
  const text = col('text');
  const none = col('blob');
  // x IN (values of y), for x = y (x on the left) and y = x (x on the right)
  assert.ok(inListCovers(int, text, true) && inListCovers(int, text, false), 'numeric affinity either way');
  assert.ok(!inListCovers(text, int, true), "TEXT '07' = 7 holds, '07' IN ('7') does not");
  assert.ok(inListCovers(text, none, true), 'the list converts more than the equality: a superset');
  assert.ok(!inListCovers(none, int, true), 'untyped \'7\' = 7 holds, \'7\' IN (7) does not');
  assert.ok(inListCovers(none, text, true) && inListCovers(text, text, true));
  assert.ok(inListCovers(col('text', 'NOCASE'), text, false), 'BINARY equality, NOCASE list: a superset');
  assert.ok(!inListCovers(text, col('text', 'NOCASE'), false), 'NOCASE equality (its left operand), BINARY list: misses rows');
  assert.ok(inListCovers(col('text', 'NOCASE'), col('text', 'NOCASE'), true));
});

test('semi-join plan: which tables are reduced, and by whom', () => {
  const plan = (sql: string) => semiJoinPlan(shapeOf(sql)!);
  const p1 = plan("SELECT * FROM a JOIN b ON b.t = a.t WHERE a.k = 1 AND b.r > 2 AND a.k + b.r > 0")!;
  assert.deepEqual(p1.local, [['((a.k = 1))'], ['((b.r > 2))']], 'each table\'s own conjuncts; the one over both stays');
  assert.deepEqual(p1.reductions.map((r) => `${r.x}<-${r.y}`).sort(), ['0<-1', '1<-0'], 'an inner equality cuts either side');
  const p2 = plan('SELECT * FROM a LEFT JOIN b ON b.t = a.t AND b.r > 2 AND a.k = 1 WHERE b.n IS NULL')!;
  assert.deepEqual(p2.local, [[], ['((b.r > 2))']], 'the LEFT JOIN ON conjunct on a, and WHERE on b, stay');
  assert.deepEqual(p2.reductions.map((r) => `${r.x}<-${r.y}`), ['1<-0'], 'only the right table is cut');
  assert.equal(plan('SELECT * FROM a JOIN b ON b.r < a.k'), null, 'nothing to push: the generic path');
  assert.equal(plan('SELECT * FROM b x JOIN b y ON x.t = y.t'), null, 'one table twice');
});

test('sort collations the merge knows, and the merge', () => {
  const s = shapeOf('SELECT * FROM a JOIN b ON b.a_id = a.id')!;
  const e = (sql: string) => (parse(`SELECT ${sql} FROM a`).stmt as Select).cores[0]!.columns[0]!;
  const coll = (sql: string) => { const c = e(sql); return c.kind === 'expr' ? termCollation(c.expr, s.resolve) : 'star'; };
  assert.equal(coll('a.n'), 'NOCASE');
  assert.equal(coll('b.t'), 'BINARY');
  assert.equal(coll('a.t COLLATE NOCASE'), 'NOCASE');
  assert.equal(coll('a.k + b.r'), 'BINARY');
  assert.equal(coll('lower(a.n)'), null, 'a NOCASE column inside an expression');
  assert.equal(coll('t'), null, 'ambiguous');
  const keys = [{ index: 0, desc: false, nullsFirst: true, coll: 'NOCASE' as const }, { index: 1, desc: true, nullsFirst: false, coll: 'BINARY' as const }];
  const merged = mergeSorted([
    [[null, 1n], ['a', 5n], ['B', 2n]],
    [[null, 3n], ['A', 9n], ['b', 7n], ['c', 1n]],
  ], keys, 1, 4);
  assert.deepEqual(merged, [[null, 1n], ['A', 9n], ['a', 5n], ['b', 7n]]);
});
