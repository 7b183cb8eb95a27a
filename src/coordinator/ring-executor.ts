/**
 * The router's {@link PartitionExecutor} over the shard rings: a fragment op for partition p
 * goes, as one `FrameKind.Fragment` frame, to the shard serving p (p mod shards); `inDoubt`
 * goes to every shard. The only file that joins the router to the rings.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { cancelled, deadlineExceeded } from '../errors.js';
import { FrameKind } from '../shard/protocol.js';
import { decodeWire, encodeWire, rawReplyOp, type FragmentOp } from '../shard/fragment-protocol.js';
import type { PartitionExecutor } from './distributed-txn.js';
import type { ShardClient } from './shard-client.js';

/**
 * The caller's deadline (ms since the epoch) and cancellation for the fragments sent on its
 * behalf: set by the coordinator around a request (a gRPC call's deadline and its 'cancelled'
 * event), read here for each frame, so the work of a routed statement (runs, fan-out scans,
 * PREPARE, cursor chunks) stops waiting at the caller's deadline instead of the executor's
 * default, and a cancelled or timed-out fragment is stopped on its shard too (cancel flags).
 * COMMIT/ABORT and in-doubt resolution always finish.
 */
export interface CallContext {
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}
export const requestContext = new AsyncLocalStorage<CallContext>();

/** Runs `fn` with a deadline `timeoutMs` from now for its fragments (none: the default applies). */
export function withDeadline<T>(timeoutMs: number | undefined, fn: () => Promise<T>): Promise<T> {
  return withCall({ ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, fn);
}

/** Runs `fn` with a call's deadline and cancel signal for its fragments. */
export function withCall<T>(o: { timeoutMs?: number; signal?: AbortSignal }, fn: () => Promise<T>): Promise<T> {
  if (o.timeoutMs === undefined && o.signal === undefined) return fn();
  return requestContext.run({ ...(o.timeoutMs !== undefined ? { deadline: Date.now() + o.timeoutMs } : {}), ...(o.signal ? { signal: o.signal } : {}) }, fn);
}

/**
 * The coordinator-side engines' interrupt hook (the catalog mirror runs fan-out queries and
 * central writes in the main thread): throws once the current call's deadline has passed, or
 * its signal was aborted before the synchronous run began — the main thread cannot see an abort
 * while it computes, but it can read the clock.
 */
export function interruptFromContext(): void {
  const cx = requestContext.getStore();
  if (cx === undefined) return;
  if (cx.signal?.aborted) throw cancelled('the request was cancelled; the statement was stopped and left no effect');
  if (cx.deadline !== undefined && Date.now() > cx.deadline) throw deadlineExceeded('the request deadline passed; the statement was stopped and left no effect');
}

/** The ops that must finish whatever the caller does: cutting them only leaves a decided transaction unsettled. */
const NEVER_CUT = new Set(['commit', 'abort', 'resolve', 'inDoubt', 'cursorClose']);

export class RingExecutor implements PartitionExecutor {
  /** Fragment frames sent, per partition (the coordinator's routing metrics). */
  readonly framesPerPartition: number[];

  constructor(private readonly clients: readonly ShardClient[], readonly partitions: number, private readonly timeoutMs = 30_000) {
    this.framesPerPartition = new Array<number>(partitions).fill(0);
  }

  async call(op: FragmentOp): Promise<unknown> {
    if (op.op === 'inDoubt') {
      const all = await Promise.all(this.clients.map((c) => this.send(c, op)));
      return (all as unknown[][]).flat();
    }
    this.framesPerPartition[op.p] = (this.framesPerPartition[op.p] ?? 0) + 1;
    return this.send(this.clients[op.p % this.clients.length]!, op);
  }

  private async send(c: ShardClient, op: FragmentOp): Promise<unknown> {
    const cx = NEVER_CUT.has(op.op) ? undefined : requestContext.getStore();
    const deadline = cx?.deadline;
    const left = deadline === undefined ? this.timeoutMs : Math.min(this.timeoutMs, deadline - Date.now());
    if (left <= 0) throw deadlineExceeded('the request deadline passed before its work reached the shard');
    if (cx?.signal?.aborted) throw cancelled('the request was cancelled before its work reached the shard');
    const payload = await c.request(FrameKind.Fragment, encodeWire(op), {
      timeoutMs: left,
      ...(deadline !== undefined && deadline - Date.now() <= this.timeoutMs ? { callerDeadline: true } : {}),
      ...(cx?.signal ? { signal: cx.signal } : {}),
    });
    // A `run` with `reply` comes back as the response body itself, encoded by the shard; so do cursor chunks.
    return rawReplyOp(op) ? payload : decodeWire(payload);
  }
}
