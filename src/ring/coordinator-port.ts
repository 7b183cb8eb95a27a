/**
 * The coordinator's end of one shard's ring pair (the main thread, which must never block): it
 * produces into the request ring and consumes the response ring. This is the waiting shell
 * around the pure {@link RingReader} / {@link RingWriter}, built on `Atomics.waitAsync`.
 *
 * - `send()` writes into the ring at once and publishes in a microtask, so every send of one
 *   synchronous run (one gRPC batch, one fan-out) costs one store and at most one notify.
 * - When the ring is full, frames wait in a bounded FIFO (`maxQueuedFrames`); the port sleeps
 *   in `waitAsync` on the shard's READ and refills the ring as the shard frees room. A full
 *   queue makes `send()` throw UNAVAILABLE: backpressure, never unbounded memory.
 * - `start()` runs the response loop: drain everything, deliver it as one batch, release,
 *   then `waitAsync` on WRITE (with SLEEPING set, so the shard notifies only then).
 */
import { HeliosError, unavailable } from '../errors.js';
import { checkHeader } from './header-codec.js';
import {
  CONSUMER_CLOSED, I_CLOSED, I_CONSUMER_SLEEPING, I_PRODUCER_WAITING, I_QUEUED, I_READ, I_WRITE,
  PRODUCER_CLOSED, RingMemory,
} from './layout.js';
import { RingReader } from './ring-reader.js';
import { OutgoingFrame, RingWriter } from './ring-writer.js';
import { readRingStats } from './stats.js';
import { waitAsync } from './wait-async.js';
import type { Frame, FrameHeader, RingStats, ShardRings } from './types.js';

export interface CoordinatorPortOptions {
  /** Frames that may wait for room in the request ring before send() throws UNAVAILABLE. */
  maxQueuedFrames?: number;
  /**
   * After delivering a batch, how long (µs) the response loop keeps polling on event-loop
   * turns (setImmediate) before it sleeps in waitAsync. Default 0: sleep at once.
   *
   * Polling spares the shard a notify and us a cross-thread wake-up per batch: on an idle
   * 2-core machine a single request's p50 went from ~3 µs to ~1.7 µs. But with the shard also
   * spinning and other processes competing for the cores, the two spinners starved each other:
   * p50 ~110 µs against ~13 µs with only one side spinning (bench/results/ring.md, docs/ring.md).
   * Turn it on only where the coordinator has a core to itself.
   */
  pollMicros?: number;
}

export const DEFAULT_POLL_MICROS = 0;

export const DEFAULT_MAX_QUEUED_FRAMES = 1024;

/**
 * Response batches delivered back to back before the loop yields to the event loop with
 * setImmediate, so a shard that never stops answering cannot starve sockets and timers.
 */
const MAX_ROUNDS_PER_TURN = 64;

export class CoordinatorPort {
  private readonly rings: ShardRings;
  private readonly req: RingMemory;
  private readonly res: RingMemory;
  private readonly writer: RingWriter;
  private readonly reader: RingReader;
  private readonly maxQueued: number;
  /** FIFO of frames waiting for room; `queue[queueHead]` is next. */
  private queue: OutgoingFrame[] = [];
  private queueHead = 0;
  private publishScheduled = false;
  private roomWaitArmed = false;
  private closed = false;
  private started = false;
  private onFrames: (frames: Frame[]) => void = () => {};
  private onPeerClosed: (() => void) | undefined;
  /** When the loop last delivered frames (performance.now() ms). */
  private lastDataAt = -Infinity;
  private readonly pollMs: number;

  constructor(rings: ShardRings, opts: CoordinatorPortOptions = {}) {
    this.rings = rings;
    this.req = new RingMemory(rings.request, 'request');
    this.res = new RingMemory(rings.response, 'response');
    this.writer = new RingWriter(this.req);
    this.reader = new RingReader(this.res);
    const max = opts.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES;
    // At least one slot: a frame larger than the ring always waits for room between chunks.
    if (!Number.isInteger(max) || max < 1) {
      throw new HeliosError('INTERNAL', `CoordinatorPort: maxQueuedFrames ${max} must be an integer >= 1`);
    }
    this.maxQueued = max;
    const poll = opts.pollMicros ?? DEFAULT_POLL_MICROS;
    if (!(poll >= 0 && poll <= 1_000_000)) {
      throw new HeliosError('INTERNAL', `CoordinatorPort: pollMicros ${poll} must be from 0 to 1000000`);
    }
    this.pollMs = poll / 1000;
  }

