/**
 * Coordinator-side transaction machinery: the locks (`locks.ts`: the asynchronous shell and the
 * footprint builder; `lock-manager.ts`: the pure strict-2PL lock manager with FIFO queues,
 * upgrades and deadlock detection; `lock-modes.ts`: modes, the compatibility matrix and resource
 * names), the durable 2PC decision log (`decision-log.ts`, behind the file seam of `log-io.ts`)
 * and the transaction id allocator (`txn-ids.ts`, ids carry the log's boot epoch).
 *
 * May import: src/errors.ts, src/storage (the file seam only). Imported by: the router
 * (../router.ts, ../lock-footprint.ts), ../distributed-txn.ts, ../log-decisions.ts.
 *
 * Read next: locks.ts (how a statement's footprint is taken), lock-manager.ts (queues,
 * upgrades, cycle detection), decision-log.ts (file layout, recovery, compaction), then
 * docs/transactions.md.
 */
export * from './decision-log.js';
export * from './lock-manager.js';
export * from './lock-modes.js';
export * from './locks.js';
export * from './log-io.js';
export * from './txn-ids.js';
