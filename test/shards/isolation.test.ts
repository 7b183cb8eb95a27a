/**
 * Isolation of auto-commit work on a partitioned database (the sequencer): transfers between
 * accounts on different partitions (atomic batches, 2PC), point deposits and fan-out SUM readers
 * run concurrently, with every partition op delayed at random so requests interleave. No reader
 * may ever see money in flight, and the final state must be exactly the sum of what committed.
 * HELIOS_SEED=<n|random> replays or varies the schedule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng, seedFromEnv } from '../sql/helpers.js';
import { localRouter } from './harness.js';

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
    work.push(x < 0.4 ? transfer() : x < 0.7 ? deposit() : reader());
  }
  await Promise.all(work);
  const [fin] = await router.execute([{ sql: 'SELECT sum(balance), min(balance) >= 0 FROM acct', params: [] }], 'one');
  assert.deepEqual(fin!.rows, [[expected, 1n]]);
  console.log(`${transfers} transfers, ${failedTransfers} rolled back, ${sums.length} reads, 2PC commits ${router.stats.commits}`);
  assert.ok(transfers > 20 && sums.length > 20 && router.stats.commits > 10, 'the schedule interleaved real work');
});