  /** True once the shard has closed its end (its `ShardPort.close()` ran). */
  get peerClosed(): boolean {
    return (this.req.closedBits() & CONSUMER_CLOSED) !== 0;
  }

  /** Frames waiting in the bounded queue. */
  get queuedSends(): number {
    return this.queue.length - this.queueHead;
  }

  /**
   * Sends a request frame: written to the ring now, or queued (payload copied, so the caller
   * may reuse its buffer) when the ring is full. Throws UNAVAILABLE when the queue is full,
   * after close(), or after the shard closed its end; INTERNAL for a malformed header.
   */
  send(header: FrameHeader, payload: Uint8Array): void {
    if (this.closed) throw unavailable('shard ring is closed');
    if (this.peerClosed) throw unavailable('the shard closed its ring');
    checkHeader(header, payload);
    if (this.queuedSends === 0) {
      if (this.writer.tryWriteWhole(header, payload)) {
        this.schedulePublish();
        return;
      }
      // Large (chunked) or no room: write what fits now, queue the rest.
      const f = new OutgoingFrame(copyHeader(header), payload);
      const done = this.writer.writeFrame(f);
      this.schedulePublish();
      if (done) return;
      if (f.started) {
        // Keep only the unsent tail; the writer measures progress against the array it holds.
        f.payload = payload.slice(f.sent);
        f.sent = 0;
      } else {
        f.payload = payload.slice();
      }
      this.enqueue(f);
      return;
    }
    if (this.queuedSends >= this.maxQueued) {
      throw unavailable(
        `shard overloaded: request ring full and ${this.maxQueued} frames already queued`,
      );
    }
    this.enqueue(new OutgoingFrame(copyHeader(header), payload.slice()));
  }

  /**
   * Starts the response loop: `onFrames` receives every batch the shard published, in order.
   * Payloads that are views live until `onFrames` returns (see {@link Frame}). `onPeerClosed`
   * runs once after the last batch when the shard closes its end. Frames already in the ring
   * are delivered synchronously, from inside start(). `onFrames` must not throw: a throw is a
   * bug and propagates (out of start() or as an unhandled rejection).
   */
  start(onFrames: (frames: Frame[]) => void, onPeerClosed?: () => void): void {
    if (this.started) throw new HeliosError('INTERNAL', 'CoordinatorPort.start called twice');
    if (this.closed) throw unavailable('shard ring is closed');
    this.started = true;
    this.onFrames = onFrames;
    this.onPeerClosed = onPeerClosed;
    this.loop();
  }

  /**
   * Stops the response loop and drops queued sends; later sends throw UNAVAILABLE. The shard
   * sees the closed flag: a blocked `ShardPort.send` throws UNAVAILABLE, and `receive` throws
   * once it has drained. Call it when the worker exits (the 'exit' event) and fail the
   * requests still in flight; a dead worker never answers them.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queueHead = 0;
    Atomics.store(this.req.ctrl, I_QUEUED, 0);
    // Publish what is already in the ring: the shard may still answer it before it stops.
    if (this.writer.publish()) Atomics.notify(this.req.ctrl, I_WRITE);
    Atomics.or(this.req.ctrl, I_CLOSED, PRODUCER_CLOSED);
    Atomics.or(this.res.ctrl, I_CLOSED, CONSUMER_CLOSED);
    // Wake the shard wherever it sleeps, and resolve our own pending waitAsync calls so no
    // promise (and no closure over this port) stays pending.
    Atomics.notify(this.req.ctrl, I_WRITE);
    Atomics.notify(this.res.ctrl, I_READ);
    Atomics.notify(this.res.ctrl, I_WRITE);
    Atomics.notify(this.req.ctrl, I_READ);
  }

  stats(): RingStats {
    return readRingStats(this.rings);
  }

  private enqueue(f: OutgoingFrame): void {
    this.queue.push(f);
    Atomics.store(this.req.ctrl, I_QUEUED, this.queuedSends);
    this.armRoomWait();
  }

  /**
   * One doorbell per event-loop turn, not per request: requests parsed from the same socket
   * reads (one I/O phase) share one publish and at most one Atomics.notify, the main thread's
   * largest single cost per request under load (bench/results/api.md: 34.9 → 28.7 µs CPU per
   * REST GET). setImmediate runs right after the current I/O phase, so an idle server adds no
   * measurable latency; a microtask would publish after every request's handler instead.
   */
  private schedulePublish(): void {
    if (this.publishScheduled) return;
    this.publishScheduled = true;
    setImmediate(this.publishNow);
  }

