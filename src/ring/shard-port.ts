/**
 * The shard's end of its ring pair (a worker thread, which may block): it consumes the request
 * ring and produces into the response ring. This is the waiting shell around the pure
 * {@link RingReader} / {@link RingWriter}: spin briefly, then `Atomics.wait`.
 *
 * The shard's loop is expected to look like:
 * ```ts
 * for (;;) {
 *   const frames = port.receive(1000);   // [] after 1 s idle; throws UNAVAILABLE once the
 *   for (const f of frames) …send…       // coordinator has closed and everything is drained
 *   port.flush();                        // one publish + at most one notify per batch
 * }
 * ```
 */
import { HeliosError, unavailable } from '../errors.js';
import { checkHeader } from './header-codec.js';
import {
  CONSUMER_CLOSED, I_CLOSED, I_CONSUMER_SLEEPING, I_PRODUCER_WAITING, I_READ, I_WRITE,
  PRODUCER_CLOSED, RingMemory,
} from './layout.js';
import { RingReader } from './ring-reader.js';
import { SpinPolicy } from './spin-policy.js';
import { OutgoingFrame, RingWriter } from './ring-writer.js';
import type { Frame, FrameHeader, ShardRings } from './types.js';

export interface ShardPortOptions {
  /**
   * The most `receive()` polls WRITE before it sleeps, in microseconds (default 50; 0 never
   * spins). Adaptive (see spin-policy.ts): empty spins shrink the budget to nothing, so a shard
   * on busy cores stops taking CPU from the coordinator. Sleeping costs a futex wake-up on the
   * next request: ~35–50 µs per round trip on idle cores here, against ~3 µs with the spin.
   */
  spinMicros?: number;
}

export const DEFAULT_SPIN_MICROS = 50;

/**
 * How long one `Atomics.wait` slice lasts while `send()` waits for room. The coordinator
 * notifies when it frees room and when it closes, so the slice only bounds how long a missed
 * notification (a coordinator thread that died without close()) could delay the check of the
 * closed flag.
 */
const SEND_WAIT_SLICE_MS = 50;

export class ShardPort {
  private readonly req: RingMemory;
  private readonly res: RingMemory;
  private readonly reader: RingReader;
  private readonly writer: RingWriter;
  private readonly spin: SpinPolicy;
  private closed = false;

  constructor(rings: ShardRings, opts: ShardPortOptions = {}) {
    this.req = new RingMemory(rings.request, 'request');
    this.res = new RingMemory(rings.response, 'response');
    this.reader = new RingReader(this.req);
    this.writer = new RingWriter(this.res);
    const spin = opts.spinMicros ?? DEFAULT_SPIN_MICROS;
    if (!(spin >= 0 && spin <= 1_000_000)) {
      throw new HeliosError('INTERNAL', `ShardPort: spinMicros ${spin} must be from 0 to 1000000`);
    }
    this.spin = new SpinPolicy(spin / 1000);
  }

  /** True once the coordinator has closed its end (its `close()` ran). */
  get peerClosed(): boolean {
    return (this.req.closedBits() & PRODUCER_CLOSED) !== 0;
  }

