/**
 * The coordinator side of two-phase commit, as a pure state machine: no clock (calls take
 * `now`), no I/O. It returns {@link Effect}s; the shell (the coordinator's transaction manager)
 * performs them in this order each turn: (1) append every `log-commit` to the
 * {@link DecisionLog} and `sync()` once — group commit of decisions — then call
 * {@link TwoPhaseCommit.decisionsDurable}; (2) send every `send`; (3) answer every `outcome`;
 * (4) append `log-forget`s (no sync needed).
 *
 * ```
 *  client      coordinator (this)          decision log         partition p (Participant)
 *    │ COMMIT ──▶ commit(): preparing
 *    │           ├── prepare ─────────────────────────────────────▶ PREPARE logged + fdatasync
 *    │           ◀── vote yes / read-only / no ─────────────────────┤ (keeps its locks)
 *    │           all yes ─▶ logging ── log-commit ──▶ append+sync
 *    │           ◀── decisionsDurable() ───────────────┘   ← the commit point
 *    ◀─ outcome ─┤ committing ── commit ──────────────────────────▶ RESOLVE_COMMIT, group commit
 *    │           ◀── ack ──────────────────────────────────────────┤ releases its locks
 *    │           all acked ─▶ log-forget ──────▶ append (lazy)
 * ```
 * Presumed abort: an abort is never logged. Any `no` vote or a vote timeout aborts at once
 * (`abort` to every participant, outcome SERIALIZATION_FAILURE) and the transaction is forgotten;
 * a later vote or inquiry about a transaction the coordinator does not know is answered `abort`.
 * A COMMIT is re-sent every `resendMs` until acked, to partitions named by
 * {@link TwoPhaseCommit.partitionsRestarted} at once, and to every live decision after a restart
 * ({@link TwoPhaseCommit.restore}). Read-only participants drop out after their vote; when all
 * are read-only nothing is logged, and when exactly one votes yes its COMMIT is sent unlogged
 * and the client is answered at its ack (see {@link TwoPhaseCommit.step}'s single-writer path).
 */
import { invariant, serializationFailure, type HeliosError } from '../../errors.js';
import type { ToCoordinator, ToParticipant, TxnId, Vote } from '../../shard/txn/messages.js';

export type Effect =
  | { readonly kind: 'send'; readonly msg: ToParticipant }
  /** Append to the decision log, sync, then call {@link TwoPhaseCommit.decisionsDurable}. */
  | { readonly kind: 'log-commit'; readonly txn: TxnId; readonly partitions: readonly number[] }
  | { readonly kind: 'log-forget'; readonly txn: TxnId }
  /** Answer the client: committed (the decision is durable), or aborted with `error`. */
  | { readonly kind: 'outcome'; readonly txn: TxnId; readonly committed: boolean; readonly error?: HeliosError };

export interface TwoPhaseCommitOptions {
  /** How long to wait for every vote before aborting. */
  readonly voteTimeoutMs: number;
  /** How often to resend COMMIT to partitions that have not acked. */
  readonly resendMs: number;
}

type State = 'preparing' | 'logging' | 'committing';

interface Dtx {
  readonly txn: TxnId;
  readonly partitions: readonly number[];
  state: State;
  readonly votes: Map<number, Vote>;
  /** Partitions that voted yes: the ones the decision names and that must ack. */
  yes: number[];
  /** False on the single-writer path: the decision was never logged, the client hears at the ack. */
  logged: boolean;
  readonly unacked: Set<number>;
  deadline: number;
  lastSend: number;
}

export class TwoPhaseCommit {
  private readonly active = new Map<TxnId, Dtx>();

  constructor(private readonly opts: TwoPhaseCommitOptions) {}

  /** After a restart: drive every live decision of the log to completion (resend COMMIT). */
  restore(live: ReadonlyMap<TxnId, readonly number[]>, now: number): Effect[] {
    const fx: Effect[] = [];
    for (const [txn, parts] of live) {
      if (this.active.has(txn)) continue;
      const d: Dtx = { txn, partitions: parts, state: 'committing', votes: new Map(), yes: [...parts], logged: true, unacked: new Set(parts), deadline: now, lastSend: now };
      this.active.set(txn, d);
      for (const p of parts) fx.push(send('commit', txn, p));
    }
    return fx;
  }

  /** Starts the commit of `txn`, which touched `partitions` (two or more; one partition commits alone). */
  commit(txn: TxnId, partitions: readonly number[], now: number): Effect[] {
    invariant(!this.active.has(txn), `2pc: transaction ${txn} committed twice`);
    invariant(partitions.length > 0 && new Set(partitions).size === partitions.length, `2pc: bad participant list for ${txn}`);
    const d: Dtx = { txn, partitions: [...partitions], state: 'preparing', votes: new Map(), yes: [], logged: true, unacked: new Set(), deadline: now + this.opts.voteTimeoutMs, lastSend: now };
    this.active.set(txn, d);
    return partitions.map((p) => send('prepare', txn, p));
  }

  /** Rolls back a transaction that has not reached its decision (client ROLLBACK, failed statement). */
  abort(txn: TxnId, partitions: readonly number[]): Effect[] {
    const d = this.active.get(txn);
    invariant(d === undefined || d.state === 'preparing', `2pc: abort of ${txn} after its commit decision`);
    this.active.delete(txn);
    return partitions.map((p) => send('abort', txn, p));
  }

