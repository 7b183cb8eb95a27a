/**
 * The lock manager: strict two-phase locking over a resource hierarchy (`lock-modes.ts`; the
 * coordinator uses partition → table → shard-key value, see locks.ts), with FIFO queues, lock
 * upgrades, deadlock handling, lock-wait and idle timeouts. Pure: no clock (every call takes
 * `now`), no I/O, no threads — the coordinator's asynchronous shell (locks.ts) owns it.
 *
 * Waiting never blocks the thread. {@link LockManager.acquire} takes a *plan* (the locks a
 * statement needs, ancestors first) and returns `granted`, `failed` (with the error to return),
 * or `waiting`: the caller parks the statement, and a later {@link LockManager.releaseAll} (or
 * {@link LockManager.tick}) returns a {@link Wakeup} for it once the rest of its plan is granted
 * (or failed on the way). A transaction has at most one statement in flight, so at most one wait.
 *
 * Deadlocks. Policy `detect` (what the coordinator uses: it is one thread and sees the whole
 * wait-for graph): at each wait, search the graph and fail the requester when it would close a
 * cycle — only real deadlocks cost an abort. Policy `wait-die` (Rosenkrantz et al.): a
 * transaction may wait only for *younger* ones (larger {@link TxnId}); a request that would wait
 * for an older holder or waiter dies at once, so no cycle can form even where nobody sees the
 * whole graph (several lock managers), at the price of aborts where no deadlock existed. Either
 * way the victim is always the *requester*, never a holder, so a transaction in its commit
 * (which holds locks and asks for no more) is never a victim.
 *
 * Lifetimes: locks are held until {@link LockManager.releaseAll} (commit or abort — strict 2PL)
 * or {@link LockManager.releasePartition} (a read-only 2PC participant, after its vote).
 */
import { HeliosError, invariant, serializationFailure } from '../../errors.js';
import { compatible, covers, supremum, type LockMode, type LockStep, type Resource } from './lock-modes.js';
import type { TxnId } from './txn-ids.js';

export type DeadlockPolicy = 'wait-die' | 'detect';

export interface LockManagerOptions {
  readonly policy?: DeadlockPolicy;
  /** A request waiting longer fails with SERIALIZATION_FAILURE (breaks cross-shard cycles under `detect`, and stalls). */
  readonly lockWaitTimeoutMs: number;
  /**
   * Default for a transaction with no activity on this shard for this long (and not PREPAREd):
   * reported to be aborted. IMPORTANT: a shard sees only its own part of a transaction, which
   * may be busy elsewhere; the client's idle timeout belongs to the coordinator's session, and
   * this one is a backstop that must be longer (see docs/transactions.md, "Timeouts").
   */
  readonly idleTimeoutMs: number;
  /** Run {@link LockManager.check} after every call that changes state (HELIOS_VERIFY=all; the tests). */
  readonly verify?: boolean;
}

export type AcquireResult =
  | { readonly status: 'granted' }
  | { readonly status: 'waiting' }
  | { readonly status: 'failed'; readonly error: HeliosError };

/** A parked plan finished: every lock granted (`error` absent), or it failed on the way. */
export interface Wakeup {
  readonly txn: TxnId;
  readonly error?: HeliosError;
}

/** A transaction the shard must abort (then call {@link LockManager.releaseAll}). */
export interface Expiry {
  readonly txn: TxnId;
  readonly reason: 'lock-wait' | 'idle';
  readonly error: HeliosError;
}

interface Waiter {
  readonly txn: TxnState;
  /** The mode the transaction will hold once granted (supremum with what it holds). */
  readonly target: LockMode;
  readonly upgrade: boolean;
}

interface Entry {
  resource: Resource;
  readonly holders: Map<TxnId, LockMode>;
  /** Holders per mode (index as {@link MODES}), anonymous ones included: a grant test costs 5 checks, not one per holder. */
  readonly counts: number[];
  /** Anonymous holders per mode ({@link LockManager.acquireAnonymous}): counted, never named. */
  readonly anon: number[];
  readonly queue: Waiter[];
}

