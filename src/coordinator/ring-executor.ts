/**
 * The router's {@link PartitionExecutor} over the shard rings: a fragment op for partition p
 * goes, as one `FrameKind.Fragment` frame, to the shard serving p (p mod shards); `inDoubt`
 * goes to every shard. The only file that joins the router to the rings.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { unavailable } from '../errors.js';
import { FrameKind } from '../shard/protocol.js';
import { decodeWire, encodeWire, type FragmentOp } from '../shard/fragment-protocol.js';
import type { PartitionExecutor } from './distributed-txn.js';
import type { ShardClient } from './shard-client.js';

/**
 * The caller's deadline (ms since the epoch) for the fragments sent on its behalf: set by the
 * coordinator around a request that carries one (a gRPC deadline), read here for each frame, so
 * the work of a routed statement (runs, fan-out scans, PREPARE) stops waiting at the caller's
 * deadline instead of the executor's default; COMMIT/ABORT always finish.
 */
export const requestDeadline = new AsyncLocalStorage<number>();

/** Runs `fn` with a deadline `timeoutMs` from now for its fragments (none: the default applies). */
export function withDeadline<T>(timeoutMs: number | undefined, fn: () => Promise<T>): Promise<T> {
  return timeoutMs === undefined ? fn() : requestDeadline.run(Date.now() + timeoutMs, fn);
}

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
    // The phase-two messages (COMMIT/ABORT, settling in-doubt work) finish whatever the
    // client's deadline: cutting them short would only leave a decided transaction unsettled.
    const deadline = op.op === 'commit' || op.op === 'abort' || op.op === 'resolve' || op.op === 'inDoubt' ? undefined : requestDeadline.getStore();
    const left = deadline === undefined ? this.timeoutMs : Math.min(this.timeoutMs, deadline - Date.now());
    if (left <= 0) throw unavailable('the request deadline passed before its work reached the shard');
    const payload = await c.request(FrameKind.Fragment, encodeWire(op), { timeoutMs: left });
    // A `run` with `reply` comes back as the response body itself, encoded by the shard.
    return op.op === 'run' && op.reply !== undefined ? payload : decodeWire(payload);
  }
}
