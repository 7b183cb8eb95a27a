/**
 * The ring between two real threads: the main thread drives a CoordinatorPort, a Worker drives
 * a ShardPort (test/ring/fixtures/ring-worker.ts). Every frame must arrive exactly once, in
 * order and byte-exact, in both directions, for random sizes up to three rings' worth, across
 * many wrap-arounds; both sides must wait on each other (the coordinator's queue, the shard's
 * blocking send) without losing a wake-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { CoordinatorPort, createShardRings, type Frame, type FrameHeader } from '../../src/ring/index.js';
import { frameSize, payloadFor, payloadMismatch, prng, testSeed } from './fixtures/prng.js';
import type { RingWorkerData } from './fixtures/ring-worker.js';

const WORKER = new URL('./fixtures/ring-worker.js', import.meta.url);

export function startRingWorker(data: RingWorkerData): Worker {
  return new Worker(WORKER, { workerData: data });
}

const hdr = (i: number): FrameHeader => ({
  requestId: i >>> 0, kind: 7, txnId: BigInt(i) << 20n, statementId: i >>> 0, flags: 1,
});

test('a real worker receives and echoes random frames exactly once, in order, across wrap-arounds', async () => {
  const seed = testSeed('ring-threads');
  const rand = prng(seed);
  const capacity = [1024, 4096, 16384][Math.floor(rand() * 3)]!;
  const rings = createShardRings(capacity);
  const total = Number(process.env['RING_FRAMES'] ?? 4000);
  const sizes = Array.from({ length: total }, () => frameSize(rand, capacity));
  // Both waiting styles on each side: spinning or sleeping at once.
  const spinMicros = rand() < 0.5 ? 0 : 50;
  const pollMicros = rand() < 0.5 ? 0 : 50;
  const coord = new CoordinatorPort(rings, { maxQueuedFrames: 64, pollMicros });
  const worker = startRingWorker({ rings, mode: 'echo', spinMicros });
  const workerDone = once(worker, 'message');
  const workerExit = once(worker, 'exit');

  let sent = 0;
  let got = 0;
  let maxQueued = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const failures: string[] = [];
  // Keep a random window of frames in flight so the ring is sometimes idle, sometimes full.
  const window = 1 + Math.floor(rand() * 48);
  const pump = (): void => {
    while (sent < total && sent - got < window) {
      coord.send(hdr(sent), payloadFor(sent, sizes[sent]!));
      maxQueued = Math.max(maxQueued, coord.queuedSends);
      sent++;
    }
  };
  coord.start((frames: Frame[]) => {
    for (const f of frames) {
      if (f.header.requestId !== got) failures.push(`response ${got}: requestId ${f.header.requestId}`);
      else if (f.payload.length !== sizes[got]) failures.push(`response ${got}: ${f.payload.length} B, sent ${sizes[got]}`);
      else if (payloadMismatch(got, f.payload) >= 0) failures.push(`response ${got}: payload differs`);
      assert.deepEqual(f.header, hdr(got));
      got++;
    }
    if (failures.length > 0 || got === total) resolveAll();
    else pump();
  });
  // A worker that stops early (a failed check, a crash) must fail the test, not hang it.
  const early = new Promise<never>((_, reject) => {
    worker.once('message', (m) => reject(new Error(`worker stopped early: ${JSON.stringify(m)}`)));
    worker.once('error', reject);
  });
  pump();
  await Promise.race([all, early]);
  assert.deepEqual(failures, [], `seed ${seed}`);
  const stats = coord.stats();
  assert.equal(stats.framesToShard, total);
  assert.equal(stats.framesFromShard, total);
  assert.equal(stats.queuedSends, 0);
  coord.close();
  const report = (await workerDone)[0] as { received: number; error?: { code: string } };
  assert.equal(report.received, total, `worker report ${JSON.stringify(report)}`);
  assert.equal(report.error?.code, 'UNAVAILABLE', 'the worker learns that the coordinator closed');
  const bytes = sizes.reduce((a, b) => a + b, 0);
  console.log(`# ${total} frames, ${bytes} bytes (${Math.round(bytes / capacity)} ring wraps each way), capacity ${capacity}, window ${window}, max queued ${maxQueued}, spin ${spinMicros} µs, poll ${pollMicros} µs`);
  assert.ok(bytes > 50 * capacity);
  await workerExit;
});