  /**
   * Returns every complete frame in the request ring. If there is none, publishes pending
   * responses (so none is stranded), then waits up to `timeoutMs` (0: do not wait; Infinity:
   * forever) and returns `[]` if nothing came.
   *
   * IMPORTANT: payloads of the previous batch are views that die here: their ring space is
   * released at the start of this call.
   *
   * Throws UNAVAILABLE when the coordinator has closed its end and nothing is left to read.
   */
  receive(timeoutMs: number): Frame[] {
    this.checkOpen('receive');
    if (!(timeoutMs >= 0)) {
      throw new HeliosError('INTERNAL', `ShardPort.receive: timeoutMs ${timeoutMs} must be >= 0`);
    }
    this.releaseRequests();
    const out: Frame[] = [];
    const deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
    const ctrl = this.req.ctrl;
    for (;;) {
      if (this.reader.drain(out) > 0) return out;
      // Nothing complete: chunks of a large frame were copied out, so free their room now or
      // the coordinator could never write the rest.
      this.releaseRequests();
      if (this.peerClosed && !this.reader.hasData()) {
        throw unavailable('the coordinator closed the request ring');
      }
      this.flush();
      let left = deadline - performance.now();
      const budget = this.spin.next();
      if (budget > 0 && left > budget) {
        const hit = this.spinForData(budget);
        this.spin.record(hit);
        if (hit) continue;
      }
      left = deadline - performance.now();
      if (left <= 0) return out;
      Atomics.store(ctrl, I_CONSUMER_SLEEPING, 1);
      const seen = Atomics.load(ctrl, I_WRITE);
      if ((seen >>> 0) === this.reader.drainedTo && !this.peerClosed) {
        Atomics.wait(ctrl, I_WRITE, seen, left);
      }
      Atomics.store(ctrl, I_CONSUMER_SLEEPING, 0);
    }
  }

  /**
   * Writes a response frame (one copy of the payload into the ring). Nothing is visible to the
   * coordinator until {@link flush} (or until this call has to wait for room, when it flushes
   * first). Blocks while the response ring is full; frames larger than a quarter of the ring
   * go in chunks. Throws UNAVAILABLE once the coordinator has closed (nobody would read it).
   */
  send(header: FrameHeader, payload: Uint8Array): void {
    this.checkOpen('send');
    if ((this.res.closedBits() & CONSUMER_CLOSED) !== 0) {
      throw unavailable('the coordinator closed the response ring');
    }
    checkHeader(header, payload);
    if (this.writer.tryWriteWhole(header, payload)) return;
    const f = new OutgoingFrame(header, payload);
    while (!this.writer.writeFrame(f)) {
      this.flush();
      this.waitForRoom();
    }
  }

  /** Publishes everything sent since the last flush, and notifies only if the coordinator sleeps. */
  flush(): void {
    if (this.writer.publish()) Atomics.notify(this.res.ctrl, I_WRITE, 1);
  }

  /**
   * Flushes and tells the coordinator this end is closed: its `start()` loop delivers what is
   * left, then calls `onPeerClosed`, and its `send()` fails fast with UNAVAILABLE.
   */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    Atomics.or(this.req.ctrl, I_CLOSED, CONSUMER_CLOSED);
    Atomics.or(this.res.ctrl, I_CLOSED, PRODUCER_CLOSED);
    Atomics.notify(this.res.ctrl, I_WRITE);
    Atomics.notify(this.req.ctrl, I_READ);
  }

  private releaseRequests(): void {
    if (this.reader.release()) Atomics.notify(this.req.ctrl, I_READ, 1);
  }

  /** Polls WRITE for up to `ms`; true as soon as there is something to drain. */
  private spinForData(ms: number): boolean {
    if (ms <= 0) return false;
    const end = performance.now() + ms;
    do {
      // performance.now() costs ~30 ns; poll a few times between clock reads.
      for (let i = 0; i < 32; i++) if (this.reader.hasData()) return true;
    } while (performance.now() < end);
    return false;
  }

  /** Sleeps until the coordinator frees room in the response ring, or throws if it closed. */
  private waitForRoom(): void {
    const ctrl = this.res.ctrl;
    try {
      for (;;) {
        if ((this.res.closedBits() & CONSUMER_CLOSED) !== 0) {
          throw unavailable('the coordinator closed the response ring');
        }
        // Set on every round: the coordinator clears it when it claims the notify.
        Atomics.store(ctrl, I_PRODUCER_WAITING, 1);
        const seen = Atomics.load(ctrl, I_READ);
        if ((seen >>> 0) !== this.writer.lastSeenRead) return;
        Atomics.wait(ctrl, I_READ, seen, SEND_WAIT_SLICE_MS);
      }
    } finally {
      Atomics.store(ctrl, I_PRODUCER_WAITING, 0);
    }
  }

  private checkOpen(op: string): void {
    if (this.closed) throw new HeliosError('INTERNAL', `ShardPort.${op} after close()`);
  }
}
