/**
 * An in-process partitioned database for tests: `shards` × {@link PartitionEngines} over memory
 * partitions (partition p on shard p mod shards, as the server places them), behind the
 * {@link PartitionExecutor} the router uses. Every op and reply goes through the fragment
 * protocol's JSON codec, as it does over the rings, and replies are delivered asynchronously.
 */
import { PartitionEngines } from '../../src/shard/partition-engines.js';
import { decodeWire, encodeWire, RawReply, type FragmentOp } from '../../src/shard/fragment-protocol.js';
import type { PartitionExecutor } from '../../src/coordinator/distributed-txn.js';
import { Router, type RouterOptions } from '../../src/coordinator/router.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import type { Partition, Value } from '../../src/storage/api.js';
import { HeliosError, type ErrorData } from '../../src/errors.js';

export class LocalExecutor implements PartitionExecutor {
  readonly shards: PartitionEngines[] = [];
  /** Ops sent, by kind and partition (tests of routing read it). */
  readonly sent: FragmentOp[] = [];

  /** Bytes of every reply as the rings would carry them (the JSON codec's output): what fan-outs move. */
  bytesReplied = 0;

  /** Optional delay before each op runs (ms; concurrency tests set a random one to interleave requests). */
  delay: (() => number) | null = null;

  constructor(readonly partitions: number, shardCount: number, open: (p: number) => Partition = openMemoryPartition) {
    for (let s = 0; s < shardCount; s++) {
      const mine = new Map<number, Partition>();
      for (let p = s; p < partitions; p += shardCount) mine.set(p, open(p));
      this.shards.push(new PartitionEngines(mine));
    }
  }

  async call(op: FragmentOp): Promise<unknown> {
    this.sent.push(op);
    const d = this.delay?.() ?? 0;
    if (d > 0) await new Promise((r) => setTimeout(r, d));
    else await Promise.resolve();
    const wire = decodeWire<FragmentOp>(encodeWire(op));
    if (wire.op === 'inDoubt') return this.shards.flatMap((s) => s.handle(wire) as unknown[]);
    const shard = this.shards[wire.p % this.shards.length]!;
    let reply: Uint8Array;
    try {
      const out = shard.handle(wire);
      if (out instanceof RawReply) return out.bytes; // an encoded response body, as the rings carry it
      reply = encodeWire(out);
      this.bytesReplied += reply.length;
    } catch (e) {
      throw HeliosError.fromData(JSON.parse(JSON.stringify(HeliosError.from(e).toData())) as ErrorData);
    }
    return decodeWire(reply);
  }
}

export async function localRouter(partitions: number, shards: number, o: Omit<RouterOptions, 'executor'> = {}): Promise<{ router: Router; exec: LocalExecutor }> {
  const exec = new LocalExecutor(partitions, shards);
  const router = new Router({ executor: exec, ...o });
  await router.start();
  return { router, exec };
}

/** Rows as comparable strings (REALs to 10 significant digits: sums in another order may differ in the last bits), sorted unless `ordered`. */
export function norm(rows: Value[][], ordered: boolean): string[] {
  const s = rows.map((r) => r.map(fmt).join('|'));
  return ordered ? s : s.sort();
}

function fmt(v: Value): string {
  if (typeof v === 'number') return `r${Number(v.toPrecision(10))}`;
  if (typeof v === 'bigint') return `i${v}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  return JSON.stringify(v);
}
