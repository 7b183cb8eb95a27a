/**
 * The isolation a streaming Query needs, behind one small interface: its cursors read their
 * partitions across many frames, and storage does not isolate transactions (src/storage/api.ts),
 * so nothing may write the rows they read until the stream ends.
 *
 * {@link LockReadHold} takes shared (S) table locks in the coordinator's lock manager
 * (txn/locks.ts) on every table the query reads, in every partition it reads, held until the
 * stream ends: writers of those tables there wait (as they wait for any reader under strict
 * 2PL), other readers go on. A slow client therefore delays writers of what it reads; the
 * stream's idle timeout (query-stream.ts) bounds that.
 */
import { Footprint, type Locks } from './txn/locks.js';

export interface ReadHold {
  /**
   * Resolves once nothing can write `tables` on `partitions` (every table the query reads); the
   * returned function ends the hold (idempotent). Rejects with SERIALIZATION_FAILURE when the
   * lock wait times out.
   */
  acquire(partitions: readonly number[], tables: readonly string[]): Promise<() => void>;
}

export class LockReadHold implements ReadHold {
  constructor(private readonly locks: Locks) {}

  async acquire(partitions: readonly number[], tables: readonly string[]): Promise<() => void> {
    const id = this.locks.begin();
    const fp = new Footprint();
    for (const p of partitions) for (const t of tables) fp.table(p, t, false);
    try {
      await this.locks.acquire(id, fp.plan());
    } catch (e) {
      this.locks.release(id);
      throw e;
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.locks.release(id);
    };
  }
}
