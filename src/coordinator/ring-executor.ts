/**
 * The router's {@link PartitionExecutor} over the shard rings: a fragment op for partition p
 * goes, as one `FrameKind.Fragment` frame, to the shard serving p (p mod shards); `inDoubt`
 * goes to every shard. The only file that joins the router to the rings.
 */
import { FrameKind } from '../shard/protocol.js';
import { decodeWire, encodeWire, type FragmentOp } from '../shard/fragment-protocol.js';
import type { PartitionExecutor } from './distributed-txn.js';
import type { ShardClient } from './shard-client.js';

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
    const payload = await c.request(FrameKind.Fragment, encodeWire(op), { timeoutMs: this.timeoutMs });
    // A `run` with `reply` comes back as the response body itself, encoded by the shard.
    return op.op === 'run' && op.reply !== undefined ? payload : decodeWire(payload);
  }
}
