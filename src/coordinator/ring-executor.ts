/**
 * The router's {@link PartitionExecutor} over the shard rings: a fragment op for partition p
 * goes, as one `FrameKind.Fragment` frame, to the shard serving p (p mod shards); `inDoubt`
 * goes to every shard. The only file that joins the router to the rings.
 */
import { cancelled, deadlineExceeded } from '../errors.js';
import type { CallContext } from './call-context.js';
import { FrameKind } from '../shard/protocol.js';
import { decodeWire, encodeWire, rawReplyOp, type FragmentOp } from '../shard/fragment-protocol.js';
import type { PartitionExecutor } from './distributed-txn.js';
import type { ShardClient } from './shard-client.js';
import type { ShardPages } from '../shard/page-reads.js';

/** The ops that must finish whatever the caller does: cutting them only leaves a decided transaction unsettled. */
const NEVER_CUT = new Set(['commit', 'abort', 'resolve', 'inDoubt', 'cursorClose']);

export class RingExecutor implements PartitionExecutor {
  /** Fragment frames sent, per partition (the coordinator's routing metrics). */
  readonly framesPerPartition: number[];

  constructor(private readonly clients: readonly ShardClient[], readonly partitions: number, private readonly timeoutMs = 30_000) {
    this.framesPerPartition = new Array<number>(partitions).fill(0);
  }

  pagesOf(p: number): ShardPages | undefined {
    return this.clients[p % this.clients.length]!.pages;
  }

  async call(op: FragmentOp, callCx?: CallContext): Promise<unknown> {
    if (op.op === 'inDoubt') {
      const all = await Promise.all(this.clients.map((c) => this.send(c, op, undefined)));
      return (all as unknown[][]).flat();
    }
    this.framesPerPartition[op.p] = (this.framesPerPartition[op.p] ?? 0) + 1;
    return this.send(this.clients[op.p % this.clients.length]!, op, callCx);
  }

  private async send(c: ShardClient, op: FragmentOp, callCx: CallContext | undefined): Promise<unknown> {
    const cx = NEVER_CUT.has(op.op) ? undefined : callCx;
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
