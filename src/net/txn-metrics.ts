/**
 * Transaction metrics of a partitioned database, read from the coordinator's router counters
 * ({@link Coordinator.txnStats}, {@link Coordinator.lockStats}) at scrape time: single- vs
 * multi-partition transactions, 2PC prepares, commits and aborts, the total time spent in
 * two-phase commits; lock waits and their time, deadlocks and lock-wait timeouts; interactive
 * transactions open, committed, rolled back, timed out and aborted by the server; point reads
 * answered from the shards' pages and why others went to the shard.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Coordinator } from '../coordinator/index.js';

export function registerTxnMetrics(registry: Registry, coordinator: Coordinator): void {
  // Optional call: stand-in coordinators of the metrics tests implement only runtimeStats.
  const stats = () => (typeof coordinator.txnStats === 'function' ? coordinator.txnStats() : null);
  const counter = (name: string, help: string, read: (s: NonNullable<ReturnType<typeof stats>>) => number, labels?: Record<string, string>) => {
    new Counter({
      name,
      help,
      labelNames: labels ? Object.keys(labels) : [],
      registers: [registry],
      collect() {
        this.reset();
        const s = stats();
        if (s) this.inc(labels ?? {}, read(s));
      },
    });
  };
  counter('heliosdb_txn_single_partition_total', 'Auto-commit statements and batches confined to one partition (committed on its shard alone).', (s) => s.singlePartition);
  counter('heliosdb_txn_multi_partition_total', 'Transactions that wrote on two or more partitions (two-phase commit).', (s) => s.multiPartition);
  counter('heliosdb_2pc_prepares_total', 'PREPARE requests sent to partitions.', (s) => s.prepares);
  counter('heliosdb_2pc_commits_total', 'Two-phase commits whose COMMIT decision was logged.', (s) => s.commits);
  counter('heliosdb_2pc_aborts_total', 'Multi-partition transactions rolled back (a statement or a PREPARE failed).', (s) => s.aborts);
  const reads = () => (typeof coordinator.pointReadStats === 'function' ? coordinator.pointReadStats() : null);
  new Counter({
    name: 'heliosdb_point_reads_total',
    help: 'Point SELECTs by rowid the coordinator tried to answer from the shard\'s pages, by outcome: pages (answered there), busy (the shard was writing), raced (it wrote during the read), missed (a page out of memory or a large value); all but pages went to the shard.',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const s = reads();
      if (!s) return;
      this.inc({ outcome: 'pages' }, s.read);
      this.inc({ outcome: 'busy' }, s.busy);
      this.inc({ outcome: 'raced' }, s.raced);
      this.inc({ outcome: 'missed' }, s.missed);
    },
  });
  const locks = () => (typeof coordinator.lockStats === 'function' ? coordinator.lockStats() : null);
  const lockCounter = (name: string, help: string, read: (s: NonNullable<ReturnType<typeof locks>>) => number) => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const s = locks();
        if (s) this.inc(read(s));
      },
    });
  };
  const gauge = (name: string, help: string, read: (s: NonNullable<ReturnType<typeof locks>>) => number) => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = locks();
        this.set(s ? read(s) : 0);
      },
    });
  };
  lockCounter('heliosdb_lock_waits_total', 'Lock requests that had to wait (strict 2PL at the coordinator).', (s) => s.waits);
  lockCounter('heliosdb_lock_wait_seconds_total', 'Time spent waiting for locks; divide by heliosdb_lock_waits_total for the mean.', (s) => s.waitMsTotal / 1000);
  lockCounter('heliosdb_deadlocks_total', 'Lock requests failed with SERIALIZATION_FAILURE to break a deadlock (wait-for cycle).', (s) => s.deadlocks);
  lockCounter('heliosdb_lock_timeouts_total', 'Lock requests failed with SERIALIZATION_FAILURE by the lock-wait timeout.', (s) => s.timeouts);
  gauge('heliosdb_lock_waiting', 'Lock requests waiting now.', (s) => s.lockWaiting);
  gauge('heliosdb_tx_open', 'Interactive transactions open now.', (s) => s.open);
  lockCounter('heliosdb_tx_begun_total', 'Interactive transactions begun.', (s) => s.begun);
  lockCounter('heliosdb_tx_committed_total', 'Interactive transactions committed.', (s) => s.committed);
  lockCounter('heliosdb_tx_rolled_back_total', 'Interactive transactions rolled back by the client.', (s) => s.rolledBack);
  lockCounter('heliosdb_tx_timed_out_total', 'Interactive transactions rolled back after their idle timeout.', (s) => s.timedOut);
  lockCounter('heliosdb_tx_aborted_total', 'Interactive transactions rolled back by the server (failed statement, deadlock, failed commit, shard restart).', (s) => s.aborted);
  counter('heliosdb_2pc_commit_seconds_total', 'Time spent in two-phase commits (first PREPARE sent to last COMMIT acked); divide by heliosdb_2pc_commits_total for the mean.', (s) => s.commitMsTotal / 1000);
}
