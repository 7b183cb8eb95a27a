/**
 * The coordinator's locks: strict two-phase locking over partition → table → shard-key value,
 * with waits as promises. A thin asynchronous shell around the pure {@link LockManager} (FIFO
 * queues, upgrades, hierarchy, wait-for-graph deadlock detection): the coordinator is one thread,
 * so it sees the whole wait-for graph and `detect` breaks exactly the real deadlocks (the
 * requester that would close a cycle fails with SERIALIZATION_FAILURE). A lock-wait timeout is the
 * backstop against any stall (a statement that never finishes on a shard).
 *
 * Every holder is a lock id from {@link Locks.begin}: an auto-commit statement, an atomic batch,
 * an interactive transaction, or the router's own exclusive work (in-doubt resolution). Ids grow
 * with time, so the lock manager's "age" is the start order.
 *
 * {@link Footprint} builds a statement's lock plan: every lock with the intention locks on its
 * ancestors, merged (supremum) and in one global order — partition, then table, then key — so
 * work that acquires a whole plan at once (auto-commit statements, batches) never deadlocks with
 * other such work.
 */
import { HeliosError, serializationFailure } from '../../errors.js';
import { LockManager } from './lock-manager.js';
import { supremum, type LockMode, type LockStep } from './lock-modes.js';
import type { TxnId } from './txn-ids.js';

export interface LockStats {
  /** Requests that had to wait, and the total time they waited (ms). */
  waits: number;
  waitMsTotal: number;
  /** Requests failed to break a deadlock (wait-for cycle). */
  deadlocks: number;
  /** Requests failed by the lock-wait timeout. */
  timeouts: number;
}

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (e: HeliosError) => void;
  readonly since: number;
}

export interface LocksOptions {
  /** A request waiting longer fails with SERIALIZATION_FAILURE (default 10 s). */
  readonly lockWaitTimeoutMs?: number;
  /** Check the lock manager's invariants after every change (tests; HELIOS_VERIFY=all). */
  readonly verify?: boolean;
}

const TICK_MS = 50;

/** Shared partition and table steps of point plans, by `partition/table/r|w`. */
const ANCESTORS = new Map<string, readonly LockStep[]>();

export class Locks {
  private readonly lm: LockManager;
  private readonly waiting = new Map<TxnId, Waiting>();
  private next = 1n;
  private timer: NodeJS.Timeout | null = null;
  readonly stats: LockStats = { waits: 0, waitMsTotal: 0, deadlocks: 0, timeouts: 0 };
  /** Holders that asked for a whole partition exclusively (DDL, VACUUM, in-doubt resolution). */
  private readonly structural = new Set<TxnId>();
  /**
   * Bumped when a holder asks for a partition exclusively and again when it ends: anything
   * learned about a partition's layout (a table's root page, its columns) under one value is
   * stale under another. The coordinator's page reads key their table locations by it.
   */
  structuralEpoch = 0;

  constructor(o: LocksOptions = {}) {
    this.lm = new LockManager({ policy: 'detect', lockWaitTimeoutMs: o.lockWaitTimeoutMs ?? 10_000, idleTimeoutMs: Infinity, verify: o.verify ?? process.env['HELIOS_VERIFY'] === 'all' });
  }

  /** A new lock holder (younger than every earlier one). */
  begin(): TxnId {
    const id = this.next++ as TxnId;
    this.lm.begin(id, performance.now());
    return id;
  }

