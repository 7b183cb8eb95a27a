/**
 * The coordinator's asynchronous lock layer (src/coordinator/txn/locks.ts): footprints in the
 * hierarchy partition → table → key value, waits as promises, upgrades, deadlock detection (the
 * requester closing a cycle fails), FIFO fairness (point statements cannot starve a waiting table
 * lock), the lock-wait timeout, and a release that fails the holder's own pending wait.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import { Footprint, Locks } from '../../src/coordinator/txn/locks.js';

const key = (p: number, k: string, write: boolean) => new Footprint().key(p, 't', k, write).plan();
const table = (p: number, write: boolean) => new Footprint().table(p, 't', write).plan();

/** Settles to 'granted', the error code, or 'pending' after a few turns of the event loop. */
async function state(p: Promise<void>): Promise<string> {
  let s = 'pending';
  p.then(() => (s = 'granted'), (e: HeliosError) => (s = e.code));
  await new Promise((r) => setTimeout(r, 5));
  return s;
}

test('footprints: intention locks on the ancestors, merged by supremum, in the global order', () => {
  const fp = new Footprint().key(2, 'T', 'i5', false).table(0, 't', false).key(2, 't', 'i5', true).table(2, 't', false);
  assert.deepEqual(fp.plan().map((s) => `${s.resource.key}:${s.mode}`), ['p0:IS', 'p0/tt:S', 'p2:IX', 'p2/tt:SIX', 'p2/tt/ki5:X']);
  assert.deepEqual(new Footprint().table(1, 't', true).partition(1).plan().map((s) => `${s.resource.key}:${s.mode}`), ['p1:X', 'p1/tt:X']);
});

test('point writes to different keys run together; a table reader excludes writers on its partition only', async () => {
  const l = new Locks({ verify: true });
  const [a, b, c, d] = [l.begin(), l.begin(), l.begin(), l.begin()];
  assert.equal(await state(l.acquire(a, key(0, 'i1', true))), 'granted');
  assert.equal(await state(l.acquire(b, key(0, 'i2', true))), 'granted', 'other key, same partition');
  const scan = l.acquire(c, table(0, false));
  assert.equal(await state(scan), 'pending', 'S on the table waits for the IX writers');
  assert.equal(await state(l.acquire(d, key(1, 'i3', true))), 'granted', 'another partition is not affected');
  l.release(a);
  assert.equal(await state(scan), 'pending');
  l.release(b);
  assert.equal(await state(scan), 'granted');
  const e = l.begin();
  const w = l.acquire(e, key(0, 'i9', true));
  assert.equal(await state(w), 'pending', 'a writer of a scanned table waits: no phantom');
  l.release(c);
  assert.equal(await state(w), 'granted');
  assert.equal(l.stats.waits, 2);
  l.release(d);
  l.release(e);
  assert.equal(l.counts().resources, 0, 'everything released');
});

test('upgrade S → X waits for the other reader; a deadlock fails the requester that closes the cycle', async () => {
  const l = new Locks({ verify: true });
  const [a, b] = [l.begin(), l.begin()];
  await l.acquire(a, key(0, 'i1', false));
  await l.acquire(b, key(0, 'i1', false));
  const ua = l.acquire(a, key(0, 'i1', true));
  assert.equal(await state(ua), 'pending');
  const ub = l.acquire(b, key(0, 'i1', true));
  assert.equal(await state(ub), 'SERIALIZATION_FAILURE', 'b would wait for a, which waits for b');
  assert.equal(l.stats.deadlocks, 1);
  l.release(b);
  assert.equal(await state(ua), 'granted');
  l.release(a);
});

test('FIFO: a stream of point reads cannot starve a waiting table writer', async () => {
  const l = new Locks({ verify: true });
  const r1 = l.begin();
  await l.acquire(r1, key(0, 'i1', false));
  const w = l.begin();
  const tw = l.acquire(w, table(0, true));
  assert.equal(await state(tw), 'pending');
  const r2 = l.begin();
  const late = l.acquire(r2, key(0, 'i2', false));
  assert.equal(await state(late), 'pending', 'a later reader queues behind the waiting writer');
  l.release(r1);
  assert.equal(await state(tw), 'granted');
  assert.equal(await state(late), 'pending');
  l.release(w);
  assert.equal(await state(late), 'granted');
  l.release(r2);
});

test('lock-wait timeout fails the waiter; a release fails the holder\'s own pending wait', async () => {
  const l = new Locks({ lockWaitTimeoutMs: 80, verify: true });
  const [a, b] = [l.begin(), l.begin()];
  await l.acquire(a, table(0, true));
  const t0 = performance.now();
  await assert.rejects(l.acquire(b, key(0, 'i1', false)), (e: unknown) => e instanceof HeliosError && e.code === 'SERIALIZATION_FAILURE' && /waited/.test(e.message));
  assert.ok(performance.now() - t0 >= 75);
  assert.equal(l.stats.timeouts, 1);
  l.release(b);
  const c = l.begin();
  const wc = l.acquire(c, key(0, 'i1', true));
  l.release(c, new HeliosError('TX_NOT_FOUND', 'gone'));
  await assert.rejects(wc, (e: unknown) => e instanceof HeliosError && e.code === 'TX_NOT_FOUND');
  l.release(a);
  assert.equal(l.counts().resources, 0);
});

test('tryAcquireAnonymous: granted only when nothing has to wait, all or nothing; a refusal leaves no trace and jumps no queue', async () => {
  const l = new Locks({ verify: true });
  const read = key(0, 'i1', false);
  assert.equal(l.tryAcquireAnonymous(read), true, 'free: granted at once');
  assert.equal(l.tryAcquireAnonymous(read), true, 'S with S');
  const w = l.begin();
  const writer = l.acquire(w, key(0, 'i1', true));
  assert.equal(await state(writer), 'pending', 'a writer waits for anonymous readers');
  const before = l.counts();
  assert.equal(l.tryAcquireAnonymous(read), false, 'a new reader queues behind the waiting writer, so the fast path declines');
  assert.deepEqual(l.counts(), before, 'the refusal took nothing, not even the intention locks');
  l.releaseAnonymous(read);
  assert.equal(await state(writer), 'pending');
  l.releaseAnonymous(read);
  assert.equal(await state(writer), 'granted', 'the last anonymous reader out wakes the writer');
  assert.equal(l.tryAcquireAnonymous(read), false, 'X held');
  assert.equal(l.tryAcquireAnonymous(key(0, 'i2', false)), true, 'another key of the table is free');
  l.releaseAnonymous(key(0, 'i2', false));
  l.release(w);
  assert.equal(l.counts().resources, 0, 'everything released');
  assert.equal(l.stats.waits, 1, 'a refused tryAcquireAnonymous is not a wait');
});