  private readonly publishNow = (): void => {
    this.publishScheduled = false;
    if (this.closed) return;
    if (this.writer.publish()) Atomics.notify(this.req.ctrl, I_WRITE, 1);
  };

  /** Moves queued frames into the ring while they fit; re-arms the room wait if some remain. */
  private readonly pump = (): void => {
    this.roomWaitArmed = false;
    Atomics.store(this.req.ctrl, I_PRODUCER_WAITING, 0);
    if (this.closed) return;
    const q = this.queue;
    let wrote = false;
    while (this.queueHead < q.length) {
      const done = this.writer.writeFrame(q[this.queueHead]!);
      wrote = true;
      if (!done) break;
      q[this.queueHead++] = undefined as unknown as OutgoingFrame;
    }
    if (this.queueHead === q.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > q.length) {
      this.queue = q.slice(this.queueHead);
      this.queueHead = 0;
    }
    Atomics.store(this.req.ctrl, I_QUEUED, this.queuedSends);
    if (wrote) this.publishNow();
    if (this.queuedSends > 0) this.armRoomWait();
  };

  /** Sleeps (asynchronously) until the shard moves READ past what the writer last saw. */
  private armRoomWait(): void {
    if (this.roomWaitArmed || this.closed) return;
    this.roomWaitArmed = true;
    const ctrl = this.req.ctrl;
    Atomics.store(ctrl, I_PRODUCER_WAITING, 1);
    const seen = Atomics.load(ctrl, I_READ);
    if ((seen >>> 0) !== this.writer.lastSeenRead) {
      queueMicrotask(this.pump);
      return;
    }
    // Publish before sleeping: the shard can only free room for frames it can see.
    this.publishNow();
    const r = waitAsync(ctrl, I_READ, seen);
    if (r.async) void r.value.then(this.pump);
    else queueMicrotask(this.pump);
  }

  /** The response loop: drain, deliver, release, then sleep in waitAsync on WRITE. */
  private readonly loop = (): void => {
    const ctrl = this.res.ctrl;
    Atomics.store(ctrl, I_CONSUMER_SLEEPING, 0);
    for (let round = 0; !this.closed; round++) {
      if (round === MAX_ROUNDS_PER_TURN) {
        setImmediate(this.loop);
        return;
      }
      const frames: Frame[] = [];
      if (this.reader.drain(frames) > 0) {
        this.lastDataAt = performance.now();
        try {
          this.onFrames(frames);
        } finally {
          this.releaseResponses();
        }
        // Requests sent from onFrames go out now, not when the loop yields: the shard works
        // on them while we drain the next batch.
        if (this.publishScheduled) this.publishNow();
        continue;
      }
      this.releaseResponses();
      if ((this.res.closedBits() & PRODUCER_CLOSED) !== 0 && !this.reader.hasData()) {
        const cb = this.onPeerClosed;
        this.onPeerClosed = undefined;
        cb?.();
        return;
      }
      // Recently busy: come back on the next event-loop turn instead of sleeping, so a
      // steady stream of responses costs the shard no notify and us no wake-up. Sockets and
      // timers still run between turns; the main thread never blocks.
      if (performance.now() - this.lastDataAt < this.pollMs) {
        setImmediate(this.loop);
        return;
      }
      Atomics.store(ctrl, I_CONSUMER_SLEEPING, 1);
      const seen = Atomics.load(ctrl, I_WRITE);
      if ((seen >>> 0) !== this.reader.drainedTo) {
        Atomics.store(ctrl, I_CONSUMER_SLEEPING, 0);
        continue;
      }
      const r = waitAsync(ctrl, I_WRITE, seen);
      if (r.async) {
        void r.value.then(this.loop);
        return;
      }
      Atomics.store(ctrl, I_CONSUMER_SLEEPING, 0);
    }
  };

  private releaseResponses(): void {
    if (this.reader.release()) Atomics.notify(this.res.ctrl, I_READ, 1);
  }
}

const copyHeader = (h: FrameHeader): FrameHeader => ({
  requestId: h.requestId, kind: h.kind, txnId: h.txnId, statementId: h.statementId, flags: h.flags,
});
