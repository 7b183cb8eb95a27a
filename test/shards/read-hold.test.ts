/**
 * A streaming Query's read hold (read-hold.ts) over the coordinator's lock manager: writers of a
 * held table on a held partition wait until the hold ends, readers and writers elsewhere do not,
 * a queued writer keeps later holds out (no writer starvation), releasing is idempotent. Plain
 * promises, no shards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Footprint, Locks } from '../../src/coordinator/txn/locks.js';
import { LockReadHold } from '../../src/coordinator/read-hold.js';

const tick = () => new Promise((r) => setImmediate(r));

/** Takes `fp` as a fresh holder, logs `name` once granted; returns the holder's release. */
async function take(locks: Locks, log: string[], name: string, fp: Footprint): Promise<() => void> {
  const id = locks.begin();
  await locks.acquire(id, fp.plan());
  log.push(name);
  return () => locks.release(id);
}

test('a read hold stops writers of its tables on its partitions only', async () => {
  const locks = new Locks({ lockWaitTimeoutMs: 5000 });
  const hold = new LockReadHold(locks);
  const log: string[] = [];
  const release = await hold.acquire([1, 2], ['orders']);
  const r1 = await take(locks, log, 'read orders on p1', new Footprint().table(1, 'orders', false));
  const w1 = take(locks, log, 'write orders key on p1', new Footprint().key(1, 'Orders', '42', true));
  const w3 = take(locks, log, 'write orders on p3', new Footprint().table(3, 'orders', true));
  const wOther = take(locks, log, 'write items on p1', new Footprint().table(1, 'items', true));
  const done = await Promise.all([w3, wOther]);
  await tick();
  assert.deepEqual([...log].sort(), ['read orders on p1', 'write items on p1', 'write orders on p3']);
  release();
  release(); // idempotent
  await tick();
  assert.ok(!log.includes('write orders key on p1'), 'the other reader still holds the table');
  r1();
  (await w1)();
  assert.ok(log.includes('write orders key on p1'));
  for (const r of done) r();
});

test('a queued writer keeps later read holds out', async () => {
  const locks = new Locks({ lockWaitTimeoutMs: 5000 });
  const hold = new LockReadHold(locks);
  const log: string[] = [];
  const first = await hold.acquire([0], ['t']);
  const w = take(locks, log, 'writer', new Footprint().table(0, 't', true));
  await tick();
  let second = false;
  const h2 = hold.acquire([0], ['t']).then((r) => { second = true; return r; });
  await tick();
  assert.equal(second, false, 'a new hold waits behind the queued writer');
  first();
  (await w)();
  (await h2)();
  assert.ok(second);
  assert.deepEqual(log, ['writer']);
});
