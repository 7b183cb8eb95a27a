/**
 * The coordinator's sequencer: the isolation of a partitioned database for auto-commit
 * statements and batches (VoltDB's scheme, kept at the coordinator). Single-partition work runs
 * concurrently (each statement is atomic on its shard's thread, and a shard runs one frame at a
 * time). Multi-partition work — fan-out reads, multi-partition writes, DDL, atomic batches that
 * span partitions — runs one at a time, and only while no single-partition work is in flight:
 * it waits for the in-flight statements to drain, and new single-partition work waits behind it
 * (so a stream of point statements cannot starve it).
 *
 * Read holds ({@link hold}) keep writers away from some partitions for a long read that spans
 * many frames — a streaming Query's cursors (read-hold.ts). While a partition is held:
 *   - single-partition work that writes it waits (reads do not);
 *   - multi-partition writes wait for every hold to end (they do not say which partitions they
 *     touch); multi-partition reads do not wait;
 *   - a new hold waits while a multi-partition write runs or is queued, or a single-partition
 *     write waits for one of its partitions — so writers are not starved by a stream of holds;
 *   - single-partition work may pass a queued multi-partition operation while holds exist (the
 *     multi one cannot start before they end anyway); once the holds end it queues again.
 *
 * Every schedule is therefore serializable, and a fan-out read never sees a multi-partition
 * write half-done. The cost: a multi-partition operation stops the whole database for its
 * duration (one round trip per phase), and a held partition's writers wait for the hold (a
 * stream's length, bounded by its idle timeout). Per-partition holds for multi-partition work
 * are the next refinement; interactive transactions need the lock manager instead.
 */
export class Sequencer {
  private activeSingles = 0;
  private multiActive: 'read' | 'write' | null = null;
  private readonly multiQueue: { go: () => void; reads: boolean }[] = [];
  private readonly waiters: (() => void)[] = [];
  /** Read holds per partition, and in all. */
  private readonly holds = new Map<number, number>();
  private holdCount = 0;
  /** Single-partition writes waiting for a held partition, per partition. */
  private readonly writesWaiting = new Map<number, number>();

  /**
   * Runs single-partition work (concurrently with other single-partition work). `writes`: the
   * partition it may write (it then waits while that partition is held); undefined for a read.
   */
  async single<T>(fn: () => Promise<T>, writes?: number): Promise<T> {
    const blocked = (): boolean => this.multiActive !== null || (this.multiQueue.length > 0 && this.holdCount === 0) || (writes !== undefined && (this.holds.get(writes) ?? 0) > 0);
    if (blocked()) {
      if (writes !== undefined) bump(this.writesWaiting, writes, 1);
      try {
        while (blocked()) await this.wait();
      } finally {
        if (writes !== undefined) bump(this.writesWaiting, writes, -1);
      }
    }
    this.activeSingles++;
    try {
      return await fn();
    } finally {
      this.activeSingles--;
      this.wake();
    }
  }

  /**
   * Runs multi-partition work alone. `reads`: it only reads (it may then run while partitions
   * are held). IMPORTANT: `fn` must not call {@link single}, {@link multi} or {@link hold}.
   */
  async multi<T>(fn: () => Promise<T>, reads = false): Promise<T> {
    await new Promise<void>((go) => {
      this.multiQueue.push({ go, reads });
      this.wake();
    });
    try {
      return await fn();
    } finally {
      this.multiActive = null;
      this.wake();
    }
  }

  /**
   * Keeps writers away from `partitions` until the returned release is called (idempotent).
   * Reads of those partitions, and work on others, go on.
   */
  async hold(partitions: readonly number[]): Promise<() => void> {
    const blocked = (): boolean => this.multiActive === 'write' || this.multiQueue.some((m) => !m.reads) || partitions.some((p) => (this.writesWaiting.get(p) ?? 0) > 0);
    while (blocked()) await this.wait();
    for (const p of partitions) bump(this.holds, p, 1);
    this.holdCount++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const p of partitions) bump(this.holds, p, -1);
      this.holdCount--;
      this.wake();
    };
  }

  /** True while multi-partition work runs or waits (for tests and metrics). */
  get busy(): boolean {
    return this.multiActive !== null || this.multiQueue.length > 0;
  }

  /** Read holds in force (for tests and metrics). */
  get heldCount(): number {
    return this.holdCount;
  }

  private wait(): Promise<void> {
    return new Promise<void>((r) => this.waiters.push(r));
  }

  private wake(): void {
    if (this.multiActive === null && this.multiQueue.length > 0) {
      const head = this.multiQueue[0]!;
      if (this.activeSingles === 0 && (head.reads || this.holdCount === 0)) {
        this.multiActive = head.reads ? 'read' : 'write';
        this.multiQueue.shift()!.go();
      }
    }
    // Everyone waiting re-checks its own condition.
    for (const w of this.waiters.splice(0)) w();
  }
}

function bump(m: Map<number, number>, k: number, d: number): void {
  const v = (m.get(k) ?? 0) + d;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}
