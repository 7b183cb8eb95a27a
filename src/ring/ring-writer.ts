/**
 * The producer half of one ring: pure memory operations, no waiting and no notifying. The
 * shells (`shard-port.ts`, `coordinator-port.ts`) decide what to do when the ring is full and
 * whom to wake after {@link RingWriter.publish}.
 *
 * Writes go to a private position first; `publish()` makes everything written since the last
 * publish visible with one atomic store, which is what lets a batch cost one doorbell.
 *
 * A frame whose record would exceed a quarter of the ring is cut into chunks (FIRST, MIDDLE…,
 * LAST); the header travels in the first one. Chunks of one frame are written back to back by
 * the single producer, so frames never interleave.
 */
import { invariant } from '../errors.js';
import { HeaderEncoder } from './header-codec.js';
import {
  B_FRAMES, I_CONSUMER_SLEEPING, I_READ, I_WRITE, PREFIX_BYTES, claimDoorbell,
  REC_FIRST, REC_LAST, REC_MIDDLE, REC_PAD, REC_WHOLE, align8, maxRecordBytes, type RingMemory,
} from './layout.js';
import type { FrameHeader } from './types.js';

/** A frame on its way into the ring, possibly over several calls (chunked or waiting for room). */
export class OutgoingFrame {
  /** Payload bytes already in the ring. */
  sent = 0;
  /** True once the first record (which carries the header) is in the ring. */
  started = false;
  constructor(readonly header: FrameHeader, public payload: Uint8Array) {}
}

export class RingWriter {
  private readonly encoder = new HeaderEncoder();
  private readonly maxRecord: number;
  /** Private write position (u32, wraps). */
  private pos: number;
  private publishedPos: number;
  /** Last READ seen; refreshed only when the cached value says the ring is full. */
  private readCached: number;
  private frames = 0;
  private publishedFrames = 0;

  constructor(private readonly mem: RingMemory) {
    this.pos = Atomics.load(mem.ctrl, I_WRITE) >>> 0;
    this.publishedPos = this.pos;
    this.readCached = Atomics.load(mem.ctrl, I_READ) >>> 0;
    this.frames = Number(Atomics.load(mem.counters, B_FRAMES));
    this.publishedFrames = this.frames;
    this.maxRecord = maxRecordBytes(mem.capacity);
  }

  /** The READ value the last failed reservation saw; a waiter sleeps until READ differs. */
  get lastSeenRead(): number {
    return this.readCached;
  }

  /** True when something was written since the last publish. */
  get hasUnpublished(): boolean {
    return this.pos !== this.publishedPos;
  }

  /**
   * Fast path: writes the whole frame as one record if it is small enough and fits now.
   * Returns false (writing nothing) otherwise; the caller then uses {@link writeFrame}.
   */
  tryWriteWhole(header: FrameHeader, payload: Uint8Array): boolean {
    const recLen = PREFIX_BYTES + this.encoder.byteLength + payload.length;
    if (recLen > this.maxRecord) return false;
    const off = this.reserve(recLen);
    if (off < 0) return false;
    this.putRecord(off, recLen, REC_WHOLE, header, payload, 0, payload.length);
    this.frames++;
    return true;
  }

  /**
   * Writes as much of `f` as fits now, in chunks if it is large. Returns true when the whole
   * frame is in the ring (not yet published), false when it stopped for lack of room; `f`
   * remembers its progress and the next call continues.
   */
  writeFrame(f: OutgoingFrame): boolean {
    const total = f.payload.length;
    if (!f.started) {
      const hl = this.encoder.byteLength;
      const room = this.maxRecord - PREFIX_BYTES - hl;
      if (total <= room) {
        const recLen = PREFIX_BYTES + hl + total;
        const off = this.reserve(recLen);
        if (off < 0) return false;
        this.putRecord(off, recLen, REC_WHOLE, f.header, f.payload, 0, total);
        f.started = true;
        f.sent = total;
        this.frames++;
        return true;
      }
      const recLen = PREFIX_BYTES + hl + room;
      const off = this.reserve(recLen);
      if (off < 0) return false;
      this.putRecord(off, recLen, REC_FIRST, f.header, f.payload, 0, room);
      f.started = true;
      f.sent = room;
    }
    const room = this.maxRecord - PREFIX_BYTES;
    while (f.sent < total) {
      const n = Math.min(room, total - f.sent);
      const last = f.sent + n === total;
      const off = this.reserve(PREFIX_BYTES + n);
      if (off < 0) return false;
      this.putRecord(off, PREFIX_BYTES + n, last ? REC_LAST : REC_MIDDLE, null, f.payload, f.sent, n);
      f.sent += n;
    }
    this.frames++;
    return true;
  }

