/**
 * Interactive transactions over REST `/v1/tx` against a real server (2 shards, 4 partitions).
 * The classic anomalies, each with the interleaving forced by stepping two clients explicitly:
 *   - lost update: two read-modify-write transactions on one row → the final value reflects
 *     every committed increment (one of them gets SERIALIZATION_FAILURE);
 *   - write skew: two doctors on call each check "≥ 2 on call" and go off → never both;
 *   - phantom: a transaction counts rows WHERE x; another client inserts a matching row → the
 *     re-count is the same (the insert waits for the commit).
 * Then the rules of the API: own writes visible (fan-out reads included), idle timeout → 404 and
 * locks released, max_concurrent, a failed one-partition statement keeps the transaction, a failed
 * multi-partition statement rolls it back whole, DDL refused inside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

type Body = Record<string, unknown>;
interface Reply { status: number; body: Body }

async function post(s: ServerProcess, p: string, body?: unknown): Promise<Reply> {
  const r = await fetch(s.url(p), { method: 'POST', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: r.status, body: (await r.json()) as Body };
}

async function sql(s: ServerProcess, q: string, params: unknown[] = []): Promise<Body> {
  const r = await post(s, '/v1/sql', { sql: q, params });
  if (r.status !== 200) throw new Error(`${q}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function begin(s: ServerProcess, timeoutMs?: number): Promise<string> {
  const r = await post(s, '/v1/tx', timeoutMs === undefined ? undefined : { timeout_ms: timeoutMs });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body['tx_id'] as string;
}

const txSql = (s: ServerProcess, tx: string, q: string, params: unknown[] = []): Promise<Reply> => post(s, `/v1/tx/${tx}/sql`, { sql: q, params });
const commit = (s: ServerProcess, tx: string): Promise<Reply> => post(s, `/v1/tx/${tx}/commit`);
const rollback = (s: ServerProcess, tx: string): Promise<Reply> => post(s, `/v1/tx/${tx}/rollback`);
const code = (r: Reply): unknown => (r.body['error'] as Body | undefined)?.['code'];
const one = (r: Reply | Body): unknown => (('body' in r ? (r as Reply).body : r)['rows'] as unknown[][])[0]![0];

/** True when `p` is still pending after `ms` (it waits for a lock). */
async function stillPending(p: Promise<unknown>, ms = 150): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return !done;
}

let server: ServerProcess;

