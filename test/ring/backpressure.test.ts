/**
 * Backpressure and peer failure between a CoordinatorPort and a real worker's ShardPort:
 * a full request ring fills a bounded queue and then refuses with UNAVAILABLE (no unbounded
 * memory), queued frames still arrive in order once the shard drains, and a closed or dead
 * peer never leaves the other side waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { HeliosError } from '../../src/errors.js';
import { CoordinatorPort, createShardRings, readRingStats, type Frame, type FrameHeader } from '../../src/ring/index.js';
import { payloadFor, payloadMismatch } from './fixtures/prng.js';
import type { RingWorkerData } from './fixtures/ring-worker.js';

const WORKER = new URL('./fixtures/ring-worker.js', import.meta.url);
const startWorker = (data: RingWorkerData): Worker => new Worker(WORKER, { workerData: data });

const hdr = (i: number): FrameHeader => ({ requestId: i, kind: 2, txnId: 0n, statementId: 0, flags: 0 });
const isUnavailable = (re: RegExp) => (e: unknown): boolean =>
  e instanceof HeliosError && e.code === 'UNAVAILABLE' && e.retryable && re.test(e.message);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a full request ring queues maxQueuedFrames, then refuses with UNAVAILABLE; the queue drains in order', async () => {
  const capacity = 4096;
  const rings = createShardRings(capacity);
  const gate = new SharedArrayBuffer(4);
  const worker = startWorker({ rings, mode: 'echo', gate });
  const report = once(worker, 'message');
  const exited = once(worker, 'exit');
  const coord = new CoordinatorPort(rings, { maxQueuedFrames: 8 });

  // The shard is held at the gate: nothing reads the request ring.
  let accepted = 0;
  let refusal: unknown;
  for (; accepted < 1000; accepted++) {
    const p = payloadFor(accepted, 300);
    try {
      coord.send(hdr(accepted), p);
    } catch (e) {
      refusal = e;
      break;
    }
    p.fill(0); // the caller reuses its buffer: queued frames must have been copied
  }
  assert.ok(isUnavailable(/overloaded.*8 frames already queued/)(refusal), `refusal: ${String(refusal)}`);
  await tick(); // let the microtask publish
  const full = readRingStats(rings);
  assert.equal(full.queuedSends, 8);
  assert.equal(coord.stats().queuedSends, 8);
  assert.equal(full.framesToShard, accepted - 8);
  assert.ok(full.requestDepthBytes <= capacity && full.requestDepthBytes > capacity - 2 * 352,
    `request ring should be full: ${full.requestDepthBytes} of ${capacity} bytes`);
  assert.ok(accepted > 8 + 5, `${accepted} accepted`);
  assert.throws(() => coord.send(hdr(accepted), payloadFor(accepted, 10)), isUnavailable(/overloaded/), 'still refused');

  const got: number[] = [];
  let done!: () => void;
  const allBack = new Promise<void>((r) => (done = r));
  coord.start((frames: Frame[]) => {
    for (const f of frames) {
      assert.equal(payloadMismatch(f.header.requestId, f.payload), -1, `frame ${f.header.requestId} content`);
      got.push(f.header.requestId);
    }
    if (got.length === accepted) done();
  });
  const g = new Int32Array(gate);
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
  await allBack;
  assert.deepEqual(got, Array.from({ length: accepted }, (_, i) => i), 'every accepted frame, once, in order');
  assert.equal(coord.stats().queuedSends, 0);
  assert.equal(coord.stats().framesToShard, accepted);

  // Room again: sending works.
  coord.send(hdr(accepted), payloadFor(accepted, 300));
  while (got.length === accepted) await tick();
  assert.equal(got.at(-1), accepted);

  coord.close();
  assert.equal(((await report)[0] as { received: number }).received, accepted + 1);
  await exited;
});

test('a shard blocked on a full response ring wakes with UNAVAILABLE when the coordinator closes', async () => {
  const capacity = 4096;
  const rings = createShardRings(capacity);
  const worker = startWorker({ rings, mode: 'flood', size: 500 });
  const report = once(worker, 'message');
  const exited = once(worker, 'exit');
  const coord = new CoordinatorPort(rings);
  // Never started: nobody reads responses. Wait until the shard has filled the ring.
  const deadline = Date.now() + 5000;
  while (readRingStats(rings).responseDepthBytes < capacity - 600 && Date.now() < deadline) await tick();
  const stats = readRingStats(rings);
  assert.ok(stats.responseDepthBytes >= capacity - 600, `response ring depth ${stats.responseDepthBytes}`);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(readRingStats(rings).framesFromShard, stats.framesFromShard, 'the shard waits, it does not overwrite');
  const t0 = performance.now();
  coord.close();
  const r = (await report)[0] as { sent: number; error?: { code: string; message: string } };
  const waitedMs = performance.now() - t0;
  assert.equal(r.error?.code, 'UNAVAILABLE', JSON.stringify(r));
  assert.match(r.error!.message, /coordinator closed the response ring/);
  assert.equal(r.sent, stats.framesFromShard);
  assert.ok(waitedMs < 1000, `the shard took ${waitedMs} ms to notice`);
  await exited;
});

test('a shard that closes its end: the coordinator gets every frame, then onPeerClosed, then sends fail fast', async () => {
  const rings = createShardRings(4096);
  const worker = startWorker({ rings, mode: 'close-after', count: 10 });
  const exited = once(worker, 'exit');
  const coord = new CoordinatorPort(rings);
  for (let i = 0; i < 10; i++) coord.send(hdr(i), payloadFor(i, 50 * i));
  const got: number[] = [];
  await new Promise<void>((resolve) => coord.start((frames) => {
    for (const f of frames) got.push(f.header.requestId);
  }, resolve));
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => coord.send(hdr(10), new Uint8Array(1)), isUnavailable(/shard closed its ring/));
  coord.close();
  await exited;
});

test('a worker that dies without closing: close() on its exit makes sends fail fast', async () => {
  const rings = createShardRings(4096);
  const worker = startWorker({ rings, mode: 'echo' });
  const coord = new CoordinatorPort(rings);
  const got: number[] = [];
  coord.start((frames) => { for (const f of frames) got.push(f.header.requestId); });
  coord.send(hdr(0), payloadFor(0, 10));
  while (got.length === 0) await tick();
  // What the lead's supervisor does on 'exit': close the port, fail in-flight requests.
  worker.once('exit', () => coord.close());
  await worker.terminate();
  assert.throws(() => coord.send(hdr(1), payloadFor(1, 10)), isUnavailable(/ring is closed/));
  assert.deepEqual(got, [0]);
});
