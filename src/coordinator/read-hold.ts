/**
 * The isolation a streaming Query needs, behind one small interface: its cursors read their
 * partitions across many frames, and storage does not isolate transactions (src/storage/api.ts),
 * so nothing may write the rows they read until the stream ends.
 *
 * Today's implementation ({@link SequencerReadHold}) uses the coordinator's sequencer: a read
 * hold on the partitions (sequencer.ts) — writers of those partitions wait, readers go on.
 * IMPORTANT: with the lock manager (branch `txn`), swap it for shared (S) table locks on
 * `tables` in each partition of `partitions`, held until release: this file is the only place.
 */
import type { Sequencer } from './sequencer.js';

export interface ReadHold {
  /**
   * Resolves once nothing can write `tables` on `partitions` (lower-case table names, every
   * table the query reads); the returned function ends the hold (idempotent).
   */
  acquire(partitions: readonly number[], tables: readonly string[]): Promise<() => void>;
}

export class SequencerReadHold implements ReadHold {
  constructor(private readonly sequencer: Sequencer) {}

  acquire(partitions: readonly number[], _tables: readonly string[]): Promise<() => void> {
    return this.sequencer.hold(partitions);
  }
}