  /** Takes every lock of `plan` (ancestors first), waiting as needed; rejects with SERIALIZATION_FAILURE on a deadlock or the lock-wait timeout. */
  acquire(id: TxnId, plan: readonly LockStep[]): Promise<void> {
    if (plan.length === 0) return Promise.resolve();
    for (const step of plan) {
      if (step.mode === 'X' && !step.resource.key.includes('/')) {
        this.structural.add(id);
        this.structuralEpoch++;
        break;
      }
    }
    const now = performance.now();
    const r = this.lm.acquire(id, plan, now);
    if (r.status === 'granted') return Promise.resolve();
    if (r.status === 'failed') {
      if (r.error.code === 'SERIALIZATION_FAILURE') this.stats.deadlocks++;
      return Promise.reject(r.error);
    }
    this.stats.waits++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, since: now });
      this.timer ??= setInterval(() => this.tick(), TICK_MS); // runs only while someone waits
    });
  }

  /**
   * Takes every lock of `plan` for a holder that never waits, if none has to wait now; false
   * (nothing taken) otherwise. The holder is counted, not named (LockManager.acquireAnonymous):
   * use it only for a statement that runs right after and then {@link releaseAnonymous}.
   */
  tryAcquireAnonymous(plan: readonly LockStep[]): boolean {
    return this.lm.acquireAnonymous(plan);
  }

  /**
   * True when {@link tryAcquireAnonymous} would take `plan` now; takes nothing. For a statement
   * answered synchronously, before the coordinator's thread runs anything else (a point read from
   * the shard's pages): holding the locks over no interleaving at all is the same as checking.
   */
  grantableNow(plan: readonly LockStep[]): boolean {
    return this.lm.grantableNow(plan);
  }

  /** Releases what {@link tryAcquireAnonymous} took for `plan`, waking whom that unblocks. */
  releaseAnonymous(plan: readonly LockStep[]): void {
    this.wake(this.lm.releaseAnonymous(plan));
  }

  /** Releases every lock of `id` and forgets it; a statement of it still waiting fails with `why`. */
  release(id: TxnId, why?: HeliosError): void {
    if (this.structural.delete(id)) this.structuralEpoch++;
    const w = this.waiting.get(id);
    if (w) {
      this.waiting.delete(id);
      w.reject(why ?? serializationFailure('the transaction ended while it waited for a lock'));
    }
    this.wake(this.lm.releaseAll(id));
  }

  /** Holders known to the lock manager and requests waiting (metrics, tests). */
  counts(): { holders: number; waiting: number; resources: number } {
    const s = this.lm.stats();
    return { holders: s.transactions, waiting: s.waiting, resources: s.resources };
  }

  private tick(): void {
    const { expired, wakeups } = this.lm.tick(performance.now());
    for (const x of expired) {
      const w = this.waiting.get(x.txn);
      if (!w) continue;
      this.waiting.delete(x.txn);
      this.stats.timeouts++;
      this.stats.waitMsTotal += performance.now() - w.since;
      w.reject(x.error);
    }
    this.wake(wakeups);
    if (this.waiting.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private wake(wakeups: readonly { txn: TxnId; error?: HeliosError }[]): void {
    for (const u of wakeups) {
      const w = this.waiting.get(u.txn);
      if (!w) continue;
      this.waiting.delete(u.txn);
      this.stats.waitMsTotal += performance.now() - w.since;
      if (u.error) {
        if (u.error.code === 'SERIALIZATION_FAILURE') this.stats.deadlocks++;
        w.reject(u.error);
      } else w.resolve();
    }
  }
}

/**
 * A statement's lock plan under construction. Resources are named by partition, table name
 * (lower case) and the canonical text of a shard-key value (partition-hash.ts), so equal values
 * lock alike whichever way they were written (1, 1.0, '1' into an INTEGER key).
 */
export class Footprint {
  /**
   * The plan of a point statement — one key and its ancestors — without building a Footprint
   * (the hot path: no map, no sort; the ancestors' steps are shared, they are never mutated).
   */
  static pointPlan(p: number, table: string, key: string, write: boolean): LockStep[] {
    const t = table.toLowerCase();
    const k = `${p}/${t}/${write ? 'w' : 'r'}`;
    let anc = ANCESTORS.get(k);
    if (!anc) {
      if (ANCESTORS.size >= 4096) ANCESTORS.clear();
      anc = [{ resource: { key: `p${p}`, partition: p, persistent: true }, mode: write ? 'IX' : 'IS' }, { resource: { key: `p${p}/t${t}`, partition: p, persistent: true }, mode: write ? 'IX' : 'IS' }];
      ANCESTORS.set(k, anc);
    }
    return [anc[0]!, anc[1]!, { resource: { key: `p${p}/t${t}/k${key}`, partition: p }, mode: write ? 'X' : 'S' }];
  }

  private readonly steps = new Map<string, { step: LockStep; order: readonly [number, number, string] }>();

  /** Read (S) or write (X) the rows whose shard key is `key` in `table` on partition `p`. */
  key(p: number, table: string, key: string, write: boolean): this {
    const t = table.toLowerCase();
    this.add(p, 0, `p${p}`, write ? 'IX' : 'IS');
    this.add(p, 1, `p${p}/t${t}`, write ? 'IX' : 'IS');
    this.add(p, 2, `p${p}/t${t}/k${key}`, write ? 'X' : 'S');
    return this;
  }

  /** Read (S) or write (X) the whole of `table` on partition `p` (scans: no phantoms). */
  table(p: number, table: string, write: boolean): this {
    this.add(p, 0, `p${p}`, write ? 'IX' : 'IS');
    this.add(p, 1, `p${p}/t${table.toLowerCase()}`, write ? 'X' : 'S');
    return this;
  }

  /** Everything on partition `p` (DDL, VACUUM, in-doubt resolution). */
  partition(p: number): this {
    this.add(p, 0, `p${p}`, 'X');
    return this;
  }

  merge(o: Footprint): this {
    for (const { step, order } of o.steps.values()) this.add(order[0], order[1], step.resource.key, step.mode);
    return this;
  }

  get size(): number {
    return this.steps.size;
  }

  /** The plan in the global order: partition, then depth (partition, table, key), then name. */
  plan(): LockStep[] {
    return [...this.steps.values()]
      .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || (a.order[2] < b.order[2] ? -1 : a.order[2] > b.order[2] ? 1 : 0))
      .map((x) => x.step);
  }

  private add(p: number, depth: number, key: string, mode: LockMode): void {
    const old = this.steps.get(key);
    const m = old ? supremum(old.step.mode, mode) : mode;
    this.steps.set(key, { step: { resource: { key, partition: p, ...(depth < 2 ? { persistent: true } : {}) }, mode: m }, order: [p, depth, key] });
  }
}