  /**
   * Makes every record written so far visible to the consumer (one seq-cst store) and returns
   * whether the consumer may be asleep, in which case the caller must `Atomics.notify` WRITE.
   *
   * Why no lost wake-up: the consumer stores SLEEPING=1 then loads WRITE; we store WRITE then
   * load SLEEPING. Atomics are sequentially consistent, so at least one of us sees the other.
   * Claiming the flag (1 → 0) means only the first publish after the consumer fell asleep
   * notifies; a notify that lands before the consumer's wait is harmless, because wait
   * compares WRITE with what the consumer saw and returns at once.
   */
  publish(): boolean {
    if (this.pos === this.publishedPos) return false;
    const { ctrl, counters } = this.mem;
    if (this.frames !== this.publishedFrames) {
      // Before WRITE, so a reader that saw the frames also sees a counter that includes them.
      Atomics.store(counters, B_FRAMES, BigInt(this.frames));
      this.publishedFrames = this.frames;
    }
    Atomics.store(ctrl, I_WRITE, this.pos | 0);
    this.publishedPos = this.pos;
    return claimDoorbell(ctrl, I_CONSUMER_SLEEPING);
  }

  /**
   * Finds room for a record of `recLen` bytes, writing a PAD record over the tail of the data
   * area if the record would cross the end. Returns the record's offset, or -1 if the ring is
   * too full (nothing written).
   */
  private reserve(recLen: number): number {
    const { capacity, mask } = this.mem;
    const padded = align8(recLen);
    invariant(padded <= this.maxRecord, `ring record of ${padded} bytes exceeds ${this.maxRecord}`);
    let off = this.pos & mask;
    const tail = capacity - off;
    const need = padded <= tail ? padded : tail + padded;
    if (need > capacity - ((this.pos - this.readCached) >>> 0)) {
      this.readCached = Atomics.load(this.mem.ctrl, I_READ) >>> 0;
      if (need > capacity - ((this.pos - this.readCached) >>> 0)) return -1;
    }
    if (padded > tail) {
      const w = off >>> 2;
      this.mem.words[w] = tail;
      this.mem.words[w + 1] = REC_PAD;
      this.pos = (this.pos + tail) >>> 0;
      off = 0;
    }
    return off;
  }

  /**
   * Writes one record at `off`: prefix, the header if `header` is given (FIRST and WHOLE; it
   * carries the frame's total payload length), then payload bytes `from..from+n`.
   */
  private putRecord(
    off: number, recLen: number, type: number, header: FrameHeader | null,
    payload: Uint8Array, from: number, n: number,
  ): void {
    const { words, data, view } = this.mem;
    const hl = header === null ? 0 : this.encoder.byteLength;
    const w = off >>> 2;
    words[w] = recLen;
    words[w + 1] = type | (hl << 16);
    let at = off + PREFIX_BYTES;
    if (header !== null) {
      this.encoder.encodeInto(words, view, at, header, payload.length);
      at += hl;
    }
    if (n > 0) {
      // The one copy a frame costs on the way in. subarray() of the whole payload is free.
      data.set(from === 0 && n === payload.length ? payload : payload.subarray(from, from + n), at);
    }
    this.pos = (this.pos + align8(recLen)) >>> 0;
  }
}

