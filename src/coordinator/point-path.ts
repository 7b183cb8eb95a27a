/**
 * The router's hot path for an auto-commit point statement (one partition, one key lock), and its
 * synchronous form for point reads answered from the shard's pages (point-reads.ts).
 *
 * Planning and locking are synchronous here, so DDL cannot slip in between them, and none of the
 * general path's awaits run. Anything unusual — a held lock, a plan that is not a point, a
 * planning error — returns null (or undefined) and the router takes the general path, which
 * waits, retries, re-plans and reports errors.
 *
 * May import: route-planner, txn/locks, point-reads; not router.ts.
 */
import type { Statement } from '../sql/ast.js';
import type { ExecResult } from '../sql/index.js';
import type { ReplyFormat } from '../shard/fragment-protocol.js';
import type { CallContext } from './call-context.js';
import type { PointReads } from './point-reads.js';
import type { Plan, RoutePlanner, Stmt } from './route-planner.js';
import { Footprint, type Locks } from './txn/locks.js';
import type { LockStep } from './txn/lock-modes.js';

type SinglePlan = Extract<Plan, { kind: 'single' }>;

export interface PointPathContext {
  readonly planner: RoutePlanner;
  readonly locks: Locks;
  /** Reads from the shards' pages; undefined when the executor offers none. */
  readonly reads: PointReads | undefined;
  /** Router.pageReads, read per use (tests and the bench flip it). */
  pageReads(): boolean;
  /** Sends a single-partition plan to its shard (Router.runSingle). */
  runSingle(plan: SinglePlan, reply: ReplyFormat | undefined, cx: CallContext | undefined): Promise<ExecResult | Uint8Array>;
  /** A statement was answered from the pages of partition p: count it and record its route. */
  answeredFromPages(p: number): void;
}

export class PointPath {
  constructor(private readonly x: PointPathContext) {}

  /**
   * Runs `st` if it is a point statement whose locks are free now: from the shard's pages when it
   * is a read they can answer (unless `pages` is false: the caller's {@link answerNow} already
   * missed), else sent to the shard under its key lock, released when the shard answers.
   */
  run(st: Stmt, reply: ReplyFormat | undefined, cx: CallContext | undefined, pages: boolean): Promise<ExecResult | Uint8Array> | null {
    const plan = this.pointPlan(st);
    if (plan === undefined) return null;
    const lockPlan = Footprint.pointPlan(plan.p, plan.point!.table, plan.point!.key, plan.point!.write);
    if (pages && !plan.point!.write) {
      const local = this.fromPages(plan, lockPlan, st, reply);
      if (local !== undefined) return Promise.resolve(local);
    }
    const locks = this.x.locks;
    if (!locks.tryAcquireAnonymous(lockPlan)) return null;
    let call: Promise<ExecResult | Uint8Array>;
    try {
      call = this.x.runSingle(plan, reply, cx);
    } catch (e) {
      call = Promise.reject(e);
    }
    return call.then(
      (v) => {
        locks.releaseAnonymous(lockPlan);
        return v;
      },
      (e: unknown) => {
        locks.releaseAnonymous(lockPlan);
        throw e;
      },
    );
  }

  /**
   * An auto-commit point SELECT answered now, synchronously, from the shard's pages; undefined
   * when it cannot be — the caller then runs it as usual (passing `pages: false` to {@link run}).
   */
  answerNow(st: Stmt, reply: ReplyFormat | undefined): ExecResult | Uint8Array | undefined {
    const reads = this.x.reads;
    if (reads === undefined || !this.x.pageReads()) return undefined;
    // Writes and other statements come here first too (/v1/sql, Execute): turn them away on the
    // parsed statement's shape, so they are not planned once here and again on their own path.
    let s: Statement;
    try {
      s = this.x.planner.parse(st.sql);
    } catch {
      return undefined; // the general path reports it
    }
    if (!reads.mayAnswer(s)) return undefined;
    const plan = this.pointPlan(st);
    if (plan === undefined || plan.point!.write) return undefined;
    return this.fromPages(plan, Footprint.pointPlan(plan.p, plan.point!.table, plan.point!.key, false), st, reply);
  }

  /** The statement's plan when it is a point statement (undefined for anything else, errors included). */
  private pointPlan(st: Stmt): SinglePlan | undefined {
    let plan: Plan | undefined;
    try {
      plan = this.x.planner.planNow(st);
    } catch {
      return undefined; // the general path reports it
    }
    return plan?.kind === 'single' && plan.point ? plan : undefined;
  }

  /**
   * A read from the shard's pages runs to its end before this thread does anything else, so its
   * shared key lock is checked rather than taken and released (Locks.grantableNow).
   */
  private fromPages(plan: SinglePlan, lockPlan: readonly LockStep[], st: Stmt, reply: ReplyFormat | undefined): ExecResult | Uint8Array | undefined {
    const reads = this.x.reads;
    if (reads === undefined || !this.x.pageReads() || !this.x.locks.grantableNow(lockPlan)) return undefined;
    let local: ExecResult | Uint8Array | undefined;
    try {
      local = reads.answer(plan.p, this.x.planner.parse(st.sql), st.params, reply);
    } catch {
      return undefined; // whatever it was, the shard's path answers it (and reports its own errors)
    }
    if (local !== undefined) this.x.answeredFromPages(plan.p);
    return local;
  }
}