const MODES: readonly LockMode[] = ['IS', 'IX', 'S', 'SIX', 'X'];
const MODE_INDEX: Record<LockMode, number> = { IS: 0, IX: 1, S: 2, SIX: 3, X: 4 };

interface TxnState {
  id: TxnId;
  /** Wait-die age: smaller is older. */
  ts: bigint;
  idleTimeoutMs: number;
  readonly held: Map<string, Resource>;
  plan: readonly LockStep[] | null;
  planAt: number;
  waitingOn: string | null;
  waitSince: number;
  lastActive: number;
  prepared: boolean;
  expired: boolean;
}

/** Released transaction states and empty entries kept for reuse (bounded). */
const POOL_MAX = 4096;

export class LockManager {
  private readonly entries = new Map<string, Entry>();
  private readonly freeEntries: Entry[] = [];
  private readonly freeTxns: TxnState[] = [];
  private readonly txns = new Map<TxnId, TxnState>();
  private readonly policy: DeadlockPolicy;

  constructor(private readonly opts: LockManagerOptions) {
    this.policy = opts.policy ?? 'wait-die';
  }

  /**
   * Registers a transaction. `ts` orders it for wait-die (default: its id, which grows with start
   * time); `idleTimeoutMs` overrides the default for this transaction (a client's `timeout_ms`).
   */
  begin(txn: TxnId, now: number, ts: bigint = txn, idleTimeoutMs = this.opts.idleTimeoutMs): void {
    invariant(!this.txns.has(txn), `lock manager: transaction ${txn} begun twice`);
    const t = this.freeTxns.pop();
    if (t) {
      t.id = txn;
      t.ts = ts;
      t.idleTimeoutMs = idleTimeoutMs;
      t.lastActive = now;
      this.txns.set(txn, t);
    } else this.txns.set(txn, { id: txn, ts, idleTimeoutMs, held: new Map(), plan: null, planAt: 0, waitingOn: null, waitSince: 0, lastActive: now, prepared: false, expired: false });
  }

  has(txn: TxnId): boolean {
    return this.txns.has(txn);
  }

  /** Takes every lock of `plan` in order, or parks the rest of the plan (see the module doc). */
  acquire(txn: TxnId, plan: LockStep | readonly LockStep[], now: number): AcquireResult {
    const t = this.txns.get(txn);
    if (!t || t.expired) return { status: 'failed', error: new HeliosError('TX_NOT_FOUND', `transaction ${txn} is not active on this shard (it ended or timed out)`) };
    invariant(t.plan === null, `lock manager: transaction ${txn} asked for locks while already waiting`);
    invariant(!t.prepared, `lock manager: PREPAREd transaction ${txn} asked for more locks`);
    t.lastActive = now;
    t.plan = Array.isArray(plan) ? plan : [plan as LockStep];
    t.planAt = 0;
    const r = this.runPlan(t, now);
    this.verify();
    if (r === 'waiting') return { status: 'waiting' };
    return r === 'granted' ? { status: 'granted' } : { status: 'failed', error: r };
  }

  /** Records activity (a statement that needed no new lock), postponing the idle timeout. */
  touch(txn: TxnId, now: number): void {
    const t = this.txns.get(txn);
    if (t) t.lastActive = now;
  }

  /** A PREPAREd transaction: never idle-expired; it keeps its locks until the decision. */
  markPrepared(txn: TxnId): void {
    const t = this.txns.get(txn);
    invariant(t !== undefined && t.plan === null, `lock manager: cannot mark ${txn} prepared`);
    t.prepared = true;
  }

