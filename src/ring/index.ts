/**
 * # src/ring — the transport between the coordinator and each shard
 *
 * Owns the SharedArrayBuffer rings that carry request frames from the coordinator (main
 * thread) to a shard (worker thread) and response frames back: one single-producer /
 * single-consumer ring per direction per shard. It knows nothing of SQL, storage or the shard
 * protocol: `kind` and `flags` are opaque numbers. It imports only `src/errors.ts` and the
 * `flatbuffers` runtime; `shard` and `coordinator` import it.
 *
 * ```
 *  coordinator (main thread, never blocks)            shard worker (may block)
 *  CoordinatorPort.send ──► request ring  (SAB) ──► ShardPort.receive   (adaptive spin, Atomics.wait)
 *  CoordinatorPort.start ◄── response ring (SAB) ◄── ShardPort.send + flush
 *   (Atomics.waitAsync)
 * ```
 *
 * One ring = one SharedArrayBuffer (full diagram in `layout.ts`):
 * ```
 *  ┌──────── control block, 256 B ─────────┬────────────── data area, 2^k bytes ──────────────┐
 *  │ WRITE PWAIT QUEUED FRAMES │ READ CSLEEP │ MAGIC CAP CLOSED │ rec rec rec … PAD │ rec rec …  │
 *  └───────────────────────────────────────┴───────────────────────────────────────────────────┘
 *  record (8-aligned, never split across the end; a PAD record fills the tail instead):
 *  ┌──────────┬────────┬────┬─────────────┬─────────────────────────┬──────────────────────────┐
 *  │ len u32  │ type u8│ 0  │ hdrLen u16  │ FrameHeader (FlatBuffer) │ payload (8-aligned)      │
 *  └──────────┴────────┴────┴─────────────┴─────────────────────────┴──────────────────────────┘
 *  type: WHOLE | FIRST | MIDDLE | LAST (chunks of a frame over a quarter ring; header in FIRST) | PAD
 * ```
 *
 * Guarantees: every frame arrives exactly once, in send order, byte for byte, whatever its
 * size. A payload is copied once (sender → ring); a received payload is a view into the ring
 * unless the frame was chunked (then it is one fresh array). A batch costs one publish and at
 * most one notify, and only when the peer is (or may be) asleep. A full request ring queues at
 * most `maxQueuedFrames`, then `send()` throws UNAVAILABLE.
 *
 * Peer failure: `close()` on either end sets a flag in the SABs and wakes the other side.
 * A worker that dies without closing cannot set it: the coordinator learns from the Worker
 * 'exit' event, calls {@link CoordinatorPort.close} and fails its in-flight requests. A shard
 * blocked on a full response ring checks the flag at least every 50 ms.
 *
 * Read next: `layout.ts` (bytes), `ring-writer.ts` / `ring-reader.ts` (the pure ring core),
 * `shard-port.ts` / `coordinator-port.ts` (the waiting shells, with `spin-policy.ts`), docs/ring.md
 * (the tour).
 */
export type { Frame, FrameHeader, RingStats, ShardRings } from './types.js';
export {
  CoordinatorPort, DEFAULT_MAX_QUEUED_FRAMES, DEFAULT_POLL_MICROS, type CoordinatorPortOptions,
} from './coordinator-port.js';
export { DEFAULT_SPIN_MICROS, ShardPort, type ShardPortOptions } from './shard-port.js';
export { readRingStats } from './stats.js';

import { allocateRing, ringCapacity } from './layout.js';
import type { ShardRings } from './types.js';

/**
 * Allocates one shard's ring pair, each with `capacityBytes` of data area rounded up to a power
 * of two (1 KiB to 1 GiB). Pass the result to the worker in `workerData`; both ports attach to
 * the same buffers.
 */
export function createShardRings(capacityBytes: number): ShardRings {
  const capacity = ringCapacity(capacityBytes);
  return { request: allocateRing(capacity), response: allocateRing(capacity) };
}
