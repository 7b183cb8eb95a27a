/**
 * The shard actor: turns one request frame into one response, with no I/O of its own (the ring,
 * waiting and exiting live in `worker-main.ts`). Keeping it pure lets tests drive it directly.
 */
import { HeliosError } from '../errors.js';
import type { Frame } from '../ring/index.js';
import { EMPTY, FrameKind, encodeError, encodeJson, type ShardStatus } from './protocol.js';
import { decodeWire, encodeWire, RawReply, type FragmentOp } from './fragment-protocol.js';
import type { ShardStatsRow } from './stats-block.js';

/** Runs the router's fragment ops (implemented by `partition-engines.ts`). */
export interface FragmentHandler {
  handle(op: FragmentOp): unknown;
}

export interface ShardReply {
  kind: number;
  payload: Uint8Array;
}

export interface ShardActorOptions {
  shard: number;
  partitions: readonly number[];
  stats: ShardStatsRow;
  /** Injected clock (ms), so tests control time. */
  now: () => number;
  /** The scan-kernel backend this shard runs (reported in its status). */
  kernels: string;
  /** The partitions' SQL engines (a partitioned database: every shard). */
  fragments?: FragmentHandler;
}

export class ShardActor {
  private readonly startedAt: number;
  /** Set when a Shutdown frame arrived: the shell finishes the batch and exits. */
  stopping = false;

  constructor(private readonly opts: ShardActorOptions) {
    this.startedAt = opts.now();
    opts.stats.set('startedAtMs', this.startedAt);
  }

  status(): ShardStatus {
    const s = this.opts.stats;
    return {
      shard: this.opts.shard,
      partitions: [...this.opts.partitions],
      uptimeMs: Math.max(0, this.opts.now() - this.startedAt),
      framesProcessed: s.get('framesProcessed'),
      lastBatchSize: s.get('lastBatchSize'),
      kernels: this.opts.kernels,
    };
  }

  /** Handles one request frame. Never throws: failures become Error replies. */
  handle(frame: Frame): ShardReply {
    try {
      return this.dispatch(frame);
    } catch (e) {
      return { kind: FrameKind.Error, payload: encodeError(HeliosError.from(e).toData()) };
    }
  }



  private dispatch(frame: Frame): ShardReply {
    switch (frame.header.kind) {
      case FrameKind.Status:
        return { kind: FrameKind.Ok, payload: encodeJson(this.status()) };
      case FrameKind.Echo:
        // The payload view is only valid until the next receive: copy it into the reply.
        return { kind: FrameKind.Ok, payload: frame.payload.slice() };
      case FrameKind.Fragment: {
        if (!this.opts.fragments) throw new HeliosError('INTERNAL', `shard ${this.opts.shard} has no SQL engines`);
        const out = this.opts.fragments.handle(decodeWire<FragmentOp>(frame.payload));
        return { kind: FrameKind.Ok, payload: out instanceof RawReply ? out.bytes : encodeWire(out) };
      }
      case FrameKind.Shutdown:
        this.stopping = true;
        return { kind: FrameKind.Ok, payload: EMPTY };
      default:
        throw new HeliosError('INTERNAL', `shard ${this.opts.shard}: unknown frame kind ${frame.header.kind}`);
    }
  }
}
