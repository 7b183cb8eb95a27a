/**
 * The coordinator's sequencer: the isolation of a partitioned database for auto-commit
 * statements and batches (VoltDB's scheme, kept at the coordinator). Single-partition work runs
 * concurrently (each statement is atomic on its shard's thread, and a shard runs one frame at a
 * time). Multi-partition work — fan-out reads, multi-partition writes, DDL, atomic batches that
 * span partitions — runs one at a time, and only while no single-partition work is in flight:
 * it waits for the in-flight statements to drain, and new single-partition work waits behind it
 * (so a stream of point statements cannot starve it).
 *
 * Every schedule is therefore serializable, and a fan-out read never sees a multi-partition
 * write half-done. The cost: a multi-partition operation stops the whole database for its
 * duration (one round trip per phase). Per-partition holds (block only the partitions it
 * touches) are the next refinement; interactive transactions need the lock manager instead.
 */
export class Sequencer {
  private activeSingles = 0;
  private multiActive = false;
  private readonly multiQueue: (() => void)[] = [];
  private readonly singleWaiters: (() => void)[] = [];

  /** Runs single-partition work (concurrently with other single-partition work). */
  async single<T>(fn: () => Promise<T>): Promise<T> {
    while (this.multiActive || this.multiQueue.length > 0) await new Promise<void>((r) => this.singleWaiters.push(r));
    this.activeSingles++;
    try {
      return await fn();
    } finally {
      this.activeSingles--;
      this.wake();
    }
  }

  /** Runs multi-partition work alone. IMPORTANT: `fn` must not call {@link single} or {@link multi}. */
  async multi<T>(fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((r) => {
      this.multiQueue.push(r);
      this.wake();
    });
    try {
      return await fn();
    } finally {
      this.multiActive = false;
      this.wake();
    }
  }

  /** True while multi-partition work runs or waits (for tests and metrics). */
  get busy(): boolean {
    return this.multiActive || this.multiQueue.length > 0;
  }

  private wake(): void {
    if (this.multiActive) return;
    if (this.multiQueue.length > 0) {
      if (this.activeSingles === 0) {
        this.multiActive = true;
        this.multiQueue.shift()!();
      }
      return;
    }
    const ws = this.singleWaiters.splice(0);
    for (const w of ws) w();
  }
}
