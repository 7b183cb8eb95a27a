/**
 * The router's {@link Decisions} on the durable decision log (txn/decision-log.ts) in
 * `<data dir>/coordinator`, with transaction ids from {@link TxnIdAllocator} (epoch · 2^40 +
 * counter, so a gid never repeats across restarts). One fdatasync per logged decision (the
 * append and the sync are synchronous on the coordinator's thread; concurrent 2PCs queue behind
 * it — group commit of decisions is a known next step).
 */
import { DecisionLog } from './txn/decision-log.js';
import { NodeLogIO } from './txn/log-io.js';
import { TxnIdAllocator } from './txn/txn-ids.js';
import type { TxnId } from '../shard/txn/messages.js';
import type { Decisions } from './distributed-txn.js';

export class LogDecisions implements Decisions {
  private readonly log: DecisionLog;
  private readonly ids: TxnIdAllocator;

  constructor(dir: string) {
    this.log = new DecisionLog({ io: new NodeLogIO(), dir });
    this.ids = new TxnIdAllocator(this.log.epoch);
  }

  newTxn(): bigint {
    return this.ids.next();
  }

  logCommit(txn: bigint, partitions: readonly number[]): void {
    this.log.appendCommit(txn as TxnId, partitions);
    this.log.sync(); // throws on I/O error: the commit's durability is unknown, the request fails
  }

  forget(txn: bigint): void {
    this.log.appendForget(txn as TxnId);
    if (this.log.wantsCompaction()) this.log.compact();
  }

  live(): ReadonlyMap<bigint, readonly number[]> {
    return this.log.liveDecisions();
  }

  close(): void {
    this.log.close();
  }
}