  /** Releases every lock of `txn` and forgets it (commit or abort). Returns the plans that can now proceed. */
  releaseAll(txn: TxnId): Wakeup[] {
    const t = this.txns.get(txn);
    if (!t) return [];
    const wakeups: Wakeup[] = [];
    this.cancelWait(t, wakeups);
    for (const key of [...t.held.keys()]) this.releaseKey(t, key, wakeups);
    this.txns.delete(txn);
    // Reused by a later begin: auto-commit statements begin and end one each (less garbage).
    if (this.freeTxns.length < POOL_MAX) {
      t.plan = null;
      t.planAt = 0;
      t.waitSince = 0;
      t.prepared = false;
      t.expired = false;
      this.freeTxns.push(t);
    }
    this.verify();
    return wakeups;
  }

  /** Releases `txn`'s locks on one partition (a read-only participant after its vote); the transaction stays. */
  releasePartition(txn: TxnId, partition: number): Wakeup[] {
    const t = this.txns.get(txn);
    if (!t) return [];
    const wakeups: Wakeup[] = [];
    for (const [key, res] of [...t.held]) if (res.partition === partition) this.releaseKey(t, key, wakeups);
    this.verify();
    return wakeups;
  }

  /**
   * Takes every lock of `plan` for an anonymous holder if all are grantable now; otherwise takes
   * nothing and returns false. It is for a statement that takes its whole plan at once and never
   * waits while it holds (an auto-commit point statement on the router's fast path). Such a holder
   * can never be on a wait cycle, so nobody needs its name. It is only counted, which spares the
   * transaction table and the holder maps an insert and a delete each per statement. Map churn
   * in long-lived Maps allocates straight into V8's old generation (docs/api.md, "The p99 tail").
   * The resources of `plan` must be distinct (a Footprint's are). Release with
   * {@link releaseAnonymous} and the same plan.
   */
  acquireAnonymous(plan: readonly LockStep[]): boolean {
    if (!this.grantableNow(plan)) return false;
    for (let i = 0; i < plan.length; i++) {
      const step = plan[i]!;
      const m = MODE_INDEX[step.mode];
      const e = this.entryFor(step.resource);
      e.counts[m]!++;
      e.anon[m]!++;
    }
    this.verify();
    return true;
  }

  /**
   * True when {@link acquireAnonymous} would take `plan` now. Nothing is taken: for work that
   * finishes before this thread runs anything else, checking is the same as taking and releasing.
   */
  grantableNow(plan: readonly LockStep[]): boolean {
    for (let i = 0; i < plan.length; i++) {
      const step = plan[i]!;
      const e = this.entries.get(step.resource.key);
      if (e !== undefined && !this.grantable(e, null, step.mode, e.queue.length)) return false;
    }
    return true;
  }

  /** Releases what {@link acquireAnonymous} took for `plan`. Returns the plans that can now proceed. */
  releaseAnonymous(plan: readonly LockStep[]): Wakeup[] {
    const wakeups: Wakeup[] = [];
    for (let i = 0; i < plan.length; i++) {
      const step = plan[i]!;
      const e = this.entries.get(step.resource.key);
      const m = MODE_INDEX[step.mode];
      invariant(e !== undefined && e.anon[m]! > 0, `lock manager: no anonymous ${step.mode} on ${step.resource.key} to release`);
      e.counts[m]!--;
      e.anon[m]!--;
      this.pump(step.resource.key, e, wakeups);
    }
    this.verify();
    return wakeups;
  }

