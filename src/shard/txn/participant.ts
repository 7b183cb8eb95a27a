/**
 * The shard side of transactions: one {@link Participant} per shard keeps each open transaction's
 * storage transactions (one per partition it touched), takes its locks through the shard's
 * {@link LockManager}, and plays the participant of two-phase commit for each partition
 * ({@link Participant.step}). Pure apart from the storage calls it makes on the shard's own
 * partitions: no clock (callers pass `now`), no messages sent — outputs are returned.
 *
 * 2PC, per partition (participants are partitions, see `messages.ts`):
 *   - `prepare`: nothing written there → commit the (empty) storage txn, release that partition's
 *     locks, vote `read-only`. Otherwise `StorageTxn.prepare(gid)` — which fdatasyncs the PREPARE
 *     record with the writes, whatever the WAL mode — then vote `yes` and keep every lock. Any
 *     failure, or a transaction this shard no longer knows (timed out, shard restarted), votes `no`.
 *   - `commit` / `abort`: apply to the storage txn, idempotently (an unknown transaction was
 *     already resolved and forgotten: just ack); release the locks once every partition of the
 *     transaction on this shard is resolved.
 *   - restart: {@link Participant.recover} finds the PREPAREd transactions of every partition
 *     (their writes are back in the trees), fences each such partition with an X lock held by a
 *     synthetic recovery transaction (storage does not tell which rows a recovered transaction
 *     wrote, so the whole partition is locked — in-doubt transactions are rare and short-lived),
 *     and asks the coordinator for each outcome (`inquire`). The fence drops when the last
 *     in-doubt transaction of the partition is resolved.
 *
 * IMPORTANT: read-only detection (the `read-only` vote, {@link Participant.commitOnePhase}) trusts
 * the locks: a partition counts as written when the transaction holds IX/SIX/X there. The
 * executor must take its write plan before every write (it must anyway, for isolation).
 *
 * IMPORTANT: the `out` messages of every call must be sent only after the batch's group commit
 * (`Partition.sync()` of the partitions written): an `ack` promises the COMMIT is durable, and the
 * coordinator forgets its decision on the last ack. The shard loop already syncs before replying.
 */
import { HeliosError, invariant } from '../../errors.js';
import type { Partition, StorageTxn } from '../../storage/api.js';
import { lockPlans, type LockStep } from './lock-modes.js';
import { LockManager, type AcquireResult, type Wakeup } from './lock-manager.js';
import { gidOf, txnId, txnOfGid, type ToCoordinator, type ToParticipant, type TxnId, type Vote } from './messages.js';

export interface ParticipantOptions {
  readonly shard: number;
  /** The partitions this shard owns, opened and recovered. */
  readonly partitions: ReadonlyMap<number, Partition>;
  readonly locks: LockManager;
}

export interface ParticipantOutput {
  /** To the coordinator, after the batch's group commit. */
  readonly out: ToCoordinator[];
  /** Parked lock plans that may resume (or that failed: their statement returns the error). */
  readonly wakeups: Wakeup[];
  /** Transactions this call rolled back on its own (timeouts), with the error for their client. */
  readonly aborted: { readonly txn: TxnId; readonly error: HeliosError }[];
}

interface PartTxn {
  /** Null for a partition the coordinator named but this transaction never touched. */
  readonly storage: StorageTxn | null;
  state: 'active' | 'prepared' | 'done';
}

interface TxnEntry {
  readonly id: TxnId;
  readonly parts: Map<number, PartTxn>;
}

/** In-doubt transactions never wait, so their age only decides who waits for them: everyone (the youngest age). */
const RECOVERED_TS = (1n << 63n) - 1n;
/** The synthetic transaction that fences partition p after recovery: negative, so never a real id. */
const fenceOf = (p: number): TxnId => txnId(-1 - p);

const none = (): ParticipantOutput => ({ out: [], wakeups: [], aborted: [] });

export class Participant {
  private readonly txns = new Map<TxnId, TxnEntry>();
  /** Partition → its in-doubt transactions still unresolved (the fence holds while non-empty). */
  private readonly fences = new Map<number, Set<TxnId>>();

  constructor(private readonly opts: ParticipantOptions) {}

  get locks(): LockManager {
    return this.opts.locks;
  }