  step(msg: ToCoordinator, now: number): Effect[] {
    const d = this.active.get(msg.txn);
    switch (msg.kind) {
      case 'vote':
        if (!d) return msg.vote === 'yes' ? [send('abort', msg.txn, msg.partition)] : []; // presumed abort
        if (d.state !== 'preparing' || !d.partitions.includes(msg.partition)) return [];
        return this.vote(d, msg.partition, msg.vote, now);
      case 'inquire':
        if (!d) return [send('abort', msg.txn, msg.partition)]; // presumed abort
        if (d.state === 'committing') return d.unacked.has(msg.partition) ? [send('commit', d.txn, msg.partition)] : [];
        // A prepared participant asking while votes are out: its PREPARE is durable, so it voted yes (the vote may have been lost).
        if (d.state === 'preparing' && d.partitions.includes(msg.partition) && !d.votes.has(msg.partition)) return this.vote(d, msg.partition, 'yes', now);
        return [];
      case 'ack':
        if (d?.state !== 'committing' || !d.unacked.delete(msg.partition) || d.unacked.size > 0) return [];
        this.active.delete(d.txn);
        return d.logged ? [{ kind: 'log-forget', txn: d.txn }] : [{ kind: 'outcome', txn: d.txn, committed: true }];
    }
  }

  /** The shell made these `log-commit`s durable: the commit point. */
  decisionsDurable(txns: readonly TxnId[], now: number): Effect[] {
    const fx: Effect[] = [];
    for (const txn of txns) {
      const d = this.active.get(txn);
      invariant(d?.state === 'logging', `2pc: decision of ${txn} made durable in state ${d?.state}`);
      d.state = 'committing';
      d.lastSend = now;
      for (const p of d.yes) d.unacked.add(p);
      fx.push({ kind: 'outcome', txn, committed: true });
      for (const p of d.yes) fx.push(send('commit', txn, p));
    }
    return fx;
  }

  /** Vote timeouts abort; unacked COMMITs are resent. */
  tick(now: number): Effect[] {
    const fx: Effect[] = [];
    for (const d of [...this.active.values()]) {
      if (d.state === 'preparing' && now >= d.deadline) {
        fx.push(...this.abortPreparing(d, serializationFailure(`transaction ${d.txn} aborted: not every partition voted within ${this.opts.voteTimeoutMs} ms; retry it`)));
      } else if (d.state === 'committing' && now - d.lastSend >= this.opts.resendMs) {
        d.lastSend = now;
        for (const p of d.unacked) fx.push(send('commit', d.txn, p));
      }
    }
    return fx;
  }

  /**
   * The shards serving `partitions` restarted (their in-flight messages are lost): transactions
   * still waiting for a vote from one of them abort now (a PREPAREd one would inquire, but an
   * unprepared one lost its writes), and COMMITs they have not acked are resent.
   */
  partitionsRestarted(partitions: readonly number[], now: number): Effect[] {
    const fx: Effect[] = [];
    for (const d of [...this.active.values()]) {
      const hit = partitions.filter((p) => d.partitions.includes(p));
      if (hit.length === 0) continue;
      if (d.state === 'preparing' && hit.some((p) => !d.votes.has(p))) {
        fx.push(...this.abortPreparing(d, serializationFailure(`transaction ${d.txn} aborted: the shard serving partition ${hit[0]} restarted before it voted; retry it`)));
      } else if (d.state === 'committing') {
        d.lastSend = now;
        for (const p of hit) if (d.unacked.has(p)) fx.push(send('commit', d.txn, p));
      }
    }
    return fx;
  }

  /** Distributed transactions not yet forgotten (for metrics and tests). */
  inFlight(): { txn: TxnId; state: State }[] {
    return [...this.active.values()].map((d) => ({ txn: d.txn, state: d.state }));
  }

  private vote(d: Dtx, p: number, v: Vote, now: number): Effect[] {
    if (d.votes.has(p)) return [];
    if (v === 'no') return this.abortPreparing(d, serializationFailure(`transaction ${d.txn} aborted: partition ${p} could not prepare it (it timed out, conflicted or its shard restarted); retry it`));
    d.votes.set(p, v);
    if (d.votes.size < d.partitions.length) return [];
    d.yes = d.partitions.filter((x) => d.votes.get(x) === 'yes');
    if (d.yes.length === 0) {
      this.active.delete(d.txn);
      return [{ kind: 'outcome', txn: d.txn, committed: true }];
    }
    if (d.yes.length === 1) {
      // Single writer (every other partition read-only): no decision to log. The one PREPAREd
      // partition commits; the client hears only at its ack. If the coordinator dies first, the
      // in-doubt partition inquires and is told abort (nothing logged), and nobody was told
      // otherwise. This saves the decision log's fdatasync.
      d.state = 'committing';
      d.logged = false;
      d.lastSend = now;
      d.unacked.add(d.yes[0]!);
      return [send('commit', d.txn, d.yes[0]!)];
    }
    d.state = 'logging';
    return [{ kind: 'log-commit', txn: d.txn, partitions: d.yes }];
  }

  private abortPreparing(d: Dtx, error: HeliosError): Effect[] {
    this.active.delete(d.txn);
    const fx: Effect[] = [{ kind: 'outcome', txn: d.txn, committed: false, error }];
    for (const p of d.partitions) if (d.votes.get(p) !== 'read-only') fx.push(send('abort', d.txn, p));
    return fx;
  }
}

function send(kind: ToParticipant['kind'], txn: TxnId, partition: number): Effect {
  return { kind: 'send', msg: { kind, txn, partition } };
}
