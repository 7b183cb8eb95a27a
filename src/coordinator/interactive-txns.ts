/**
 * Interactive transactions (`/v1/tx`, gRPC `Execute` with `tx_id`, the `Session` stream, the
 * library's `db.transaction`): their ids, lifetimes and limits. The router runs their statements
 * ({@link Router.runInTx}) and ends them ({@link Router.commitTx} / {@link Router.abortTx}); this
 * file decides when.
 *
 *   begin(timeout)   → id: 128 random bits in hex (ids are capabilities: unguessable)
 *   execute(id, st)  → statements of one transaction run one at a time, in call order
 *   commit / rollback → the transaction ends; its id is forgotten
 *
 * Rules:
 *   - Idle (no call in flight) for its timeout (`[transactions] default_timeout_ms`, or the
 *     client's `timeout_ms`) → rolled back, locks released; later calls get TX_NOT_FOUND.
 *   - At most `[transactions] max_concurrent` open; beyond, begin fails UNAVAILABLE (retryable).
 *   - A statement that fails after writing on two or more partitions, or fails for a reason that
 *     is not the statement's own (SERIALIZATION_FAILURE from a deadlock or the lock-wait timeout,
 *     UNAVAILABLE, INTERNAL), rolls the whole transaction back and says so; a statement failing
 *     on one partition (a constraint, a SQL error) leaves the transaction usable, as in SQLite —
 *     the partition's engine undid just that statement.
 *   - A shard serving a partition the transaction used restarts (its session there is gone) →
 *     rolled back at once on its other partitions; its next call gets SERIALIZATION_FAILURE
 *     (retryable) once, then the id is unknown (TX_NOT_FOUND).
 */
import { randomBytes } from 'node:crypto';
import { HeliosError, serializationFailure, unavailable } from '../errors.js';
import type { ExecResult } from '../sql/index.js';
import type { Router, Stmt, TxHandle } from './router.js';

export interface InteractiveOptions {
  readonly defaultTimeoutMs: number;
  readonly maxConcurrent: number;
}

interface OpenTxn {
  readonly id: string;
  readonly h: TxHandle;
  readonly timeoutMs: number;
  /** The previous call's completion: calls of one transaction run in order. */
  chain: Promise<unknown>;
  inFlight: number;
  timer: NodeJS.Timeout | null;
  /** Set once it is rolled back by the server (timeout, restart, failed statement): the error its next call gets. */
  ended: HeliosError | null;
}

export interface InteractiveStats {
  open: number;
  begun: number;
  committed: number;
  rolledBack: number;
  timedOut: number;
  /** Rolled back by the server after a failed statement, a deadlock, or a shard restart. */
  aborted: number;
}

const MAX_TIMEOUT_MS = 3_600_000;

export class InteractiveTxns {
  private readonly open = new Map<string, OpenTxn>();
  readonly stats: InteractiveStats = { open: 0, begun: 0, committed: 0, rolledBack: 0, timedOut: 0, aborted: 0 };

  constructor(private readonly router: Router, private readonly o: InteractiveOptions) {}