  /**
   * Run once after the partitions are opened: re-adopts every PREPAREd transaction (keeping the
   * partition fenced) and asks the coordinator for its outcome.
   */
  recover(now: number): ParticipantOutput {
    const res = none();
    for (const [p, part] of this.opts.partitions) {
      const prepared = part.preparedTransactions();
      if (prepared.size === 0) continue;
      const fence = fenceOf(p);
      this.locks.begin(fence, now, RECOVERED_TS);
      const r = this.locks.acquire(fence, lockPlans.exclusivePartition(p), now);
      invariant(r.status === 'granted', `participant: recovery fence on partition ${p} not granted`);
      this.locks.markPrepared(fence);
      const pending = new Set<TxnId>();
      this.fences.set(p, pending);
      for (const [gid, storage] of prepared) {
        const id = txnOfGid(gid);
        if (id === null) throw new HeliosError('INTERNAL', `participant: partition ${p} holds a PREPAREd transaction with a foreign gid '${gid}'`);
        let t = this.txns.get(id);
        if (!t) {
          t = { id, parts: new Map() };
          this.txns.set(id, t);
        }
        t.parts.set(p, { storage, state: 'prepared' });
        pending.add(id);
        res.out.push({ kind: 'inquire', txn: id, partition: p });
      }
    }
    return res;
  }

  /** Starts `txn` on this shard (its first statement here); see {@link LockManager.begin} for `ts` and `idleTimeoutMs`. */
  begin(txn: TxnId, now: number, ts?: bigint, idleTimeoutMs?: number): void {
    invariant(txn >= 0n, `participant: transaction ids are non-negative (${txn})`);
    if (this.txns.has(txn)) throw new HeliosError('INTERNAL', `participant: transaction ${txn} already open on shard ${this.opts.shard}`);
    this.txns.set(txn, { id: txn, parts: new Map() });
    this.locks.begin(txn, now, ts, idleTimeoutMs);
  }

  isOpen(txn: TxnId): boolean {
    return this.txns.has(txn);
  }

  /** In-doubt transactions (PREPAREd, outcome unknown), for status and tests. */
  inDoubt(): TxnId[] {
    const out = new Set<TxnId>();
    for (const s of this.fences.values()) for (const t of s) out.add(t);
    return [...out];
  }

  /** The storage transaction of `txn` on `partition`, begun on first use. */
  storage(txn: TxnId, partition: number): StorageTxn {
    const t = this.active(txn);
    let pt = t.parts.get(partition);
    if (!pt) {
      const part = this.opts.partitions.get(partition);
      if (!part) throw new HeliosError('INTERNAL', `participant: shard ${this.opts.shard} does not own partition ${partition}`);
      pt = { storage: part.begin(), state: 'active' };
      t.parts.set(partition, pt);
    }
    invariant(pt.state === 'active' && pt.storage !== null, `participant: transaction ${txn} used partition ${partition} after PREPARE`);
    return pt.storage;
  }

  /** Takes the locks of `plan` for `txn` (see {@link LockManager.acquire}). */
  lock(txn: TxnId, plan: LockStep | readonly LockStep[], now: number): AcquireResult {
    if (!this.txns.has(txn)) return { status: 'failed', error: notFound(txn) };
    return this.locks.acquire(txn, plan, now);
  }

  /**
   * One-phase commit: the fast path for a transaction that wrote at most one partition (it may
   * have read others). Returns the commit LSN of the written partition (0n when none) and the
   * plans its released locks let proceed. Durable after the batch's group commit.
   */
  commitOnePhase(txn: TxnId): { lsn: bigint; wakeups: Wakeup[] } {
    const t = this.active(txn);
    const writers = [...t.parts.keys()].filter((p) => this.locks.wroteIn(txn, p));
    if (writers.length > 1) throw new HeliosError('INTERNAL', `participant: transaction ${txn} wrote partitions ${writers.join(', ')}: it needs two-phase commit`);
    let lsn = 0n;
    try {
      for (const [p, pt] of t.parts) {
        const l = pt.storage?.commit() ?? 0n;
        if (writers.includes(p)) lsn = l;
        pt.state = 'done';
      }
    } catch (e) {
      this.rollback(txn);
      throw e;
    }
    this.txns.delete(txn);
    return { lsn, wakeups: this.locks.releaseAll(txn) };
  }

  /**
   * Rolls back `txn` on every partition of this shard and releases its locks (idempotent): a
   * client ROLLBACK, a failed statement, a lost session. A PREPAREd transaction is refused
   * (INTERNAL): only its coordinator's decision may end it.
   */
  abort(txn: TxnId): Wakeup[] {
    const t = this.txns.get(txn);
    if (t) for (const pt of t.parts.values()) invariant(pt.state !== 'prepared', `participant: transaction ${txn} is PREPAREd; only its coordinator may abort it`);
    return this.rollback(txn);
  }

