/**
 * Ring stats straight from the SharedArrayBuffers: a handful of atomic loads, no locks, safe
 * from any thread (the coordinator's metrics scrape, a shard's own health report, a test).
 */
import { B_FRAMES, I_QUEUED, I_READ, I_WRITE, RingMemory } from './layout.js';
import type { RingStats, ShardRings } from './types.js';

/**
 * Depths are published positions: bytes a producer wrote but has not yet published (a shard
 * mid-batch) are not counted, and the consumer's drained-but-unreleased bytes are.
 */
export function readRingStats(rings: ShardRings): RingStats {
  const req = memoryOf(rings.request, 'request');
  const res = memoryOf(rings.response, 'response');
  return {
    requestDepthBytes: depth(req),
    responseDepthBytes: depth(res),
    framesToShard: Number(Atomics.load(req.counters, B_FRAMES)),
    framesFromShard: Number(Atomics.load(res.counters, B_FRAMES)),
    queuedSends: Atomics.load(req.ctrl, I_QUEUED),
  };
}

/** Views per buffer, made once: a scrape then costs only the atomic loads. */
const views = new WeakMap<SharedArrayBuffer, RingMemory>();

function memoryOf(sab: SharedArrayBuffer, what: string): RingMemory {
  let m = views.get(sab);
  if (m === undefined) {
    m = new RingMemory(sab, what);
    views.set(sab, m);
  }
  return m;
}

function depth(m: RingMemory): number {
  // READ first: WRITE only grows past it, so the difference is never negative.
  const r = Atomics.load(m.ctrl, I_READ);
  const w = Atomics.load(m.ctrl, I_WRITE);
  return (w - r) >>> 0;
}
