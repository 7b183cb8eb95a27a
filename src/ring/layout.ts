/**
 * The memory layout of one ring (one SharedArrayBuffer) and the checks that a buffer handed to
 * us is one. Everything that knows a byte offset lives here; the reader and writer use the
 * named constants only.
 *
 * ```
 *  byte 0            64                128               256                      256 + capacity
 *  ┌─────────────────┬─────────────────┬─────────────────┬────────────────────────────────────┐
 *  │ producer line   │ consumer line   │ shared line     │ data area (capacity bytes, 2^k)     │
 *  │ WRITE  i32 @0   │ READ    i32 @64 │ MAGIC  i32 @128 │ records, each 8-byte aligned,       │
 *  │ PWAIT  i32 @4   │ CSLEEP  i32 @68 │ CAP    i32 @132 │ never split across the end          │
 *  │ QUEUED i32 @8   │                 │ CLOSED i32 @136 │                                     │
 *  │ FRAMES i64 @16  │                 │                 │                                     │
 *  └─────────────────┴─────────────────┴─────────────────┴────────────────────────────────────┘
 * ```
 * Words are grouped by the thread that writes them, one cache line each, so the producer's
 * stores do not bounce the consumer's line (false sharing costs a few hundred ns per frame).
 *
 * WRITE and READ are byte positions that only grow, modulo 2^32 (stored as i32, read `>>> 0`).
 * Used bytes are `(WRITE - READ) >>> 0`; that is exact because the capacity is a power of two
 * no larger than 2^30, so it divides 2^32 and the offset of a position is `pos & (capacity-1)`.
 */
import { HeliosError } from '../errors.js';

/** Bytes before the data area. */
export const CONTROL_BYTES = 256;

// Int32 indices into the control block.
/** Producer: the published write position. Consumers `Atomics.wait` on it. */
export const I_WRITE = 0;
/** Producer: 1 while the producer waits for space. Producers `Atomics.wait` on READ. */
export const I_PRODUCER_WAITING = 1;
/** Coordinator (request ring only): frames in its bounded send queue, for stats. */
export const I_QUEUED = 2;
/** BigInt64 index of the producer's published frame counter (byte 16). */
export const B_FRAMES = 2;
/** Consumer: the released read position. */
export const I_READ = 16;
/** Consumer: 1 while the consumer sleeps (or is about to) waiting for WRITE to move. */
export const I_CONSUMER_SLEEPING = 17;
export const I_MAGIC = 32;
export const I_CAPACITY = 33;
/** Bit set of {@link PRODUCER_CLOSED} and {@link CONSUMER_CLOSED}. */
export const I_CLOSED = 34;

export const PRODUCER_CLOSED = 1;
export const CONSUMER_CLOSED = 2;

/** "HRNG" + layout version 1 in the low byte; a foreign buffer fails fast. */
export const RING_MAGIC = 0x48524e01;

export const MIN_CAPACITY = 1024;
export const MAX_CAPACITY = 1 << 30;

/**
 * Record prefix, 8 bytes, at an 8-aligned offset in the data area:
 * ```
 *  0        4       5        6              8               8 + align8(headerLen)
 *  ┌────────┬───────┬────────┬──────────────┬───────────────┬──────────────────────┐
 *  │ length │ type  │ (zero) │ headerLen    │ FlatBuffers   │ payload bytes        │
 *  │ u32    │ u8    │ u8     │ u16          │ FrameHeader   │ (8-aligned in SAB)   │
 *  └────────┴───────┴────────┴──────────────┴───────────────┴──────────────────────┘
 * ```
 * `length` counts prefix + header + padding + payload (not the trailing pad to 8). A PAD record
 * fills the tail of the data area when the next record would not fit before the end.
 */
export const PREFIX_BYTES = 8;

export const REC_WHOLE = 1;
export const REC_FIRST = 2;
export const REC_MIDDLE = 3;
export const REC_LAST = 4;
export const REC_PAD = 5;

