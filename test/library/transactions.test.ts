/**
 * Interactive transactions in the embedded library (`db.transaction`) and over gRPC (`Execute`
 * with `tx_id`, the bidirectional `Session` stream), on 4 partitions and 2 shards:
 *   - db.transaction commits on return, rolls back on throw (nothing of it stays), and with
 *     `retries` re-runs the callback after a SERIALIZATION_FAILURE (forced by a deadlock);
 *   - Session: pipelined requests answered in order with their request_id; begin/commit/rollback;
 *     errors in-stream (the stream goes on); auto-commit without a transaction; cancelling the
 *     stream rolls back its transaction and releases its locks at once;
 *   - Execute with the tx_id of a REST-begun transaction runs inside it; an unknown tx_id → NOT_FOUND.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Database, HeliosError } from '../../src/index.js';
import { databaseClient, unary, unaryError, type Msg } from './grpc-helpers.js';

describe('interactive transactions: library and gRPC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-tx-'));
  let db: Database;
  let client: grpc.Client;
  let restPort = 0;
  before(async () => {
    db = await Database.open({
      database: { path: join(dir, 'db'), wal_mode: 'async' },
      performance: { worker_threads: 2 },
      storage: { partitions: 4 },
      observability: { log_level: 'warn', metrics_enabled: false },
      api: { rest_port: 0, grpc_port: 0 },
    });
    const serving = await db.serve();
    restPort = serving.ports.rest!;
    client = databaseClient(`127.0.0.1:${serving.ports.grpc}`);
    await db.execute('CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
    await db.execute('INSERT INTO acct VALUES (1, 100), (2, 100), (3, 100), (4, 100)');
  });
  after(async () => {
    client?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('db.transaction commits on return and rolls back on throw', async () => {
    const moved = await db.transaction(async (tx) => {
      const a = (await tx.queryRow<{ balance: number }>('SELECT balance FROM acct WHERE id = ?', [1]))!.balance;
      await tx.execute('UPDATE acct SET balance = ? WHERE id = 1', [a - 30]);
      await tx.execute('UPDATE acct SET balance = balance + 30 WHERE id = 2');
      const sum = await tx.queryRow<{ s: number }>('SELECT sum(balance) AS s FROM acct');
      assert.equal(sum!.s, 400, 'a fan-out read inside sees both own writes');
      return 30;
    });
    assert.equal(moved, 30);
    assert.deepEqual((await db.query('SELECT id, balance FROM acct ORDER BY id')).map((r) => r['balance']), [70, 130, 100, 100]);

    await assert.rejects(db.transaction(async (tx) => {
      await tx.execute('UPDATE acct SET balance = 0 WHERE id = 3');
      await tx.execute('INSERT INTO acct VALUES (5, 5)');
      throw new Error('changed my mind');
    }), /changed my mind/);
    assert.deepEqual((await db.query('SELECT id, balance FROM acct ORDER BY id')).map((r) => r['balance']), [70, 130, 100, 100], 'nothing of the thrown transaction stays');

    let leaked: { execute(sql: string): Promise<unknown> } | undefined;
    await db.transaction(async (tx) => { leaked = tx; });
    await assert.rejects(leaked!.execute('SELECT 1'), (e: unknown) => e instanceof HeliosError && e.code === 'TX_NOT_FOUND');
  });

  test('retries re-run the callback after a deadlock (SERIALIZATION_FAILURE); without retries it surfaces', async () => {
    // Two transactions read rows 3 and 4, then each writes the row the other read: a cycle.
    const run = (first: number, second: number, retries: number, gate: { n: number; open: () => void; wait: Promise<void> }) =>
      db.transaction(async (tx) => {
        await tx.execute('SELECT balance FROM acct WHERE id = ?', [second]);
        await tx.execute('SELECT balance FROM acct WHERE id = ?', [first]);
        if (++gate.n === 2) gate.open();
        await gate.wait; // both have read both rows before either writes (first attempt only)
        await tx.execute('UPDATE acct SET balance = balance + 1 WHERE id = ?', [first]);
        await tx.execute('UPDATE acct SET balance = balance - 1 WHERE id = ?', [second]);
      }, { retries });
    const gate = (): { n: number; open: () => void; wait: Promise<void> } => {
      let open!: () => void;
      const wait = new Promise<void>((r) => (open = r));
      return { n: 0, open, wait };
    };
    const g1 = gate();
    const results = await Promise.allSettled([run(3, 4, 0, g1), run(4, 3, 0, g1)]);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 1, 'exactly one is the deadlock victim');
    assert.equal(((failed[0] as PromiseRejectedResult).reason as HeliosError).code, 'SERIALIZATION_FAILURE');

    const g2 = gate();
    const ok = await Promise.allSettled([run(3, 4, 3, g2), run(4, 3, 3, g2)]);
    assert.deepEqual(ok.map((r) => r.status), ['fulfilled', 'fulfilled'], 'the victim was retried and committed');
    assert.equal((await db.queryRow<{ s: number }>('SELECT sum(balance) AS s FROM acct'))!.s, 400);
  });

  test('gRPC Session: pipelined, in order, begin/commit/rollback, errors in-stream, cancel releases locks', async () => {
    const call = (client as unknown as Record<string, (md?: grpc.Metadata) => grpc.ClientDuplexStream<Msg, Msg>>)['Session']!.call(client);
    const replies: Msg[] = [];
    const waiters: (() => void)[] = [];
    call.on('data', (m: Msg) => {
      replies.push(m);
      waiters.shift()?.();
    });
    call.on('error', () => undefined);
    const until = async (n: number): Promise<void> => {
      while (replies.length < n) await new Promise<void>((r) => waiters.push(r));
    };
    const st = (sql: string, ...params: number[]) => ({ sql, params: params.map((p) => ({ integer_value: String(p) })) });
    // Pipelined: all sent at once, answered in order.
    call.write({ request_id: '1', begin: { timeout_ms: 10_000 } });
    call.write({ request_id: '2', execute: st('UPDATE acct SET balance = balance - 5 WHERE id = ?', 1) });
    call.write({ request_id: '3', execute: st('UPDATE acct SET balance = balance + 5 WHERE id = ?', 2) });
    call.write({ request_id: '4', execute: st('SELECT nope FROM acct') });
    call.write({ request_id: '5', execute: st('SELECT balance FROM acct WHERE id = ?', 1) });
    call.write({ request_id: '6', commit: {} });
    call.write({ request_id: '7', execute: st('SELECT sum(balance) FROM acct') });
    call.write({ request_id: '8', commit: {} });
    call.write({ request_id: '9', begin: {} });
    call.write({ request_id: '10', execute: st('UPDATE acct SET balance = 0 WHERE id = ?', 3) });
    call.write({ request_id: '11', rollback: {} });
    await until(11);
    assert.deepEqual(replies.map((r) => r['request_id']), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    assert.equal(replies[0]!['ok'], true);
    assert.equal((replies[1]!['execute'] as Msg)['rows_affected'], '1');
    assert.equal((replies[3]!['error'] as Msg)['code'], 'SQL_ERROR', 'a bad statement is an in-stream error');
    const row5 = ((replies[4]!['execute'] as Msg)['rows'] as Msg[])[0]!['values'] as Msg[];
    assert.ok(Number(row5[0]!['integer_value']) >= 0, 'the transaction went on after the error');
    assert.equal(replies[5]!['ok'], true);
    const sum = ((replies[6]!['execute'] as Msg)['rows'] as Msg[])[0]!['values'] as Msg[];
    assert.equal(sum[0]!['integer_value'], '400', 'auto-commit statement after the commit');
    assert.equal((replies[7]!['error'] as Msg)['code'], 'SQL_ERROR', 'commit with no transaction open');
    assert.equal(replies[10]!['ok'], true);
    assert.equal((await db.queryRow<{ b: number }>('SELECT balance AS b FROM acct WHERE id = 3'))!.b > 0, true, 'the rolled-back write is gone');

    // A transaction holding a lock, then the stream is cancelled: the lock goes at once.
    call.write({ request_id: '12', begin: { timeout_ms: 60_000 } });
    call.write({ request_id: '13', execute: st('UPDATE acct SET balance = balance WHERE id = ?', 4) });
    await until(13);
    assert.equal((replies[12]!['execute'] as Msg)['rows_affected'], '1');
    const blocked = db.execute('UPDATE acct SET balance = balance + 1 WHERE id = 4');
    let done = false;
    void blocked.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(done, false, 'the auto-commit write waits for the session transaction');
    const t0 = Date.now();
    call.cancel();
    await blocked;
    assert.ok(Date.now() - t0 < 2000, 'released when the stream was cancelled, not at the 60 s timeout');
    await db.execute('UPDATE acct SET balance = balance - 1 WHERE id = 4');
  });

  test('gRPC Execute with the tx_id of a REST-begun transaction runs inside it', async () => {
    const post = async (p: string) => (await fetch(`http://127.0.0.1:${restPort}${p}`, { method: 'POST' })).json() as Promise<Record<string, unknown>>;
    const tx = (await post('/v1/tx'))['tx_id'] as string;
    const r = await unary(client, 'Execute', { sql: 'UPDATE acct SET balance = balance + 7 WHERE id = 1', tx_id: tx });
    assert.equal(r['rows_affected'], '1');
    const inside = await unary(client, 'Execute', { sql: 'SELECT balance FROM acct WHERE id = 1', tx_id: tx });
    const seen = Number((((inside['rows'] as Msg[])[0]!['values'] as Msg[])[0]!)['integer_value']);
    assert.equal((await post(`/v1/tx/${tx}/rollback`))['rolled_back'], true);
    const after = (await db.queryRow<{ b: number }>('SELECT balance AS b FROM acct WHERE id = 1'))!.b;
    assert.equal(seen, after + 7, 'the transaction saw its own write; the rollback removed it');
  });

  test('gRPC Execute with an unknown tx_id is NOT_FOUND', async () => {
    const e = await unaryError(client, 'Execute', { sql: 'SELECT 1', tx_id: 'feedface' });
    assert.equal(e.code, grpc.status.NOT_FOUND);
    assert.match(e.details, /TX_NOT_FOUND/);
  });
});
