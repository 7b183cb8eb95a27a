/**
 * Shard-side transactions: strict two-phase locking and the two-phase-commit participant.
 *
 * Owns: the lock manager (`lock-manager.ts`, modes and resources in `lock-modes.ts`), the
 * participant that keeps each transaction's storage transactions and answers 2PC messages
 * (`participant.ts`), and the 2PC message types shared with the coordinator (`messages.ts`).
 * Everything here is pure protocol logic: no clock, no rings, no threads; the only side effects
 * are the participant's calls into the shard's own partitions (src/storage/api.ts). The shard's
 * batch loop (`src/shard/worker-main.ts`) feeds it messages and time and sends what it returns.
 *
 * May import: src/errors.ts, src/storage/api.ts. Imported by: src/shard, src/coordinator (for
 * `messages.ts` only).
 *
 * Read next: lock-modes.ts (the compatibility matrix and how scans stop phantoms),
 * lock-manager.ts (wait-die, parking), participant.ts (PREPARE, in-doubt recovery), then
 * docs/transactions.md.
 */
export * from './lock-modes.js';
export * from './lock-manager.js';
export * from './messages.js';
export * from './participant.js';
