/**
 * The sequencer's read holds (what a streaming Query's ReadHold uses today): writers of a held
 * partition wait, readers do not; multi-partition writes wait for every hold, multi-partition
 * reads do not; a queued writer keeps new holds out (no writer starvation); releasing is
 * idempotent. Plain promises, no shards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sequencer } from '../../src/coordinator/sequencer.js';

const tick = () => new Promise((r) => setImmediate(r));

/** Starts `fn` under the sequencer and reports when it ran. */
function track(log: string[], name: string, start: (fn: () => Promise<void>) => Promise<void>): Promise<void> {
  return start(async () => {
    log.push(name);
  });
}

test('a read hold stops writers of its partitions only', async () => {
  const s = new Sequencer();
  const log: string[] = [];
  const release = await s.hold([1, 2]);
  const w1 = track(log, 'write p1', (fn) => s.single(fn, 1));
  const w3 = track(log, 'write p3', (fn) => s.single(fn, 3));
  const r1 = track(log, 'read p1', (fn) => s.single(fn));
  const mr = track(log, 'multi read', (fn) => s.multi(fn, true));
  await Promise.all([w3, r1, mr]);
  await tick();
  assert.deepEqual(log.sort(), ['multi read', 'read p1', 'write p3']);
  release();
  release(); // idempotent
  await w1;
  assert.ok(log.includes('write p1'));
  assert.equal(s.heldCount, 0);
});

test('a multi-partition write waits for every hold; new holds wait behind it', async () => {
  const s = new Sequencer();
  const log: string[] = [];
  const release = await s.hold([0]);
  const mw = track(log, 'multi write', (fn) => s.multi(fn));
  await tick();
  let second = false;
  const h2 = s.hold([5]).then((r) => {
    second = true;
    return r;
  });
  // Single-partition work may pass the queued write while holds exist (it cannot start anyway).
  await track(log, 'read p4', (fn) => s.single(fn));
  await tick();
  assert.deepEqual(log, ['read p4']);
  assert.equal(second, false, 'a new hold waits behind the queued write');
  release();
  await mw;
  const r2 = await h2;
  assert.ok(second);
  assert.deepEqual(log, ['read p4', 'multi write']);
  r2();
});

test('a waiting single-partition write keeps new holds of its partition out', async () => {
  const s = new Sequencer();
  const log: string[] = [];
  const r1 = await s.hold([7]);
  const w = track(log, 'write p7', (fn) => s.single(fn, 7));
  await tick();
  let got = false;
  const h = s.hold([7]).then((r) => {
    got = true;
    return r;
  });
  const other = await s.hold([8]); // another partition is not affected
  other();
  await tick();
  assert.equal(got, false);
  r1();
  await w;
  (await h)();
  assert.ok(got);
  assert.deepEqual(log, ['write p7']);
});
