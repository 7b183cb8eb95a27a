/**
 * The coordinator's open transactions, as a pure bookkeeping class (no clock, no I/O): which
 * partitions each transaction touched and on which shards it has begun, its client idle timeout,
 * and what to do at commit, rollback, timeout and shard restart. It is the session half of the
 * transaction manager; {@link TwoPhaseCommit} is the commit half, and the shell performs the
 * {@link Effect}s of both the same way.
 *
 * The rule it exists for: a shard that restarted (or rolled a transaction back on its own) has
 * lost its part of every transaction begun there. The next statement must fail with TX_NOT_FOUND
 * and the rest of the transaction must be aborted. Otherwise that statement would silently begin
 * the transaction afresh on the restarted shard, and a later commit would make a transaction
 * durable without its earlier writes there.
 */
import { HeliosError, invariant } from '../../errors.js';
import type { TxnId } from '../../shard/txn/messages.js';
import type { Effect, TwoPhaseCommit } from './two-phase-commit.js';
import type { TxnIdAllocator } from './txn-ids.js';

export interface TxnSessionsOptions {
  readonly ids: TxnIdAllocator;
  readonly twoPc: TwoPhaseCommit;
  /** The shard serving a partition now. */
  readonly shardOf: (partition: number) => number;
  /** The client's idle timeout when it asks for none (`transactions.default_timeout_ms`). */
  readonly defaultTimeoutMs: number;
  /** Added to the client's timeout for the shards' backstop timeout (see docs/transactions.md, "Timeouts"). */
  readonly shardTimeoutMarginMs: number;
}

/** Where a statement goes: one entry per partition, `begin` set on the first use of its shard. */
export interface RouteStep {
  readonly partition: number;
  readonly shard: number;
  /** Begin the transaction on this shard first, with this wait-die age and backstop idle timeout. */
  readonly begin: { readonly ts: bigint; readonly idleTimeoutMs: number } | null;
}

export type CommitPlan =
  /** Nothing was touched: the transaction simply ends. */
  | { readonly kind: 'empty' }
  /** One partition: commit it there in one phase, then call {@link TxnSessions.end}. */
  | { readonly kind: 'one-phase'; readonly partition: number; readonly shard: number }
  /** Several: two-phase commit has taken over; perform the effects. */
  | { readonly kind: 'two-phase'; readonly partitions: readonly number[]; readonly effects: Effect[] };

interface Session {
  readonly txn: TxnId;
  readonly ts: bigint;
  readonly timeoutMs: number;
  readonly partitions: Set<number>;
  readonly shards: Set<number>;
  lastActive: number;
  committing: boolean;
}

export class TxnSessions {
  private readonly open = new Map<TxnId, Session>();

  constructor(private readonly opts: TxnSessionsOptions) {}

  /**
   * Opens a transaction. `retryOf` is the transaction this one retries, when the coordinator
   * itself retries (an atomic batch after SERIALIZATION_FAILURE): the retry keeps the first
   * attempt's wait-die age, so it grows older with each retry and cannot starve.
   */
  begin(now: number, timeoutMs = this.opts.defaultTimeoutMs, retryOf?: { readonly ts: bigint }): TxnId {
    const txn = this.opts.ids.next();
    this.open.set(txn, { txn, ts: retryOf?.ts ?? txn, timeoutMs, partitions: new Set(), shards: new Set(), lastActive: now, committing: false });
    return txn;
  }

  /** Routes a statement of `txn` that touches `partitions`; throws TX_NOT_FOUND for an unknown, ended or lost transaction. */
  route(txn: TxnId, partitions: readonly number[], now: number): RouteStep[] {
    const s = this.session(txn);
    s.lastActive = now;
    return partitions.map((partition) => {
      const shard = this.opts.shardOf(partition);
      s.partitions.add(partition);
      const first = !s.shards.has(shard);
      s.shards.add(shard);
      return { partition, shard, begin: first ? { ts: s.ts, idleTimeoutMs: s.timeoutMs + this.opts.shardTimeoutMarginMs } : null };
    });
  }

  /** Starts the commit (see {@link CommitPlan}). */
  commit(txn: TxnId, now: number): CommitPlan {
    const s = this.session(txn);
    const parts = [...s.partitions].sort((a, b) => a - b);
    if (parts.length === 0) {
      this.open.delete(txn);
      return { kind: 'empty' };
    }
    if (parts.length === 1) {
      s.committing = true;
      return { kind: 'one-phase', partition: parts[0]!, shard: this.opts.shardOf(parts[0]!) };
    }
    this.open.delete(txn);
    return { kind: 'two-phase', partitions: parts, effects: this.opts.twoPc.commit(txn, parts, now) };
  }

  /** The one-phase commit's reply arrived (either way): the session ends. */
  end(txn: TxnId): void {
    this.open.delete(txn);
  }

  /** Client ROLLBACK (or a failed statement in an atomic batch): ABORT to every partition touched. */
  rollback(txn: TxnId): Effect[] {
    const s = this.session(txn);
    this.open.delete(txn);
    return this.opts.twoPc.abort(txn, [...s.partitions]);
  }

  /**
   * The shard serving `partitions` restarted: every open transaction begun there is lost (its
   * other partitions are aborted), and two-phase commits in flight are told.
   */
  shardRestarted(shard: number, partitions: readonly number[], now: number): { lost: TxnId[]; effects: Effect[] } {
    const lost: TxnId[] = [];
    const effects: Effect[] = [];
    for (const s of [...this.open.values()]) {
      if (!s.shards.has(shard)) continue;
      if (s.committing) continue; // its one-phase reply (an error) will end it
      lost.push(s.txn);
      effects.push(...this.rollback(s.txn));
    }
    effects.push(...this.opts.twoPc.partitionsRestarted(partitions, now));
    return { lost, effects };
  }

  /** Client idle timeouts: each expired transaction is rolled back everywhere; later calls get TX_NOT_FOUND. */
  tick(now: number): { expired: TxnId[]; effects: Effect[] } {
    const expired: TxnId[] = [];
    const effects: Effect[] = [];
    for (const s of [...this.open.values()]) {
      if (s.committing || now - s.lastActive < s.timeoutMs) continue;
      expired.push(s.txn);
      effects.push(...this.rollback(s.txn));
    }
    return { expired, effects };
  }

  /** The wait-die age of an open transaction (to pass as `retryOf` when retrying it). */
  ageOf(txn: TxnId): { ts: bigint } {
    const s = this.open.get(txn);
    if (!s) throw new HeliosError('TX_NOT_FOUND', `transaction ${txn} is not open`);
    return { ts: s.ts };
  }

  /** Open sessions (for metrics and tests). */
  get size(): number {
    return this.open.size;
  }

  private session(txn: TxnId): Session {
    const s = this.open.get(txn);
    if (!s) throw new HeliosError('TX_NOT_FOUND', `transaction ${txn} is unknown, ended, timed out or was lost with a restarted shard`);
    invariant(!s.committing, `txn sessions: transaction ${txn} used while committing`);
    return s;
  }
}
