/**
 * The central write path (src/coordinator/central-write.ts) on 4 partitions over 2 in-process
 * shards, against SQLite (better-sqlite3): UPDATE/DELETE with IN (SELECT …), correlated
 * subqueries in SET and WHERE, a WITH inside the WHERE, shard-key changes (rows move
 * between partitions), CREATE TABLE … AS SELECT, triggers (AFTER INSERT auditing, BEFORE UPDATE
 * with RAISE(ABORT), AFTER DELETE writing two tables, on a table sharded by a column),
 * AUTOINCREMENT after central inserts, constraint failures. After every statement the outcome,
 * the change count / RETURNING rows and every table's full contents must equal SQLite's. Then:
 * a failure while shipping, or at 2PC, leaves nothing on any partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../src/storage/api.js';
import type { FragmentOp } from '../../src/shard/fragment-protocol.js';
import { openOracle, oracleRows } from '../sql/helpers.js';
import { LocalExecutor, localRouter } from './harness.js';
import { Router } from '../../src/coordinator/router.js';

const SCRIPT = [
  'CREATE TABLE a (id INTEGER PRIMARY KEY, k INTEGER, v TEXT UNIQUE)',
  'CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, n INTEGER CHECK (n >= 0))',
  'CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT, ref INTEGER)',
  `INSERT INTO a (id, k, v) VALUES ${Array.from({ length: 24 }, (_, i) => `(${i + 1}, ${(i * 7) % 11}, 'v${i + 1}')`).join(', ')}`,
  `INSERT INTO b (grp, n) VALUES ${Array.from({ length: 20 }, (_, i) => `('g${i % 5}', ${i % 9})`).join(', ')}`,
  'UPDATE a SET k = k * 2 WHERE id IN (SELECT id FROM a WHERE k % 3 = 0)',
  'UPDATE a SET k = (SELECT count(*) FROM b WHERE b.n = a.k) WHERE EXISTS (SELECT 1 FROM b WHERE b.n = a.id % 9)',
  "UPDATE a SET v = (SELECT b.grp || '-' || a.id FROM b WHERE b.id = a.id) WHERE EXISTS (SELECT 1 FROM b WHERE b.id = a.id AND b.n > 3)",
  'UPDATE b SET n = n + 1 WHERE id IN (WITH big AS (SELECT id FROM a WHERE k > 2) SELECT id FROM big)',
  'DELETE FROM a WHERE k = (SELECT min(k) FROM a)',
  'DELETE FROM b WHERE grp IN (SELECT grp FROM b GROUP BY grp HAVING sum(n) < 12)',
  "UPDATE b SET grp = 'moved' || id WHERE n < 4",
  'UPDATE a SET id = id + 1000 WHERE k < 3',
  'UPDATE a SET k = -k WHERE id IN (SELECT id FROM a ORDER BY id DESC LIMIT 3) RETURNING id, k',
  "UPDATE a SET v = 'dup' WHERE id IN (SELECT id FROM a ORDER BY id LIMIT 2)",
  'UPDATE b SET n = n - 100 WHERE id IN (SELECT id FROM b)',
  "UPDATE b SET grp = NULL WHERE id = (SELECT max(id) FROM b)",
  'CREATE TABLE s AS SELECT grp, count(*) AS c, sum(n) AS t FROM b GROUP BY grp',
  'CREATE TABLE IF NOT EXISTS s AS SELECT 1 AS one',
  'CREATE TABLE e AS SELECT * FROM a WHERE 0',
  "CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN INSERT INTO audit (what, ref) VALUES ('ins ' || new.v, new.id); END",
  "CREATE TRIGGER b_upd BEFORE UPDATE ON b WHEN new.n > 100 BEGIN SELECT RAISE(ABORT, 'too big'); END",
  "CREATE TRIGGER b_del AFTER DELETE ON b BEGIN INSERT INTO audit (what, ref) VALUES ('del ' || old.grp, old.id); UPDATE a SET k = k + 100 WHERE id = old.id; END",
  "INSERT INTO a (k, v) VALUES (1, 'x1'), (2, 'x2'), (3, 'x3')",
  "INSERT INTO a (id, k, v) VALUES (500, 1, 'p')",
  "INSERT INTO a (id, k, v) VALUES (501, 1, 'p')",
  "INSERT OR REPLACE INTO a (id, k, v) VALUES (2, 9, 'replaced')",
  'UPDATE b SET n = n + 200 WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8)',
  'UPDATE b SET n = n + 50 WHERE id > 3',
  'DELETE FROM b WHERE n > 52',
  "INSERT INTO b (grp, n) VALUES ('late', 1), ('late', 2)",
  'DELETE FROM b WHERE id = (SELECT max(id) FROM b)',
  'DROP TRIGGER b_del',
  "INSERT INTO b (grp, n) VALUES ('after', 3)",
  'DELETE FROM b WHERE id IN (SELECT ref FROM audit)',
  'UPDATE a SET k = (SELECT count(*) FROM audit) WHERE id IN (SELECT ref FROM audit) RETURNING id, k, v',
  'DROP TRIGGER a_ins',
  "INSERT INTO a (k, v) VALUES (7, 'plain')",
];

function fmt(v: Value): string {
  if (typeof v === 'number') return `r${v}`;
  if (typeof v === 'bigint') return `i${v}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  return JSON.stringify(v);
}
const show = (rows: Value[][]): string[] => rows.map((r) => r.map(fmt).join('|'));

test('central writes on 4 partitions match SQLite statement by statement (b sharded by a column)', async () => {
  const { router, exec } = await localRouter(4, 2, { shardKeys: { b: 'grp' } });
  const db = openOracle();
  const tables = ['a', 'b', 'audit', 's', 'e'];
  for (const [i, sql] of SCRIPT.entries()) {
    let want: { ok: true; n: number; rows: string[] } | { ok: false; msg: string };
    try {
      const st = db.prepare(sql);
      want = st.reader ? { ok: true, n: -1, rows: show(oracleRows(db, sql)) } : { ok: true, n: Number(st.run().changes), rows: [] };
    } catch (e) { want = { ok: false, msg: (e as Error).message }; }
    let got: typeof want;
    try {
      const r = (await router.execute([{ sql, params: [] }], 'one'))[0]!;
      got = want.ok && want.n === -1 ? { ok: true, n: -1, rows: show(r.rows) } : { ok: true, n: r.rowsAffected, rows: [] };
    } catch (e) { got = { ok: false, msg: (e as Error).message }; }
    if (!want.ok && !got.ok) assert.match(got.msg, new RegExp(want.msg.split(':')[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), `statement ${i}: ${sql}`);
    else if (/^CREATE TABLE [a-z]+ AS|^CREATE TABLE IF/.test(sql) && want.ok && got.ok) { /* SQLite reports the previous statement's changes for DDL */ }
    else assert.deepEqual(got, want, `statement ${i}: ${sql}`);
    for (const t of tables) {
      const exists = oracleRows(db, "SELECT count(*) FROM sqlite_master WHERE name = ?", [t])[0]![0] === 1n;
      if (!exists) continue;
      const q = `SELECT rowid, * FROM ${t} ORDER BY rowid`;
      assert.deepEqual(show((await router.execute([{ sql: q, params: [] }], 'one'))[0]!.rows), show(oracleRows(db, q)), `after statement ${i} (${sql}): table ${t}`);
    }
  }
  // Rows live on the partition of their shard key (rows moved when grp or id changed).
  for (let p = 0; p < 4; p++) {
    const e = exec.shards[p % 2]!.engine(p);
    const mine = e.session().execute('SELECT grp FROM b').rows.map((r) => r[0]);
    for (const g of mine) {
      const q = await router.execute([{ sql: 'SELECT count(*) FROM b WHERE grp = ?', params: [g] }], 'one');
      assert.equal(router.lastRoute.kind === 'single' && router.lastRoute.partition, p, `b row ${String(g)} on its key's partition`);
      assert.ok((q[0]!.rows[0]![0] as bigint) >= 1n);
    }
  }
});

