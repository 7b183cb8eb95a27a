/**
 * Isolation on a partitioned database (the coordinator's locks): transfers between accounts on
 * different partitions (atomic batches, 2PC), interactive transfers (read both balances, check,
 * write both computed values, commit; retried on SERIALIZATION_FAILURE), point deposits, fan-out
 * SUM readers and interactive readers that sum twice run concurrently, with every partition op
 * delayed at random so requests interleave. No reader may ever see money in flight, an
 * interactive reader's two sums agree, no update is lost (the final state is exactly the sum of
 * what committed), and no balance goes negative through a check made in the client.
 * HELIOS_SEED=<n|random> replays or varies the schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng, seedFromEnv } from '../sql/helpers.js';
import { localRouter } from './harness.js';
import { InteractiveTxns } from '../../src/coordinator/interactive-txns.js';
import { HeliosError } from '../../src/errors.js';

test('fan-out SUMs never see a multi-partition transfer half-done', async () => {
  const seed = seedFromEnv('HELIOS_SEED', 7);
  console.log(`seed ${seed}`);
  const r = rng(seed);
  const { router, exec } = await localRouter(4, 2);
  await router.execute([{ sql: 'CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))', params: [] }], 'one');
  await router.execute([{ sql: `INSERT INTO acct VALUES ${Array.from({ length: 16 }, (_, i) => `(${i + 1}, 100)`).join(', ')}`, params: [] }], 'one');
  exec.delay = () => (r() < 0.5 ? 0 : Math.floor(r() * 3));
  let expected = 1600n;
  let transfers = 0;
  let failedTransfers = 0;
  const sums: bigint[] = [];
  const transfer = async (): Promise<void> => {
    const from = BigInt(1 + Math.floor(r() * 16));
    const to = BigInt(1 + Math.floor(r() * 16));
    const amt = BigInt(1 + Math.floor(r() * 60));
    try {
      await router.execute([
        { sql: 'UPDATE acct SET balance = balance - ? WHERE id = ?', params: [amt, from] },
        { sql: 'UPDATE acct SET balance = balance + ? WHERE id = ?', params: [amt, to] },
      ], 'atomic');
      transfers++;
    } catch (e) {
      assert.match((e as Error).message, /CHECK constraint failed/); // an overdraft rolls back both halves
      failedTransfers++;
    }
  };
  const txns = new InteractiveTxns(router, { defaultTimeoutMs: 30_000, maxConcurrent: 1000 });
  let interactive = 0;
  let retries = 0;
  const interactiveTransfer = async (): Promise<void> => {
    const from = BigInt(1 + Math.floor(r() * 16));
    const to = BigInt(1 + Math.floor(r() * 16));
    const amt = BigInt(1 + Math.floor(r() * 60));
    for (let attempt = 0; ; attempt++) {
      const id = txns.begin();
      try {
        const bal = async (a: bigint) => (await txns.execute(id, { sql: 'SELECT balance FROM acct WHERE id = ?', params: [a] })).rows[0]![0] as bigint;
        const fb = await bal(from);
        if (fb < amt) {
          await txns.rollback(id);
          return;
        }
        const tb = from === to ? fb - amt : await bal(to);
        // Values computed in the client: a lost update would show in the final sum.
        await txns.execute(id, { sql: 'UPDATE acct SET balance = ? WHERE id = ?', params: [fb - amt, from] });
        await txns.execute(id, { sql: 'UPDATE acct SET balance = ? WHERE id = ?', params: [tb + amt, to] });
        await txns.commit(id);
        interactive++;
        return;
      } catch (e) {
        if (!(e instanceof HeliosError) || e.code !== 'SERIALIZATION_FAILURE' || attempt > 50) throw e;
        retries++;
        if (txns.has(id)) await txns.rollback(id);
        await new Promise((res) => setTimeout(res, r() * 2 ** Math.min(attempt, 5))); // as a client would: back off, then retry
      }
    }
  };
  const interactiveReader = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const id = txns.begin();
      try {
        const sum = async () => (await txns.execute(id, { sql: 'SELECT sum(balance) FROM acct', params: [] })).rows[0]![0] as bigint;
        const a = await sum();
        const b = await sum();
        assert.equal(a, b, 'a transaction reads the same sum twice');
        await txns.commit(id);
        return;
      } catch (e) {
        if (!(e instanceof HeliosError) || e.code !== 'SERIALIZATION_FAILURE' || attempt > 50) throw e;
        if (txns.has(id)) await txns.rollback(id);
        await new Promise((res) => setTimeout(res, r() * 2 ** Math.min(attempt, 5)));
      }
    }
  };
  let pendingDeposits = 0;
  const deposit = async (): Promise<void> => {
    pendingDeposits++;
    await router.execute([{ sql: 'UPDATE acct SET balance = balance + 1 WHERE id = ?', params: [BigInt(1 + Math.floor(r() * 16))] }], 'one');
    expected += 1n;
    pendingDeposits--;
  };
  const reader = async (): Promise<void> => {
    const before = expected;
    const [res] = await router.execute([{ sql: 'SELECT sum(balance), count(*) FROM acct', params: [] }], 'one');
    const [sum, count] = res!.rows[0]! as [bigint, bigint];
    assert.equal(count, 16n);
    // Deposits may commit while the read waits, never half a transfer: the sum is a committed state.
    const upper = expected + BigInt(pendingDeposits);
    assert.ok(sum >= before && sum <= upper, `SUM ${sum} outside [${before}, ${upper}]: a transfer was seen half-done`);
    sums.push(sum);
  };
  const work: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) {
    const x = r();
    work.push(x < 0.25 ? transfer() : x < 0.45 ? interactiveTransfer() : x < 0.7 ? deposit() : x < 0.9 ? reader() : interactiveReader());
  }
  await Promise.all(work);
  const [fin] = await router.execute([{ sql: 'SELECT sum(balance), min(balance) >= 0 FROM acct', params: [] }], 'one');
  assert.deepEqual(fin!.rows, [[expected, 1n]]);
  console.log(`${transfers} transfers, ${failedTransfers} rolled back, ${interactive} interactive transfers (${retries} retries), ${sums.length} reads, 2PC commits ${router.stats.commits}, lock waits ${router.locks.stats.waits}, deadlocks ${router.locks.stats.deadlocks}`);
  assert.ok(transfers > 20 && interactive > 20 && sums.length > 20 && router.stats.commits > 10, 'the schedule interleaved real work');
  assert.ok(router.locks.stats.waits > 0, 'requests really contended for locks');
  assert.equal(txns.stats.open, 0);
});