  /**
   * Timeouts: a request waiting `lockWaitTimeoutMs` is cancelled and reported; a transaction idle
   * for its idle timeout (not PREPAREd, not waiting) is reported once. The shard aborts each reported
   * transaction and calls {@link releaseAll}; cancelling a wait may itself wake others.
   */
  tick(now: number): { expired: Expiry[]; wakeups: Wakeup[] } {
    const expired: Expiry[] = [];
    const wakeups: Wakeup[] = [];
    for (const t of this.txns.values()) {
      if (Number.isNaN(t.lastActive)) t.lastActive = now;
      if (t.expired) continue;
      if (t.waitingOn !== null && now - t.waitSince >= this.opts.lockWaitTimeoutMs) {
        const on = t.waitingOn;
        this.cancelWait(t, wakeups);
        t.expired = true;
        expired.push({ txn: t.id, reason: 'lock-wait', error: serializationFailure(`transaction ${t.id} waited ${now - t.waitSince} ms for a lock on ${on} and was aborted; retry it`) });
      } else if (t.waitingOn === null && !t.prepared && now - t.lastActive >= t.idleTimeoutMs) {
        t.expired = true;
        expired.push({ txn: t.id, reason: 'idle', error: new HeliosError('TX_NOT_FOUND', `transaction ${t.id} was idle for ${now - t.lastActive} ms and was rolled back`) });
      }
    }
    this.verify();
    return { expired, wakeups };
  }

  /** The mode `txn` holds on `resource`, if any. */
  mode(txn: TxnId, resource: Resource): LockMode | undefined {
    return this.entries.get(resource.key)?.holders.get(txn);
  }

  /** True when `txn` holds a write-intent mode (IX, SIX, X) on anything in `partition`. */
  wroteIn(txn: TxnId, partition: number): boolean {
    const t = this.txns.get(txn);
    if (!t) return false;
    for (const [key, res] of t.held) {
      const m = this.entries.get(key)!.holders.get(txn)!;
      if (res.partition === partition && (m === 'IX' || m === 'SIX' || m === 'X')) return true;
    }
    return false;
  }

  isWaiting(txn: TxnId): boolean {
    return this.txns.get(txn)?.waitingOn != null;
  }

  /** The transactions `txn` currently waits for (empty when it is not waiting). */
  waitsFor(txn: TxnId): TxnId[] {
    const t = this.txns.get(txn);
    return t && t.waitingOn !== null ? this.blockersOfWaiter(t).map((b) => b.id) : [];
  }

  /** Counts for metrics and tests. */
  stats(): { transactions: number; resources: number; waiting: number } {
    let waiting = 0;
    for (const t of this.txns.values()) if (t.waitingOn !== null) waiting++;
    let resources = 0; // held or waited for (persistent entries stay when empty)
    for (const e of this.entries.values()) if (e.holders.size > 0 || e.queue.length > 0 || heldAnonymously(e)) resources++;
    return { transactions: this.txns.size, resources, waiting };
  }

  /** Checks the invariants (holders pairwise compatible, back-pointers, every waiter blocked by someone, no wait cycle); throws INTERNAL. */
  check(): void {
    for (const [key, e] of this.entries) {
      invariant(e.holders.size > 0 || e.queue.length > 0 || e.resource.persistent === true || heldAnonymously(e), `lock manager: empty entry ${key}`);
      const hs = [...e.holders];
      const counts = [...e.anon];
      for (const [, m] of hs) counts[MODE_INDEX[m]]!++;
      invariant(counts.every((c, i) => c === e.counts[i]) && e.anon.every((n) => n >= 0), `lock manager: mode counts of ${key} are off`);
      // Every holder's mode, the anonymous ones at most twice per mode (enough to test a mode against itself).
      const modes: LockMode[] = hs.map(([, m]) => m);
      e.anon.forEach((n, m) => modes.push(...Array<LockMode>(Math.min(n, 2)).fill(MODES[m]!)));
      for (const [id] of hs) invariant(this.txns.get(id)?.held.has(key) === true, `lock manager: holder ${id} of ${key} does not know it`);
      for (let i = 0; i < modes.length; i++) {
        for (let j = i + 1; j < modes.length; j++) invariant(compatible(modes[i]!, modes[j]!), `lock manager: incompatible holders on ${key}`);
      }
      e.queue.forEach((w, i) => {
        invariant(w.txn.waitingOn === key, `lock manager: waiter ${w.txn.id} on ${key} is not waiting there`);
        invariant(!this.grantable(e, w.txn, w.target, i), `lock manager: ${w.txn.id} waits on ${key} for nobody (a lost wakeup)`);
      });
    }
    for (const t of this.txns.values()) invariant(!this.reaches(t, t.id), `lock manager: wait cycle through ${t.id} (${this.policy})`);
  }

