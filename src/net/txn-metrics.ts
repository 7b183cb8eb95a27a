/**
 * Transaction metrics of a partitioned database, read from the coordinator's router counters
 * ({@link Coordinator.txnStats}) at scrape time: single- vs multi-partition transactions, 2PC
 * prepares, commits and aborts, and the total time spent in two-phase commits.
 */
import { Counter, type Registry } from 'prom-client';
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
  counter('heliosdb_2pc_commit_seconds_total', 'Time spent in two-phase commits (first PREPARE sent to last COMMIT acked); divide by heliosdb_2pc_commits_total for the mean.', (s) => s.commitMsTotal / 1000);
}