test('a central write that fails while shipping or at 2PC leaves nothing on any partition', async () => {
  for (const where of ['apply', '2pc:after-prepare'] as const) {
    let armed = false;
    const exec = new LocalExecutor(4, 2);
    const inner = exec.call.bind(exec);
    exec.call = async (op: FragmentOp) => {
      if (armed && where === 'apply' && op.op === 'apply' && op.p === 3) throw new Error('shard lost');
      return inner(op);
    };
    const router = new Router({ executor: exec, fault: (point) => { if (armed && point === where) throw new Error(`fault at ${point}`); } });
    await router.start();
    const one = async (sql: string) => (await router.execute([{ sql, params: [] }], 'one'))[0]!;
    await one('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)');
    await one('CREATE TABLE log (id INTEGER PRIMARY KEY, m TEXT)');
    await one(`INSERT INTO t (id, n) VALUES ${Array.from({ length: 16 }, (_, i) => `(${i + 1}, ${i})`).join(', ')}`);
    await one("CREATE TRIGGER tr AFTER UPDATE ON t BEGIN INSERT INTO log (m) VALUES ('u' || new.id); END");
    const before = (await one('SELECT id, n FROM t ORDER BY id')).rows;
    armed = true;
    await assert.rejects(one('UPDATE t SET n = n + 100, id = id + 50 WHERE id IN (SELECT id FROM t WHERE n % 2 = 0)'), /shard lost|fault at/);
    armed = false;
    assert.deepEqual((await one('SELECT id, n FROM t ORDER BY id')).rows, before, `${where}: t unchanged`);
    assert.deepEqual((await one('SELECT count(*) FROM log')).rows, [[0n]], `${where}: no audit rows`);
    for (let p = 0; p < 4; p++) {
      const n = exec.shards[p % 2]!.engine(p).session().execute('SELECT count(*) FROM t WHERE n >= 100 OR id > 16').rows[0]![0];
      assert.equal(n, 0n, `${where}: partition ${p} holds nothing of the failed write`);
    }
    const ok = await one('UPDATE t SET n = n + 100 WHERE id IN (SELECT id FROM t WHERE n % 2 = 0)');
    assert.equal(ok.rowsAffected, 8, `${where}: the same write succeeds afterwards`);
    assert.deepEqual((await one('SELECT count(*) FROM log')).rows, [[8n]]);
  }
});

