/**
 * The consumer half of one ring: pure memory operations, no waiting and no notifying.
 *
 * {@link RingReader.drain} walks every record published so far and hands out frames whose
 * payloads are views into the ring (zero copies). The space stays reserved until
 * {@link RingReader.release}, which the shells call when those views are dead: the shard at its
 * next `receive()`, the coordinator when `onFrames` returns. Chunked frames are copied into one
 * fresh array as their chunks arrive (the one copy such a frame costs on the way out), so their
 * chunks can be released at once.
 */
import { assertionFailed } from '../errors.js';
import { HeaderDecoder } from './header-codec.js';
import {
  I_PRODUCER_WAITING, I_READ, I_WRITE, PREFIX_BYTES, claimDoorbell,
  REC_FIRST, REC_LAST, REC_MIDDLE, REC_PAD, REC_WHOLE, align8, type RingMemory,
} from './layout.js';
import type { Frame, FrameHeader } from './types.js';

interface Assembly {
  header: FrameHeader;
  payload: Uint8Array;
  filled: number;
}

export class RingReader {
  private readonly decoder: HeaderDecoder;
  /** Private read position: everything before it has been drained (u32, wraps). */
  private pos: number;
  private releasedPos: number;
  private assembly: Assembly | null = null;

  constructor(private readonly mem: RingMemory) {
    this.decoder = new HeaderDecoder(mem.data);
    this.pos = Atomics.load(mem.ctrl, I_READ) >>> 0;
    this.releasedPos = this.pos;
  }

  /** The WRITE value this reader has drained up to; a sleeper waits until WRITE differs. */
  get drainedTo(): number {
    return this.pos;
  }

  /** True when the producer has published records this reader has not drained. */
  hasData(): boolean {
    return (Atomics.load(this.mem.ctrl, I_WRITE) >>> 0) !== this.pos;
  }

  /** True when a chunked frame has started but not finished arriving. */
  get midFrame(): boolean {
    return this.assembly !== null;
  }

  /**
   * Appends every complete frame published so far to `out`; returns how many it appended.
   * A record that does not parse is memory corruption or a bug in the writer: it asserts.
   */
  drain(out: Frame[]): number {
    const { words, data, capacity, mask } = this.mem;
    const end = Atomics.load(this.mem.ctrl, I_WRITE) >>> 0;
    let n = 0;
    while (this.pos !== end) {
      const off = this.pos & mask;
      const w = off >>> 2;
      const len = words[w]!;
      const meta = words[w + 1]!;
      const type = meta & 0xff;
      const hl = meta >>> 16;
      const avail = (end - this.pos) >>> 0;
      if (len < PREFIX_BYTES + align8(hl) || len > capacity - off || align8(len) > avail) {
        assertionFailed(`ring record at ${off}: length ${len}, header ${hl}, ${avail} bytes published`);
      }
      const body = off + PREFIX_BYTES + align8(hl);
      const bodyLen = len - PREFIX_BYTES - align8(hl);
      switch (type) {
        case REC_WHOLE: {
          const header = this.decoder.decode(off + PREFIX_BYTES, hl);
          if (this.decoder.payloadLength !== bodyLen || this.assembly !== null) {
            assertionFailed(`ring WHOLE record at ${off}: payload ${bodyLen} vs header ${this.decoder.payloadLength}`);
          }
          out.push({ header, payload: data.subarray(body, body + bodyLen) });
          n++;
          break;
        }
        case REC_FIRST: {
          const header = this.decoder.decode(off + PREFIX_BYTES, hl);
          const total = this.decoder.payloadLength;
          if (this.assembly !== null || bodyLen >= total) {
            assertionFailed(`ring FIRST record at ${off}: ${bodyLen} of ${total} bytes`);
          }
          const payload = new Uint8Array(total);
          payload.set(data.subarray(body, body + bodyLen), 0);
          this.assembly = { header, payload, filled: bodyLen };
          break;
        }
        case REC_MIDDLE:
        case REC_LAST: {
          const a = this.assembly;
          const filled = a === null ? -1 : a.filled + bodyLen;
          const done = a !== null && filled === a.payload.length;
          if (a === null || filled > a.payload.length || done !== (type === REC_LAST)) {
            assertionFailed(`ring chunk record at ${off}: out of sequence`);
          }
          a.payload.set(data.subarray(body, body + bodyLen), a.filled);
          a.filled = filled;
          if (done) {
            out.push({ header: a.header, payload: a.payload });
            this.assembly = null;
            n++;
          }
          break;
        }
        case REC_PAD:
          break;
        default:
          assertionFailed(`ring record at ${off}: unknown type ${type}`);
      }
      this.pos = (this.pos + align8(len)) >>> 0;
    }
    return n;
  }

  /**
   * Gives every drained byte back to the producer. Returns whether the producer may be waiting
   * for room, in which case the caller must `Atomics.notify` READ (same Dekker argument as
   * {@link RingWriter.publish}, with READ and PRODUCER_WAITING).
   */
  release(): boolean {
    if (this.pos === this.releasedPos) return false;
    Atomics.store(this.mem.ctrl, I_READ, this.pos | 0);
    this.releasedPos = this.pos;
    return claimDoorbell(this.mem.ctrl, I_PRODUCER_WAITING);
  }
}
