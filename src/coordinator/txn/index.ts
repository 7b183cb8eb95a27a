/**
 * Coordinator-side transactions: the open sessions (`txn-sessions.ts`, pure: partitions and
 * shards touched, client idle timeouts, shard restarts), the two-phase-commit state machine
 * (`two-phase-commit.ts`, pure), its durable decision log (`decision-log.ts`, behind the file
 * seam of `log-io.ts`) and the transaction id allocator (`txn-ids.ts`, ids carry the log's boot
 * epoch).
 *
 * May import: src/errors.ts, src/shard/txn/messages.ts (the message types). Imported by: the
 * coordinator's transaction manager (to be written when 2PC is wired to the rings).
 *
 * Read next: two-phase-commit.ts (the protocol, its sequence diagram and the order in which the
 * shell must perform effects), decision-log.ts (file layout, recovery, compaction), then
 * docs/transactions.md.
 */
export * from './decision-log.js';
export * from './log-io.js';
export * from './two-phase-commit.js';
export * from './txn-ids.js';
export * from './txn-sessions.js';