  // --- internals ---

  private verify(): void {
    if (this.opts.verify) this.check();
  }

  private runPlan(t: TxnState, now: number): 'granted' | 'waiting' | HeliosError {
    const plan = t.plan!;
    while (t.planAt < plan.length) {
      const r = this.tryStep(t, plan[t.planAt]!, now);
      if (r === 'waiting') return r;
      if (r !== 'granted') {
        t.plan = null;
        return r;
      }
      t.planAt++;
    }
    t.plan = null;
    return 'granted';
  }

  private tryStep(t: TxnState, step: LockStep, now: number): 'granted' | 'waiting' | HeliosError {
    const key = step.resource.key;
    const e = this.entryFor(step.resource);
    const held = e.holders.get(t.id);
    if (held !== undefined && covers(held, step.mode)) return 'granted';
    const target = held === undefined ? step.mode : supremum(held, step.mode);
    const upgrade = held !== undefined;
    const ahead = upgrade ? this.upgradeSlot(e) : e.queue.length;
    if (this.grantable(e, t, target, ahead)) {
      this.hold(e, t, target);
      return 'granted';
    }
    const blockers = this.blockers(e, t, target, ahead);
    if (this.policy === 'wait-die') {
      const older = blockers.find((b) => b.ts < t.ts);
      if (older) {
        this.dropIfEmpty(key, e);
        return serializationFailure(`transaction ${t.id} was aborted to avoid a deadlock: it would wait for ${target} on ${key} behind older transaction ${older.id} (wait-die); retry it`);
      }
    }
    const w: Waiter = { txn: t, target, upgrade };
    e.queue.splice(upgrade ? this.upgradeSlot(e) : e.queue.length, 0, w);
    t.waitingOn = key;
    t.waitSince = now;
    if (this.policy === 'detect' && blockers.some((b) => this.reaches(b, t.id))) {
      e.queue.splice(e.queue.indexOf(w), 1);
      t.waitingOn = null;
      this.dropIfEmpty(key, e);
      return serializationFailure(`transaction ${t.id} was aborted: waiting for ${target} on ${key} would deadlock; retry it`);
    }
    return 'waiting';
  }

  private entryFor(resource: Resource): Entry {
    let e = this.entries.get(resource.key);
    if (!e) {
      e = this.freeEntries.pop();
      if (e) e.resource = resource;
      else e = { resource, holders: new Map(), counts: [0, 0, 0, 0, 0], anon: [0, 0, 0, 0, 0], queue: [] };
      this.entries.set(resource.key, e);
    }
    return e;
  }

  /** Upgrades queue ahead of plain requests, behind earlier upgrades. */
  private upgradeSlot(e: Entry): number {
    let i = 0;
    while (i < e.queue.length && e.queue[i]!.upgrade) i++;
    return i;
  }

  /** True when nothing stops `t` (null: an anonymous holder) holding `target`: no incompatible holder, named or not, and no incompatible waiter among the first `ahead`. */
  private grantable(e: Entry, t: TxnState | null, target: LockMode, ahead: number): boolean {
    const own = t === null ? undefined : e.holders.get(t.id);
    for (let m = 0; m < 5; m++) {
      const n = e.counts[m]! - (own !== undefined && MODE_INDEX[own] === m ? 1 : 0);
      if (n > 0 && !compatible(MODES[m]!, target)) return false;
    }
    for (let i = 0; i < ahead; i++) {
      const w = e.queue[i]!;
      if (w.txn !== t && !compatible(w.target, target)) return false;
    }
    return true;
  }