export const align8 = (n: number): number => (n + 7) & ~7;

/**
 * The largest record either end writes: a quarter of the ring. Any record up to half the
 * capacity always fits in an empty ring (the padded tail plus the record never exceed it);
 * a quarter keeps up to four chunks of a large frame in flight, so the reader copies one chunk
 * while the writer fills the next.
 */
export const maxRecordBytes = (capacity: number): number => capacity >>> 2;

/** Typed views over one ring buffer, shared by its reader and writer. */
export class RingMemory {
  readonly ctrl: Int32Array;
  readonly counters: BigInt64Array;
  /** The data area only (offset 0 = first data byte). */
  readonly data: Uint8Array;
  /** The data area as u32 words, for record prefixes (records are 8-aligned). */
  readonly words: Uint32Array;
  /** The data area as a DataView, for the header fields (little-endian, any alignment). */
  readonly view: DataView;
  readonly capacity: number;
  readonly mask: number;

  constructor(sab: SharedArrayBuffer, what: string) {
    if (!(sab instanceof SharedArrayBuffer)) {
      throw new HeliosError('INTERNAL', `${what} ring: expected a SharedArrayBuffer from createShardRings()`);
    }
    const ctrl = new Int32Array(sab, 0, CONTROL_BYTES >>> 2);
    const capacity = ctrl[I_CAPACITY]!;
    if (ctrl[I_MAGIC] !== RING_MAGIC || sab.byteLength !== CONTROL_BYTES + capacity) {
      throw new HeliosError('INTERNAL', `${what} ring: buffer was not made by createShardRings() (bad magic or size)`);
    }
    this.ctrl = ctrl;
    this.counters = new BigInt64Array(sab, 0, CONTROL_BYTES >>> 3);
    this.data = new Uint8Array(sab, CONTROL_BYTES, capacity);
    this.words = new Uint32Array(sab, CONTROL_BYTES, capacity >>> 2);
    this.view = new DataView(sab, CONTROL_BYTES, capacity);
    this.capacity = capacity;
    this.mask = capacity - 1;
  }

  closedBits(): number {
    return Atomics.load(this.ctrl, I_CLOSED);
  }
}

/** Allocates one ring of exactly `capacity` data bytes (a power of two, already validated). */
export function allocateRing(capacity: number): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(CONTROL_BYTES + capacity);
  const ctrl = new Int32Array(sab, 0, CONTROL_BYTES >>> 2);
  ctrl[I_CAPACITY] = capacity;
  // Published last: a reader that sees the magic sees the capacity (the SAB is not yet shared
  // here anyway; the store is atomic for symmetry with the readers' checks).
  Atomics.store(ctrl, I_MAGIC, RING_MAGIC);
  return sab;
}

/**
 * Rounds a requested capacity up to a power of two in [MIN_CAPACITY, MAX_CAPACITY]. A value
 * outside that range or not a finite integer is a configuration bug: it throws.
 */
export function ringCapacity(requested: number): number {
  if (!Number.isInteger(requested) || requested < MIN_CAPACITY || requested > MAX_CAPACITY) {
    throw new HeliosError(
      'INTERNAL',
      `ring capacity ${requested} bytes: must be an integer from ${MIN_CAPACITY} to ${MAX_CAPACITY}`,
    );
  }
  let cap = MIN_CAPACITY;
  while (cap < requested) cap *= 2;
  return cap;
}

/**
 * Clears a doorbell flag (SLEEPING or WAITING) if it is set and says whether this caller did,
 * i.e. whether it owes the sleeper one notify. Loads first: a compare-exchange would take the
 * sleeper's cache line exclusively even when the flag is clear, which is the common case.
 */
export function claimDoorbell(ctrl: Int32Array, index: number): boolean {
  return Atomics.load(ctrl, index) !== 0 && Atomics.compareExchange(ctrl, index, 1, 0) === 1;
}
