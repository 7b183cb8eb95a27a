/**
 * ShardPort's waiting rules on one thread (Atomics.wait is allowed on the main thread; these
 * waits are short): receive() times out with [], returns at once when frames are there,
 * drains what is left after the coordinator closes and then throws UNAVAILABLE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import { CoordinatorPort, ShardPort, createShardRings, readRingStats } from '../../src/ring/index.js';

const h = (i: number) => ({ requestId: i, kind: 1, txnId: 0n, statementId: 0, flags: 0 });
const flushMicrotasks = (): Promise<void> => new Promise((r) => setImmediate(r));

test('receive() waits up to its timeout, then returns []', () => {
  const shard = new ShardPort(createShardRings(4096), { spinMicros: 0 });
  const t0 = performance.now();
  assert.deepEqual(shard.receive(30), []);
  const waited = performance.now() - t0;
  assert.ok(waited >= 29 && waited < 1000, `waited ${waited} ms`);
  const t1 = performance.now();
  assert.deepEqual(shard.receive(0), []);
  assert.ok(performance.now() - t1 < 5, 'timeout 0 does not wait');
  assert.throws(() => shard.receive(-1), /timeoutMs -1/);
  assert.throws(() => new ShardPort(createShardRings(4096), { spinMicros: -1 }), /spinMicros/);
});

test('after the coordinator closes, receive() drains what is left, then throws UNAVAILABLE; send() refuses', async () => {
  const rings = createShardRings(4096);
  const coord = new CoordinatorPort(rings);
  const shard = new ShardPort(rings);
  coord.send(h(1), new Uint8Array([1, 2, 3]));
  coord.send(h(2), new Uint8Array(0));
  await flushMicrotasks();
  assert.equal(readRingStats(rings).framesToShard, 2);
  coord.close();
  const frames = shard.receive(1000);
  assert.deepEqual(frames.map((f) => f.header.requestId), [1, 2]);
  assert.deepEqual([...frames[0]!.payload], [1, 2, 3]);
  const t0 = performance.now();
  assert.throws(() => shard.receive(1000), (e: unknown) => e instanceof HeliosError && e.code === 'UNAVAILABLE');
  assert.ok(performance.now() - t0 < 100, 'closed: no waiting');
  assert.throws(() => shard.send(h(3), new Uint8Array(1)), /coordinator closed/);
});

test('flush() publishes a batch; stats count frames both ways and depths return to zero', async () => {
  const rings = createShardRings(4096);
  const coord = new CoordinatorPort(rings, { pollMicros: 0 });
  const shard = new ShardPort(rings, { spinMicros: 0 });
  const got: number[] = [];
  coord.start((frames) => { for (const f of frames) got.push(f.header.requestId); });
  for (let i = 0; i < 5; i++) coord.send(h(i), new Uint8Array(10));
  await flushMicrotasks();
  const batch = shard.receive(0);
  assert.equal(batch.length, 5);
  for (const f of batch) shard.send(f.header, f.payload);
  assert.equal(readRingStats(rings).framesFromShard, 0, 'nothing visible before flush');
  shard.flush();
  while (got.length < 5) await flushMicrotasks();
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.deepEqual(shard.receive(0), []); // releases the request views
  const s = coord.stats();
  assert.deepEqual(s, { requestDepthBytes: 0, responseDepthBytes: 0, framesToShard: 5, framesFromShard: 5, queuedSends: 0 });
  shard.close();
  assert.throws(() => shard.send(h(9), new Uint8Array(1)), /after close/);
  coord.close();
});