  /** Opens a transaction; `timeoutMs` (1 … 3,600,000) overrides the default idle timeout. */
  begin(timeoutMs?: number): string {
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)) throw new HeliosError('BAD_REQUEST', `timeout_ms must be an integer from 1 to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(timeoutMs)}`);
    if (this.open.size >= this.o.maxConcurrent) throw unavailable(`too many open transactions (${this.open.size}; [transactions] max_concurrent = ${this.o.maxConcurrent}): retry later`);
    const id = randomBytes(16).toString('hex');
    const t: OpenTxn = { id, h: this.router.beginTx(), timeoutMs: timeoutMs ?? this.o.defaultTimeoutMs, chain: Promise.resolve(), inFlight: 0, timer: null, ended: null };
    this.open.set(id, t);
    this.stats.begun++;
    this.stats.open = this.open.size;
    this.arm(t);
    return id;
  }

  /** Runs one statement in transaction `id`. */
  execute(id: string, st: Stmt): Promise<ExecResult> {
    return this.call(id, async (t) => {
      const dtx = t.h.dtx;
      try {
        return await this.router.runInTx(t.h, st);
      } catch (e) {
        const err = HeliosError.from(e);
        const own = err.code === 'SQL_ERROR' || err.code === 'SQL_SYNTAX' || err.code === 'CONSTRAINT' || err.code === 'BAD_REQUEST';
        if (own && dtx.stmtWrote.size <= 1 && dtx.lostPartition() === undefined) throw err;
        await this.end(t, null);
        this.stats.aborted++;
        throw new HeliosError(err.code, `${err.message}${/rolled back/.test(err.message) ? '' : '; the transaction was rolled back'}`, { ...(err.constraint ? { constraint: err.constraint } : {}) });
      }
    });
  }

  commit(id: string): Promise<void> {
    return this.call(id, async (t) => {
      this.forget(t);
      try {
        await this.router.commitTx(t.h);
        this.stats.committed++;
      } catch (e) {
        this.stats.aborted++;
        throw e;
      }
    });
  }

  rollback(id: string): Promise<void> {
    return this.call(id, async (t) => {
      await this.end(t, null);
      this.stats.rolledBack++;
    });
  }

  /** True while `id` names an open transaction (the gRPC Session checks its own). */
  has(id: string): boolean {
    const t = this.open.get(id);
    return !!t && t.ended === null;
  }

  /**
   * A shard serving `partitions` died: every open transaction that used one of them is rolled
   * back on the others now (after its statement in flight, if any), and its next call fails.
   */
  partitionsLost(partitions: readonly number[]): void {
    for (const t of this.open.values()) {
      if (t.ended || !partitions.some((p) => t.h.dtx.touched.has(p))) continue;
      const why = serializationFailure(`transaction ${t.id} was rolled back: the shard serving partition ${partitions.find((p) => t.h.dtx.touched.has(p))} restarted; retry it`);
      t.h.cancelled = true;
      t.ended = why;
      this.stats.aborted++;
      t.chain = t.chain.then(() => this.router.abortTx(t.h)).catch(() => undefined);
    }
  }

  /** Rolls back every open transaction (shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open.values()].map((t) => this.call(t.id, (x) => this.end(x, null)).catch(() => undefined)));
  }

  private async call<T>(id: string, fn: (t: OpenTxn) => Promise<T>): Promise<T> {
    const t = this.open.get(id);
    if (!t) throw notFound(id);
    if (t.ended) {
      this.forget(t);
      throw t.ended;
    }
    t.inFlight++;
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    const run = t.chain.then(async () => {
      if (t.ended) throw t.ended;
      if (!this.open.has(id)) throw notFound(id);
      return fn(t);
    });
    t.chain = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      t.inFlight--;
      if (t.inFlight === 0 && this.open.has(id)) this.arm(t);
    }
  }

  /** Rolls `t` back and forgets it (`why`: the error its next call gets; null = forgotten at once). */
  private async end(t: OpenTxn, why: HeliosError | null): Promise<void> {
    t.h.cancelled = true;
    if (why) t.ended = why;
    else this.forget(t);
    await this.router.abortTx(t.h);
  }

  private forget(t: OpenTxn): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    this.open.delete(t.id);
    this.stats.open = this.open.size;
  }

  private arm(t: OpenTxn): void {
    if (t.timer) clearTimeout(t.timer);
    // A lost transaction is kept only until its timeout, to answer its next call.
    t.timer = setTimeout(() => {
      t.timer = null;
      if (t.inFlight > 0) return;
      if (t.ended === null) {
        this.stats.timedOut++;
        t.h.cancelled = true;
        t.chain = t.chain.then(() => this.router.abortTx(t.h)).catch(() => undefined);
      }
      this.forget(t);
    }, t.timeoutMs);
    t.timer.unref();
  }
}

const notFound = (id: string): HeliosError => new HeliosError('TX_NOT_FOUND', `transaction ${JSON.stringify(id)} does not exist: it committed, rolled back, or timed out`);