test('interactive transactions over REST', async (t) => {
  server = await spawnServer({ workerThreads: 2, toml: '[storage]\npartitions = 4\n[transactions]\nmax_concurrent = 6\n' });
  await waitReady(server);
  const s = server;
  try {
    await t.test('lost update: read-modify-write twice on one row never loses an increment', async () => {
      await sql(s, 'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
      await sql(s, 'INSERT INTO counter VALUES (1, 100)');
      const a = await begin(s);
      const b = await begin(s);
      const na = one(await txSql(s, a, 'SELECT n FROM counter WHERE id = 1')) as number;
      const nb = one(await txSql(s, b, 'SELECT n FROM counter WHERE id = 1')) as number;
      assert.equal(na, 100);
      assert.equal(nb, 100);
      const wa = txSql(s, a, 'UPDATE counter SET n = ? WHERE id = 1', [na + 10]);
      assert.ok(await stillPending(wa), 'A waits: B holds S on the row');
      const wb = await txSql(s, b, 'UPDATE counter SET n = ? WHERE id = 1', [nb + 20]);
      assert.equal(wb.status, 409, 'B would close a wait cycle: it is the deadlock victim');
      assert.equal(code(wb), 'SERIALIZATION_FAILURE');
      assert.equal((await wa).status, 200);
      assert.equal((await commit(s, a)).status, 200);
      assert.equal(code(await commit(s, b)), 'TX_NOT_FOUND', 'B was rolled back');
      assert.equal(one(await sql(s, 'SELECT n FROM counter WHERE id = 1')), 110);
    });

    await t.test('write skew: two doctors checking "another one is on call" never both leave', async () => {
      await sql(s, 'CREATE TABLE doctors (id INTEGER PRIMARY KEY, on_call INTEGER NOT NULL)');
      await sql(s, 'INSERT INTO doctors VALUES (1, 1), (2, 1), (3, 0), (4, 0)');
      const a = await begin(s);
      const b = await begin(s);
      assert.equal(one(await txSql(s, a, 'SELECT count(*) FROM doctors WHERE on_call = 1')), 2);
      assert.equal(one(await txSql(s, b, 'SELECT count(*) FROM doctors WHERE on_call = 1')), 2);
      const ua = txSql(s, a, 'UPDATE doctors SET on_call = 0 WHERE id = 1');
      assert.ok(await stillPending(ua), 'A waits: B read the whole table');
      const ub = await txSql(s, b, 'UPDATE doctors SET on_call = 0 WHERE id = 2');
      assert.equal(code(ub), 'SERIALIZATION_FAILURE');
      assert.equal((await ua).status, 200);
      assert.equal((await commit(s, a)).status, 200);
      assert.equal(one(await sql(s, 'SELECT count(*) FROM doctors WHERE on_call = 1')), 1, 'exactly one doctor left');
    });

    await t.test('phantom: a concurrent insert of a matching row waits for the counting transaction', async () => {
      await sql(s, 'CREATE TABLE items (id INTEGER PRIMARY KEY, x INTEGER)');
      await sql(s, 'INSERT INTO items (x) VALUES (1), (1), (2), (1), (2), (1)');
      const a = await begin(s);
      const first = one(await txSql(s, a, 'SELECT count(*) FROM items WHERE x = 1'));
      assert.equal(first, 4);
      const ins = sql(s, 'INSERT INTO items (x) VALUES (1)');
      assert.ok(await stillPending(ins), 'the insert waits for the reader');
      assert.equal(one(await txSql(s, a, 'SELECT count(*) FROM items WHERE x = 1')), first, 'no phantom');
      assert.equal((await commit(s, a)).status, 200);
      await ins;
      assert.equal(one(await sql(s, 'SELECT count(*) FROM items WHERE x = 1')), 5);
    });

    await t.test('own writes are visible inside, fan-out reads included; rollback leaves nothing', async () => {
      await sql(s, 'CREATE TABLE own (id INTEGER PRIMARY KEY, v TEXT)');
      const a = await begin(s);
      const ins = await txSql(s, a, "INSERT INTO own (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')");
      assert.equal(ins.status, 200);
      assert.equal(one(await txSql(s, a, 'SELECT count(*) FROM own')), 5);
      assert.equal(one(await txSql(s, a, 'SELECT v FROM own WHERE id = 4')), 'd');
      assert.equal((await rollback(s, a)).status, 200);
      assert.equal(one(await sql(s, 'SELECT count(*) FROM own')), 0);
      assert.equal(code(await txSql(s, a, 'SELECT 1')), 'TX_NOT_FOUND');
    });

    await t.test('a failed one-partition statement keeps the transaction; a failed multi-partition one rolls it back', async () => {
      await sql(s, 'CREATE TABLE f (id INTEGER PRIMARY KEY, v INTEGER CHECK (v >= 0))');
      await sql(s, 'INSERT INTO f VALUES (1, 1), (2, 2), (3, 3), (4, 4)');
      const a = await begin(s);
      assert.equal((await txSql(s, a, 'UPDATE f SET v = 10 WHERE id = 1')).status, 200);
      const bad = await txSql(s, a, 'UPDATE f SET v = -1 WHERE id = 2');
      assert.equal(code(bad), 'CONSTRAINT');
      assert.equal((await commit(s, a)).status, 200);
      assert.deepEqual((await sql(s, 'SELECT id, v FROM f ORDER BY id'))['rows'], [[1, 10], [2, 2], [3, 3], [4, 4]]);

      const c = await begin(s);
      assert.equal((await txSql(s, c, 'UPDATE f SET v = v + 1')).status, 200, 'a write on every partition');
      assert.equal(code(await txSql(s, c, 'SELECT * FROM no_such_table')), 'SQL_ERROR', 'a statement failing before it touches anything');
      assert.equal((await commit(s, c)).status, 200, 'the transaction was still usable');
      assert.deepEqual((await sql(s, 'SELECT id, v FROM f ORDER BY id'))['rows'], [[1, 11], [2, 3], [3, 4], [4, 5]]);
      await sql(s, 'UPDATE f SET v = v - 1');

      const b = await begin(s);
      assert.equal((await txSql(s, b, 'UPDATE f SET v = 20 WHERE id = 1')).status, 200);
      const multi = await txSql(s, b, 'UPDATE f SET v = v - 3'); // id 2 (v 2) fails on its partition; others may have run
      assert.equal(code(multi), 'CONSTRAINT');
      assert.match((multi.body['error'] as Body)['message'] as string, /rolled back/);
      assert.equal(code(await commit(s, b)), 'TX_NOT_FOUND');
      assert.deepEqual((await sql(s, 'SELECT id, v FROM f ORDER BY id'))['rows'], [[1, 10], [2, 2], [3, 3], [4, 4]], 'no partial effect');
    });

    await t.test('DDL and transaction control inside a transaction are refused clearly', async () => {
      const a = await begin(s);
      const ddl = await txSql(s, a, 'CREATE TABLE nope (x)');
      assert.equal(code(ddl), 'SQL_ERROR');
      assert.match((ddl.body['error'] as Body)['message'] as string, /not supported inside an interactive transaction/);
      assert.equal(code(await txSql(s, a, 'COMMIT')), 'SQL_ERROR');
      assert.equal((await rollback(s, a)).status, 200);
    });

    await t.test('idle past timeout_ms: rolled back, locks released, later calls 404', async () => {
      await sql(s, 'CREATE TABLE idle (id INTEGER PRIMARY KEY, v INTEGER)');
      await sql(s, 'INSERT INTO idle VALUES (1, 0)');
      const a = await begin(s, 300);
      assert.equal((await txSql(s, a, 'UPDATE idle SET v = 1 WHERE id = 1')).status, 200);
      const t0 = Date.now();
      await sql(s, 'UPDATE idle SET v = 2 WHERE id = 1'); // waits for the timeout's rollback
      assert.ok(Date.now() - t0 < 3000);
      const late = await txSql(s, a, 'SELECT 1');
      assert.equal(late.status, 404);
      assert.equal(code(late), 'TX_NOT_FOUND');
      assert.equal(one(await sql(s, 'SELECT v FROM idle WHERE id = 1')), 2, 'the timed-out write was rolled back, the other applied');
      assert.equal(code(await post(s, '/v1/tx', { timeout_ms: 0 })), 'BAD_REQUEST');
      assert.equal(code(await commit(s, 'not-a-transaction')), 'TX_NOT_FOUND');
    });

    await t.test('[transactions] max_concurrent bounds open transactions (503, retryable)', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await begin(s));
      const over = await post(s, '/v1/tx');
      assert.equal(over.status, 503);
      assert.equal(code(over), 'UNAVAILABLE');
      await rollback(s, ids.pop()!);
      ids.push(await begin(s));
      for (const id of ids) await rollback(s, id);
    });

    await t.test('metrics count lock waits, deadlocks, timeouts and open transactions', async () => {
      const text = await (await fetch(`http://127.0.0.1:${s.ports.metrics}/metrics`)).text();
      const metric = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      assert.ok(metric('heliosdb_deadlocks_total') >= 2, 'lost update and write skew each had a victim');
      assert.ok(metric('heliosdb_lock_waits_total') >= 4);
      assert.ok(metric('heliosdb_lock_wait_seconds_total') > 0);
      assert.ok(metric('heliosdb_tx_timed_out_total') >= 1);
      assert.ok(metric('heliosdb_tx_committed_total') >= 4);
      assert.equal(metric('heliosdb_tx_open'), 0);
    });
  } finally {
    await server.stop();
  }
});

