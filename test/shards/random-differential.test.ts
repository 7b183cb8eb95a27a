/**
 * Seeded randomized differential: random inserts, updates, deletes (central writes among them:
 * subqueries in UPDATE/DELETE, shard-key changes, OR REPLACE through the UNIQUE `a.u`), atomic
 * batches and SELECTs (joins on and off the shard key, GROUP BY/HAVING, DISTINCT, ORDER BY … LIMIT/OFFSET,
 * subqueries, compound selects, CTEs) on 4 partitions over 3 in-process shards against SQLite
 * (better-sqlite3). Table `b` is co-located by `[schema.shard_keys] b = "a_id"`; `a.u` is UNIQUE
 * without the shard key (enforced across partitions).
 * HELIOS_SEED=<n|random> and HELIOS_SHARD_STEPS=<n> run other or longer schedules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../src/storage/api.js';
import { openOracle, oracleRows, rng, seedFromEnv } from '../sql/helpers.js';
import { localRouter, norm } from './harness.js';


test('random statements on 4 partitions / 3 shards match SQLite', async () => {
  const seed = seedFromEnv('HELIOS_SEED', 20261124);
  const steps = Number(process.env['HELIOS_SHARD_STEPS'] ?? 1000);
  console.log(`seed ${seed}, ${steps} steps (HELIOS_SEED=${seed} to replay)`);
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const { router } = await localRouter(4, 3, { shardKeys: { b: 'a_id' } });
  const db = openOracle();
  const ddl = [
    'CREATE TABLE a (id INTEGER PRIMARY KEY, k INTEGER, v TEXT, x REAL, u INTEGER UNIQUE)',
    'CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL, w INTEGER)',
    'CREATE INDEX b_a ON b(a_id)',
  ];
  for (const sql of ddl) { await router.execute([{ sql, params: [] }], 'one'); db.exec(sql); }
  let nextB = 1;
  const val = (): Value => (r() < 0.1 ? null : BigInt(int(20)));
  const writes = (): { sql: string; params: Value[] } => {
    switch (int(9)) {
      case 0: return { sql: `INSERT ${r() < 0.25 ? 'OR REPLACE ' : ''}INTO a (id, k, v, x, u) VALUES (?, ?, ?, ?, ?)`, params: [BigInt(1 + int(60)), val(), `s${int(9)}`, r() < 0.2 ? null : Math.round(r() * 1000) / 8, r() < 0.2 ? null : BigInt(int(90))] };
      case 1: {
        const n = 1 + int(4);
        return { sql: `INSERT INTO a (id, k, v) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`, params: Array.from({ length: n }, () => [BigInt(1 + int(60)), val(), `m${int(5)}`]).flat() };
      }
      case 2: return { sql: 'INSERT INTO b (id, a_id, w) VALUES (?, ?, ?), (?, ?, ?)', params: [BigInt(nextB++), BigInt(1 + int(60)), val(), BigInt(nextB++), BigInt(1 + int(60)), val()] };
      case 3: return r() < 0.5
        ? { sql: 'UPDATE a SET k = k + 1, v = v || ? WHERE id = ?', params: ['u', BigInt(1 + int(60))] }
        : { sql: 'UPDATE a SET u = ? WHERE k = ?', params: [BigInt(int(90)), val()] };
      case 4: return { sql: 'UPDATE b SET w = ? WHERE w < ?', params: [val(), BigInt(int(10))] };
      case 5: return { sql: 'DELETE FROM a WHERE id = ?', params: [BigInt(1 + int(60))] };
      // Central writes (src/coordinator/central-write.ts): subqueries over other partitions'
      // rows, a UNIQUE column assigned from them, rows moving to another partition.
      case 7: return r() < 0.5
        ? { sql: 'UPDATE a SET k = (SELECT count(*) FROM b WHERE b.a_id = a.id) WHERE id IN (SELECT a_id FROM b WHERE w > ?)', params: [BigInt(int(20))] }
        : { sql: 'UPDATE a SET u = (SELECT max(w) FROM b WHERE b.a_id = a.id) + ? WHERE k = ?', params: [BigInt(int(70)), val()] };
      case 8: return r() < 0.5
        ? { sql: 'DELETE FROM b WHERE a_id IN (SELECT id FROM a WHERE k > ?)', params: [BigInt(5 + int(15))] }
        : { sql: 'UPDATE b SET a_id = ? WHERE id IN (SELECT id FROM b WHERE w = ?)', params: [BigInt(1 + int(60)), val()] };
      default: return { sql: 'DELETE FROM b WHERE w > ? AND a_id < ?', params: [BigInt(10 + int(10)), BigInt(int(60))] };
    }
  };
  const queries: [string, () => Value[], boolean][] = [
    ['SELECT id, k, v FROM a WHERE k > ? ORDER BY id LIMIT ? OFFSET ?', () => [BigInt(int(15)), BigInt(1 + int(8)), BigInt(int(4))], true],
    ['SELECT k, count(*), sum(x), min(v), max(id) FROM a GROUP BY k HAVING count(*) > 1', () => [], false],
    ['SELECT a.id, b.w FROM a JOIN b ON b.a_id = a.id WHERE b.w < ?', () => [BigInt(int(20))], false],
    ['SELECT DISTINCT k FROM a', () => [], false],
    ['SELECT * FROM a WHERE id IN (SELECT a_id FROM b WHERE w > ?)', () => [BigInt(int(20))], false],
    ['SELECT a.k, sum(b.w), count(b.id) FROM a LEFT JOIN b ON a.id = b.a_id GROUP BY a.k ORDER BY a.k', () => [], true],
    ['SELECT count(*), sum(w) FROM b WHERE a_id = ?', () => [BigInt(1 + int(60))], false],
    ['SELECT * FROM a WHERE id = ?', () => [BigInt(1 + int(60))], false],
    ['SELECT k FROM a UNION SELECT w FROM b', () => [], false],
    ['WITH t AS (SELECT a_id, count(*) AS c FROM b GROUP BY a_id) SELECT max(c), count(*) FROM t', () => [], false],
    ['SELECT avg(x), total(k), count(DISTINCT v) FROM a', () => [], false],
    ['SELECT v, k FROM a ORDER BY k DESC, id LIMIT 5', () => [], true],
    ['SELECT b.id FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.id = b.a_id) ORDER BY b.id', () => [], true],
  ];
  let okWrites = 0;
  let nonEmpty = 0;
  for (let step = 0; step < steps; step++) {
    const roll = r();
    if (roll < 0.45) {
      const st = writes();
      let ours: string, theirs: string;
      try { const x = (await router.execute([st], 'one'))[0]!; ours = `ok ${x.rowsAffected}`; } catch (e) { ours = 'error'; void e; }
      try { const info = db.prepare(st.sql).run(...st.params); theirs = `ok ${info.changes}`; } catch { theirs = 'error'; }
      if (ours.startsWith('ok') && ours !== 'ok 0') okWrites++;
      assert.equal(ours, theirs, `step ${step} (seed ${seed}): ${st.sql} ${JSON.stringify(st.params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))}`);
    } else if (roll < 0.55) {
      const batch = [writes(), writes(), writes()];
      let ours: string, theirs: string;
      try { await router.execute(batch, 'atomic'); ours = 'ok'; } catch { ours = 'error'; }
      try { db.transaction(() => { for (const st of batch) db.prepare(st.sql).run(...st.params); })(); theirs = 'ok'; } catch { theirs = 'error'; }
      assert.equal(ours, theirs, `step ${step} (seed ${seed}): atomic batch ${batch.map((b) => b.sql).join('; ')}`);
    } else {
      const [sql, params, ordered] = queries[int(queries.length)]!;
      const p = params();
      const ours = norm((await router.execute([{ sql, params: p }], 'one'))[0]!.rows, ordered);
      const theirs = norm(oracleRows(db, sql, p), ordered);
      if (theirs.length > 0) nonEmpty++;
      assert.deepEqual(ours, theirs, `step ${step} (seed ${seed}): ${sql}`);
    }
  }
  // The schedule exercised what it claims: effective writes, non-empty answers, both kinds of transaction.
  console.log(`${okWrites} effective writes, ${nonEmpty} non-empty queries, stats ${JSON.stringify(router.stats)}`);
  assert.ok(okWrites > steps / 8 && nonEmpty > steps / 8, 'the schedule did real work');
  assert.ok(router.stats.singlePartition > 0 && router.stats.multiPartition > 0 && router.stats.commits > 0);
  // Final state: every row, everywhere.
  for (const t of ['a', 'b']) {
    assert.deepEqual(norm((await router.execute([{ sql: `SELECT * FROM ${t}`, params: [] }], 'one'))[0]!.rows, false), norm(oracleRows(db, `SELECT * FROM ${t}`), false), `final ${t}`);
  }
});
