/**
 * Execute's ORDER BY over every partition, merged at the coordinator (ordered-fanout.ts), against
 * SQLite: random sort terms (directions, NULLS FIRST/LAST, a NOCASE column, COLLATE, expressions),
 * filters and LIMIT/OFFSET as literals or parameters, over 8 partitions with NULLs, ties and
 * mixed-case text. Every ORDER BY ends in the primary key, so the expected order is total and
 * compared exactly. The statements the merge must leave to the generic path (a result position,
 * a result alias) are checked too, and the test counts which path each one took.
 * HELIOS_SEED=<n|random> replays or varies it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../src/storage/api.js';
import { openOracle, oracleRows, rng, seedFromEnv } from '../sql/helpers.js';
import { localRouter, norm } from './harness.js';

test('ORDER BY … LIMIT/OFFSET across 8 partitions, merged at the coordinator, matches SQLite', async () => {
  const seed = seedFromEnv('HELIOS_SEED', 20261124);
  console.log(`seed ${seed} (HELIOS_SEED=${seed} to replay)`);
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const { router } = await localRouter(8, 2);
  const db = openOracle();
  const ddl = 'CREATE TABLE o (id INTEGER PRIMARY KEY, k INTEGER, t TEXT COLLATE NOCASE, x REAL, b TEXT)';
  await router.execute([{ sql: ddl, params: [] }], 'one');
  db.exec(ddl);
  const words = ['apple', 'Apple', 'APPLE', 'banana', 'Banana', 'cherry', 'date', '', 'Éclair', 'zeta'];
  for (let i = 1; i <= 400; i++) {
    const row: Value[] = [BigInt(i), r() < 0.15 ? null : BigInt(int(12) - 3), r() < 0.1 ? null : pick(words), r() < 0.15 ? null : Math.round(r() * 400) / 8, r() < 0.1 ? null : pick(words) + String(int(3))];
    const st = { sql: 'INSERT INTO o VALUES (?, ?, ?, ?, ?)', params: row };
    await router.execute([st], 'one');
    db.prepare(st.sql).run(...row);
  }

  const selects = ['*', 'id, k', 'id, t, x', 'id, k + 1 AS kk, b', 'upper(t), id, x * 2', 'o.id, o.b'];
  const terms = ['k', 'k DESC', 't', 't DESC', 'x NULLS FIRST', 'x DESC NULLS LAST', 'x', 'k * 2 + 1 DESC', 'b COLLATE NOCASE', 'b', 'length(b) DESC', 'o.k', 'coalesce(x, -1)', 't COLLATE BINARY DESC'];
  const filters: [string, () => Value[]][] = [['', () => []], [' WHERE k > ?', () => [BigInt(int(8) - 3)]], [' WHERE t >= ?', () => [pick(words)]], [' WHERE x IS NOT NULL AND k < ?', () => [BigInt(int(9))]]];
  let merged = 0;
  for (let i = 0; i < 300; i++) {
    const [where, wp] = pick(filters);
    const order = [...Array.from({ length: 1 + int(2) }, () => pick(terms)), pick(['id', 'id DESC'])].join(', ');
    const params = wp();
    let tail = '';
    const lim = int(4);
    if (lim === 1) tail = ` LIMIT ${int(30)}`;
    else if (lim === 2) { tail = ' LIMIT ? OFFSET ?'; params.push(BigInt(int(40) - 2), BigInt(int(20))); }
    else if (lim === 3) tail = ` LIMIT ${1 + int(10)} OFFSET ${int(400)}`;
    const sql = `SELECT ${pick(selects)} FROM o${where} ORDER BY ${order}${tail}`;
    const before = router.reads.stats.orderedMerge;
    const ours = (await router.execute([{ sql, params }], 'one'))[0]!;
    if (router.reads.stats.orderedMerge > before) merged++;
    assert.deepEqual(norm(ours.rows, true), norm(oracleRows(db, sql, params), true), `query ${i} (seed ${seed}): ${sql} ${params.join(', ')}`);
    assert.deepEqual(ours.columns, db.prepare(sql).columns().map((c) => c.name), `columns of ${sql}`);
  }
  assert.equal(merged, 300, 'every one of these took the merge path');

  // Left to the generic path: a result position, and a name the select list defines.
  for (const sql of ['SELECT id, k FROM o ORDER BY 2, 1 LIMIT 7', 'SELECT id, -k AS k FROM o ORDER BY k, id LIMIT 9 OFFSET 3', 'SELECT id, x AS y FROM o ORDER BY y DESC, id LIMIT 5']) {
    const before = router.reads.stats.orderedMerge;
    const ours = (await router.execute([{ sql, params: [] }], 'one'))[0]!;
    assert.equal(router.reads.stats.orderedMerge, before, `${sql}: not merged`);
    assert.deepEqual(norm(ours.rows, true), norm(oracleRows(db, sql), true), sql);
  }
});