test('central writes: rows ship only to the partitions they change; partitions never fire triggers', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string) => (await router.execute([{ sql, params: [] }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER)');
  await one('CREATE TABLE log (id INTEGER PRIMARY KEY, m TEXT)');
  await one('INSERT INTO t (n) VALUES (1), (2), (3), (4), (5), (6), (7), (8)');
  await one('DELETE FROM t WHERE id = 8');
  await one("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log (m) VALUES ('i' || new.id); END");
  exec.sent.length = 0;
  const r = await one('INSERT INTO t (n) VALUES (9)');
  assert.equal(r.lastInsertId, 9n, 'AUTOINCREMENT continues above every id handed out (8 was deleted)');
  const applies = exec.sent.filter((o): o is Extract<FragmentOp, { op: 'apply' }> => o.op === 'apply');
  const puts = applies.flatMap((o) => o.writes.flatMap((w) => w.puts.map(([id]) => `${w.table}:${id}`))).sort();
  assert.deepEqual(puts, ['log:1', 't:9'], 'only the new rows cross the ring');
  assert.ok(!exec.sent.some((o) => o.op === 'run' && o.stmts.some((s) => /insert/i.test(s.sql))), 'no partition re-runs the INSERT (its trigger would fire again)');
  assert.deepEqual((await one('SELECT m FROM log')).rows, [['i9']]);
  await one('INSERT INTO t (n) VALUES (10), (11)');
  assert.deepEqual((await one('SELECT id FROM t ORDER BY id DESC LIMIT 2')).rows, [[11n], [10n]]);
  await one('DROP TRIGGER tr');
  assert.equal((await one('INSERT INTO t (n) VALUES (12)')).lastInsertId, 12n, 'the fast path continues from the counter the central path advanced');
  assert.equal(router.lastRoute.kind, 'single');
});