  private hold(e: Entry, t: TxnState, mode: LockMode): void {
    const old = e.holders.get(t.id);
    if (old !== undefined) e.counts[MODE_INDEX[old]]!--;
    e.counts[MODE_INDEX[mode]]!++;
    e.holders.set(t.id, mode);
    t.held.set(e.resource.key, e.resource);
  }

  /** Who stops `t` holding `target` on `e`: incompatible other holders and incompatible waiters among the first `ahead` queued. */
  private blockers(e: Entry, t: TxnState, target: LockMode, ahead: number): TxnState[] {
    const out: TxnState[] = [];
    for (const [id, m] of e.holders) if (id !== t.id && !compatible(m, target)) out.push(this.txns.get(id)!);
    for (let i = 0; i < ahead; i++) {
      const w = e.queue[i]!;
      if (w.txn !== t && !compatible(w.target, target)) out.push(w.txn);
    }
    return out;
  }

  private blockersOfWaiter(t: TxnState): TxnState[] {
    const e = this.entries.get(t.waitingOn!)!;
    const i = e.queue.findIndex((w) => w.txn === t);
    return this.blockers(e, t, e.queue[i]!.target, i);
  }

  /** Depth-first search of the wait-for graph: does `from` (transitively) wait for `goal`? */
  private reaches(from: TxnState, goal: TxnId): boolean {
    const seen = new Set<TxnId>();
    const stack = [from];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t.waitingOn === null || seen.has(t.id)) continue;
      seen.add(t.id);
      for (const b of this.blockersOfWaiter(t)) {
        if (b.id === goal) return true;
        stack.push(b);
      }
    }
    return false;
  }

  private releaseKey(t: TxnState, key: string, wakeups: Wakeup[]): void {
    const e = this.entries.get(key)!;
    e.counts[MODE_INDEX[e.holders.get(t.id)!]]!--;
    e.holders.delete(t.id);
    t.held.delete(key);
    this.pump(key, e, wakeups);
  }

  private cancelWait(t: TxnState, wakeups: Wakeup[]): void {
    if (t.waitingOn === null) return;
    const key = t.waitingOn;
    const e = this.entries.get(key)!;
    e.queue.splice(e.queue.findIndex((w) => w.txn === t), 1);
    t.waitingOn = null;
    t.plan = null;
    this.pump(key, e, wakeups);
  }

  /** Grants queued requests of `key` in FIFO order while they are compatible with the holders and with the waiters left ahead. */
  private pump(key: string, e: Entry, wakeups: Wakeup[]): void {
    for (let i = 0; i < e.queue.length; ) {
      const w = e.queue[i]!;
      if (!this.grantable(e, w.txn, w.target, i)) {
        i++;
        continue;
      }
      e.queue.splice(i, 1);
      this.hold(e, w.txn, w.target);
      w.txn.waitingOn = null;
      w.txn.planAt++;
      // Releases carry no clock: a continued plan that waits again keeps counting from its first
      // wait (the lock-wait timeout bounds the statement's total wait), and the idle clock
      // restarts at the next tick (NaN = "now, when known").
      w.txn.lastActive = NaN;
      const r = this.runPlan(w.txn, w.txn.waitSince);
      if (r === 'granted') wakeups.push({ txn: w.txn.id });
      else if (r !== 'waiting') wakeups.push({ txn: w.txn.id, error: r });
    }
    this.dropIfEmpty(key, e);
  }

  private dropIfEmpty(key: string, e: Entry): void {
    if (e.holders.size === 0 && e.queue.length === 0 && e.resource.persistent !== true && !heldAnonymously(e)) {
      this.entries.delete(key);
      if (this.freeEntries.length < POOL_MAX) this.freeEntries.push(e); // empty: holders, counts and queue are clear
    }
  }
}

/** Whether anonymous holders hold any mode on `e` (a loop: dropIfEmpty runs at every release). */
function heldAnonymously(e: Entry): boolean {
  for (let m = 0; m < 5; m++) if (e.anon[m]! > 0) return true;
  return false;
}
