/**
 * The router's {@link Decisions} on the durable decision log (txn/decision-log.ts) in
 * `<data dir>/coordinator`, with transaction ids from {@link TxnIdAllocator} (epoch · 2^40 +
 * counter, so a gid never repeats across restarts). Group commit: a COMMIT is appended at once,
 * and one fdatasync (on the next turn of the event loop) makes every decision appended meanwhile
 * durable — concurrent two-phase commits whose votes arrive together share it.
 */
import { DecisionLog } from './txn/decision-log.js';
import { NodeLogIO } from './txn/log-io.js';
import { TxnIdAllocator } from './txn/txn-ids.js';
import type { TxnId } from './txn/txn-ids.js';
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

  private pending: Promise<void> | null = null;

  logCommit(txn: bigint, partitions: readonly number[]): Promise<void> {
    this.log.appendCommit(txn as TxnId, partitions);
    this.pending ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.pending = null;
        try {
          this.log.sync(); // throws on I/O error: the commits' durability is unknown, their requests fail
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
    return this.pending;
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