test('a shard restart loses the transactions that used it: next call SERIALIZATION_FAILURE, other partitions rolled back, locks released', async () => {
  // The third COMMIT op reaching each shard kills that shard's thread (the process lives); the
  // CREATE TABLE's 2PC sends each shard two (one per partition), B's one-phase commit is the third.
  const s = await spawnServer({ workerThreads: 2, toml: '[storage]\npartitions = 4\n', env: { HELIOS_FAULT: 'shard:before-commit:3' } });
  await waitReady(s);
  try {
    await sql(s, 'CREATE TABLE r (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
    // Partition p is served by shard p mod 2: find a row on each shard (EXPLAIN names the partition).
    const byShard = new Map<number, number[]>();
    for (let id = 1; id <= 20; id++) {
      await sql(s, 'INSERT INTO r VALUES (?, 0)', [id]); // one partition, auto-commit: no COMMIT op
      const route = (await sql(s, 'EXPLAIN SELECT * FROM r WHERE id = ?', [id]))['rows'] as string[][];
      const p = Number(/ROUTE ONE PARTITION \((\d+) of 4\)/.exec(route[0]![0]!)![1]);
      byShard.set(p % 2, [...(byShard.get(p % 2) ?? []), id]);
    }
    const [a0, b0] = byShard.get(0)!;
    const [a1] = byShard.get(1)!;
    const a = await begin(s);
    assert.equal((await txSql(s, a, 'UPDATE r SET v = 1 WHERE id = ?', [a0])).status, 200);
    assert.equal((await txSql(s, a, 'UPDATE r SET v = 1 WHERE id = ?', [a1])).status, 200);
    const b = await begin(s);
    assert.equal((await txSql(s, b, 'UPDATE r SET v = 2 WHERE id = ?', [b0])).status, 200);
    const died = await commit(s, b); // shard 0 dies before running it
    assert.notEqual(died.status, 200);
    const next = await txSql(s, a, 'SELECT v FROM r WHERE id = ?', [a1]);
    assert.equal(code(next), 'SERIALIZATION_FAILURE', 'A used the restarted shard: it cannot go on');
    assert.match((next.body['error'] as Body)['message'] as string, /restarted/);
    assert.equal(code(await commit(s, a)), 'TX_NOT_FOUND', 'then it is gone');
    // A's write on the surviving shard was rolled back and its lock released: this does not wait.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        assert.equal(one(await sql(s, 'SELECT v FROM r WHERE id = ?', [a1])), 0);
        assert.equal(one(await sql(s, 'SELECT v FROM r WHERE id = ?', [a0])), 0);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e; // UNAVAILABLE while shard 0 restarts
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await sql(s, 'UPDATE r SET v = 5 WHERE id = ?', [a1]);
  } finally {
    await s.stop();
  }
});