test('central writes inside batches see the batch\'s earlier writes and roll back with it', async () => {
  const { router } = await localRouter(4, 2);
  const one = async (sql: string, params: Value[] = []) => (await router.execute([{ sql, params }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  await one('INSERT INTO t (id, n) VALUES (1, 1), (2, 2), (3, 3), (4, 4)');
  const rs = await router.execute([
    { sql: 'INSERT INTO t (id, n) VALUES (5, 5), (6, 6), (7, 7)', params: [] },
    { sql: 'UPDATE t SET n = n * 10 WHERE id IN (SELECT id FROM t WHERE n > ?)', params: [4n] },
    { sql: 'DELETE FROM t WHERE n < (SELECT avg(n) FROM t WHERE id <= :top)', params: { ':top': 4n } as never },
    { sql: 'SELECT id, n FROM t ORDER BY id', params: [] },
  ], 'atomic');
  assert.equal(rs[1]!.rowsAffected, 3, 'the UPDATE saw the rows inserted earlier in the batch');
  assert.equal(rs[2]!.rowsAffected, 2);
  assert.deepEqual(rs[3]!.rows, [[3n, 3n], [4n, 4n], [5n, 50n], [6n, 60n], [7n, 70n]]);
  await assert.rejects(router.execute([
    { sql: 'UPDATE t SET n = n + 1 WHERE id IN (SELECT id FROM t)', params: [] },
    { sql: 'UPDATE t SET n = NULL WHERE id IN (SELECT max(id) FROM t)', params: [] },
  ], 'atomic'), (e: Error & { toData?: () => { statementIndex?: number } }) => /NOT NULL/.test(e.message) && e.toData?.().statementIndex === 1);
  const rolled = await router.execute([
    { sql: 'BEGIN', params: [] },
    { sql: 'DELETE FROM t WHERE id IN (SELECT id FROM t WHERE n > 10)', params: [] },
    { sql: 'ROLLBACK', params: [] },
  ], 'batch');
  assert.equal(rolled[1]!.rowsAffected, 3);
  assert.deepEqual((await one('SELECT id, n FROM t ORDER BY id')).rows, [[3n, 3n], [4n, 4n], [5n, 50n], [6n, 60n], [7n, 70n]], 'failed and rolled-back batches left nothing');
});

test('central inserts take rowids above every id handed out, also while fast-path INSERTs are planned concurrently', async () => {
  const { router, exec } = await localRouter(4, 2);
  const one = async (sql: string, params: Value[] = []) => (await router.execute([{ sql, params }], 'one'))[0]!;
  await one('CREATE TABLE t (id INTEGER PRIMARY KEY, src TEXT)');
  await one('CREATE TABLE w (id INTEGER PRIMARY KEY, src TEXT)');
  await one("CREATE TRIGGER tw AFTER INSERT ON w BEGIN INSERT INTO t (src) VALUES ('trigger'); END");
  await one("INSERT INTO t (src) VALUES ('a'), ('b'), ('c')");
  await one('DELETE FROM t WHERE id = 3');
  await one("INSERT INTO w (src) VALUES ('x')");
  assert.deepEqual((await one('SELECT id, src FROM t ORDER BY id')).rows, [[1n, 'a'], [2n, 'b'], [4n, 'trigger']], 'id 3 (handed out, then deleted) is not reused');
  let seed = 12345;
  exec.delay = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % 3; };
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    work.push(i % 4 === 0 ? one('INSERT INTO w (src) VALUES (?)', [`w${i}`]) : one('INSERT INTO t (src) VALUES (?)', [`fast${i}`]));
  }
  await Promise.all(work);
  exec.delay = null;
  const ids = (await one('SELECT id FROM t')).rows.map((r) => r[0] as bigint);
  assert.equal(ids.length, 3 + 40, 'every insert landed (30 fast, 10 by the trigger)');
  assert.equal(new Set(ids.map(String)).size, ids.length, 'no rowid given twice');
  assert.deepEqual((await one("SELECT count(*) FROM t WHERE src = 'trigger'")).rows, [[11n]]);
});