  /** {@link abort} without the PREPAREd check: the coordinator's ABORT, or this shard's own failed PREPARE. */
  private rollback(txn: TxnId): Wakeup[] {
    const t = this.txns.get(txn);
    if (!t) return [];
    const wakeups: Wakeup[] = [];
    for (const [p, pt] of t.parts) wakeups.push(...this.resolve(t, p, pt, false));
    return [...wakeups, ...this.finish(t)];
  }

  /** Handles one 2PC message for one of this shard's partitions. */
  step(msg: ToParticipant, now: number): ParticipantOutput {
    const res = none();
    const t = this.txns.get(msg.txn);
    const p = msg.partition;
    switch (msg.kind) {
      case 'prepare': {
        res.out.push({ kind: 'vote', txn: msg.txn, partition: p, vote: t ? this.prepare(t, p, res, now) : 'no' });
        break;
      }
      case 'commit':
      case 'abort': {
        const pt = t?.parts.get(p);
        if (t && pt && pt.state !== 'done') {
          invariant(msg.kind === 'abort' || pt.state === 'prepared', `participant: COMMIT of transaction ${msg.txn} on partition ${p} that never voted yes`);
          if (msg.kind === 'abort') {
            res.wakeups.push(...this.rollback(msg.txn));
          } else {
            res.wakeups.push(...this.resolve(t, p, pt, true));
            if ([...t.parts.values()].every((x) => x.state === 'done')) res.wakeups.push(...this.finish(t));
          }
        }
        res.out.push({ kind: 'ack', txn: msg.txn, partition: p });
        break;
      }
    }
    return res;
  }

  /** Timeouts: rolls back transactions whose lock wait or idle time ran out. */
  tick(now: number): ParticipantOutput {
    const res = none();
    const { expired, wakeups } = this.locks.tick(now);
    res.wakeups.push(...wakeups);
    for (const x of expired) {
      res.wakeups.push(...this.abort(x.txn));
      this.locks.releaseAll(x.txn); // a transaction with no storage txn yet is only in the lock manager
      res.aborted.push({ txn: x.txn, error: x.error });
    }
    return res;
  }

  // --- internals ---

  private prepare(t: TxnEntry, p: number, res: ParticipantOutput, now: number): Vote {
    const pt = t.parts.get(p);
    if (pt?.state === 'prepared') return 'yes'; // a repeated PREPARE (coordinator resent it)
    if (pt?.state === 'done') return 'read-only';
    if (this.locks.isWaiting(t.id)) {
      res.wakeups.push(...this.abort(t.id));
      return 'no';
    }
    if (!pt || !this.locks.wroteIn(t.id, p)) {
      if (pt) res.wakeups.push(...this.resolve(t, p, pt, true));
      else t.parts.set(p, { storage: null, state: 'done' });
      res.wakeups.push(...this.locks.releasePartition(t.id, p));
      if ([...t.parts.values()].every((x) => x.state === 'done')) res.wakeups.push(...this.finish(t));
      return 'read-only';
    }
    try {
      pt.storage!.prepare(gidOf(t.id));
    } catch {
      res.wakeups.push(...this.rollback(t.id)); // other partitions here may have voted yes: the coordinator aborts them all
      return 'no';
    }
    pt.state = 'prepared';
    if (this.locks.has(t.id)) {
      this.locks.touch(t.id, now);
      this.locks.markPrepared(t.id);
    }
    return 'yes';
  }

  /** Ends one partition's storage txn; returns the plans a dropped recovery fence lets proceed. */
  private resolve(t: TxnEntry, p: number, pt: PartTxn, commit: boolean): Wakeup[] {
    if (pt.state === 'done') return [];
    if (commit) pt.storage?.commit();
    else pt.storage?.abort();
    pt.state = 'done';
    const pending = this.fences.get(p);
    if (pending?.delete(t.id) && pending.size === 0) {
      this.fences.delete(p);
      return this.locks.releaseAll(fenceOf(p));
    }
    return [];
  }

  private finish(t: TxnEntry): Wakeup[] {
    this.txns.delete(t.id);
    return this.locks.releaseAll(t.id);
  }

  private active(txn: TxnId): TxnEntry {
    const t = this.txns.get(txn);
    if (!t) throw notFound(txn);
    return t;
  }
}

function notFound(txn: TxnId): HeliosError {
  return new HeliosError('TX_NOT_FOUND', `transaction ${txn} is not open on this shard (it ended, timed out, or the shard restarted)`);
}
