/**
 * The router of a partitioned database: turns SQL statements into work on partitions. Where a
 * statement runs and what it locks is decided in route-planner.ts; this file runs the plans.
 *
 * How a statement is routed (docs/sharding.md has the whole story):
 *   - SELECT over one table whose WHERE binds the shard key by equality (a literal or a
 *     parameter), with no subquery → the owning partition alone (auto-commit on its shard); so
 *     does a co-located join whose WHERE binds the shard key of one of its tables (join-pushdown.ts).
 *   - Any other SELECT → fan-out: concatenated or ORDER BY-merged partition results
 *     (fanout-reads.ts), partial aggregates (partial-aggregate.ts), joins
 *     (join-pushdown.ts: co-located joins run on the partitions, others move the smaller side),
 *     else every table it reads is fetched from every partition into the coordinator's scratch
 *     copy of the catalog (catalog-mirror.ts) and the query runs there.
 *   - INSERT → planned once at the coordinator (source evaluated, defaults applied, missing
 *     rowids allocated from a per-table counter), each row routed by its shard key; the rows of
 *     one partition go in one fragment. One partition → single-partition; several → 2PC.
 *   - UPDATE / DELETE → the owning partition when the WHERE binds the shard key, else all.
 *   - Central writes (central-write.ts): UPDATE/DELETE with a subquery, FROM, WITH, LIMIT or a
 *     new shard key, and every INSERT/UPDATE/DELETE on a table with triggers, run in the catalog
 *     mirror over the whole tables involved; the rows they change ship to their partitions.
 *   - DDL → every partition, atomically (2PC), then the catalog copy is rebuilt. CREATE TABLE …
 *     AS SELECT = the derived CREATE TABLE everywhere + a central write of its rows.
 * Isolation: every statement, batch and interactive transaction takes the coordinator's locks
 * (txn/locks.ts) for its whole footprint (lock-footprint.ts) BEFORE it runs, and holds them until
 * it ends (strict 2PL): point work locks shard-key values, so point statements on one partition
 * run concurrently (the shard group-commits them); scans lock whole tables. Atomic batches are one
 * transaction: on one partition they are one fragment, otherwise a {@link DistributedTxn}.
 * Interactive transactions ({@link Router.beginTx}) are long-lived DistributedTxns whose
 * statements run through the same {@link Router.runIn}, one at a time.
 */
import { HeliosError, serializationFailure, sqlError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { ExecResult, PlannedRow } from '../sql/index.js';
import type { Statement } from '../sql/ast.js';
import type { FragmentResult, ReplyFormat, TableLocation } from '../shard/fragment-protocol.js';
import { CatalogMirror } from './catalog-mirror.js';
import { RoutePlanner, type Plan, type Stmt } from './route-planner.js';
import { centralTables, createTableAsSelect, hasTriggers, planCentral, shipCentral, type CentralContext } from './central-write.js';
import { DistributedTxn, MemoryDecisions, newTxnStats, PartitionEpochs, resolveInDoubt, type Decisions, type PartitionExecutor, type TxnShared, type TxnStats } from './distributed-txn.js';
import { pointPartition, rowPartition, tablesOf } from './route-analysis.js';
import { partitionOf } from './partition-hash.js';
import { Footprint, Locks, type LocksOptions } from './txn/locks.js';
import type { LockStep } from './txn/lock-modes.js';
import { exclusiveAll } from './lock-footprint.js';
import type { TxnId } from './txn/txn-ids.js';
import { pushdownFor } from './pushdown.js';
import { routeJoin } from './join-pushdown.js';
import { newJoinStats, SEMI_JOIN_MAX_KEYS, type JoinStats } from './join-context.js';
import { fanoutShape, type QueryRoute } from './query-plan.js';
import { combine, FanoutReads } from './fanout-reads.js';
import { combineInsert, RowidCounters, splitRows } from './insert-rows.js';
import type { CallContext } from './call-context.js';
import { assignsIndexed, checkInsertUnique, checkUpdatedUnique, globalUniqueIndexes } from './global-unique.js';
import { PointReads } from './point-reads.js';
import { PointPath } from './point-path.js';

export type { Stmt } from './route-planner.js';

export interface RouterOptions {
  readonly executor: PartitionExecutor;
  /** `[schema.shard_keys]`: table → shard-key column (default: the rowid). */
  readonly shardKeys?: Readonly<Record<string, string>>;
  readonly decisions?: Decisions;
  /** Test-only fault hook, called at each 2PC step (see distributed-txn.ts). */
  readonly fault?: (point: string) => void;
  /** Join routing (join-pushdown.ts); false = every join fetches whole tables (the bench's baseline). Default true. */
  readonly joinRouting?: boolean;
  readonly locks?: LocksOptions;
  /**
   * Answer point SELECTs by rowid from the shard's shared pages when the executor offers them
   * (point-reads.ts). Default true; false sends every statement to its shard (the bench's A/B).
   */
  readonly pageReads?: boolean;
}

/** An interactive transaction as the router runs it (see {@link Router.beginTx}). */
export interface TxHandle {
  readonly dtx: DistributedTxn;
  readonly lockId: TxnId;
  /** Set when the transaction is being rolled back: a statement granted its locks afterwards does not run. */
  cancelled: boolean;
}

/** Where the last statement went (tests and EXPLAIN read it). */
export type RouteTaken = { readonly kind: 'single'; readonly partition: number } | { readonly kind: 'multi'; readonly partitions: readonly number[] } | { readonly kind: 'coordinator' };

const DDL = new Set(['createTable', 'createIndex', 'createView', 'createTrigger', 'drop', 'alterTable']);
const CONTROL = new Set(['begin', 'commit', 'rollback']);
const DML = new Set(['select', 'insert', 'update', 'delete']);

export class Router {
  readonly mirror = new CatalogMirror();
  readonly locks: Locks;
  readonly stats: TxnStats = newTxnStats();
  /** Restart epochs and the 2PC decisions in progress, shared by every transaction. */
  readonly shared: TxnShared;
  lastRoute: RouteTaken = { kind: 'coordinator' };
  /** How fan-out joins were answered (join-pushdown.ts). */
  readonly joinStats: JoinStats = newJoinStats();
  /** See {@link RouterOptions.joinRouting}; the bench flips it between runs. */
  joinRouting: boolean;
  /** See {@link JoinContext.semiJoinMaxKeys} (tests lower it). */
  semiJoinMaxKeys = SEMI_JOIN_MAX_KEYS;
  private readonly exec: PartitionExecutor;
  readonly reads: FanoutReads;
  private readonly decisions: Decisions;
  private readonly fault: (point: string) => void;
  private readonly counters: RowidCounters;
  /** Where statements run and what they lock (route-planner.ts); also the parse cache. */
  readonly planner: RoutePlanner;
  /** Point reads from the shards' pages (point-reads.ts); undefined when the executor has none. */
  readonly pointReads: PointReads | undefined;
  /** See {@link RouterOptions.pageReads}; tests and the bench flip it. */
  pageReads: boolean;
  /** What the central write path (central-write.ts) uses of the router. */
  private readonly centralCtx: CentralContext;
  /** The point-statement hot path (point-path.ts). */
  private readonly point: PointPath;

  constructor(o: RouterOptions) {
    this.exec = o.executor;
    this.counters = new RowidCounters(o.executor);
    this.planner = new RoutePlanner({ mirror: this.mirror, partitions: o.executor.partitions, shardKeys: o.shardKeys ?? {}, counters: this.counters, joinRouting: () => this.joinRouting });
    this.reads = new FanoutReads({
      exec: o.executor, mirror: this.mirror, partitions: o.executor.partitions, joinStats: this.joinStats,
      keyOf: (t) => this.planner.keyOf(t), semiJoinMaxKeys: () => this.semiJoinMaxKeys,
    });
    this.centralCtx = {
      mirror: this.mirror,
      partitions: o.executor.partitions,
      keyOf: (t) => this.planner.keyOf(t),
      scan: (tx, p, table) => tx.read({ op: 'scan', p, table }) as Promise<Value[][]>,
      loadCounters: async (tables) => {
        for (const t of tables) await this.counters.ensure(t);
      },
      counter: (table) => this.counters.get(table)!,
      advanceCounter: (table, rowid) => this.counters.raise(table, rowid),
    };
    this.decisions = o.decisions ?? new MemoryDecisions();
    this.fault = o.fault ?? (() => undefined);
    this.joinRouting = o.joinRouting ?? true;
    this.locks = new Locks(o.locks);
    const exec = o.executor;
    this.pageReads = o.pageReads ?? true;
    this.pointReads = exec.pagesOf
      ? new PointReads({
        pagesOf: (p) => exec.pagesOf!(p),
        epoch: () => this.locks.structuralEpoch,
        locate: (p, table) => exec.call({ op: 'locate', p, table }) as Promise<TableLocation | null>,
      })
      : undefined;
    this.point = new PointPath({
      planner: this.planner,
      locks: this.locks,
      reads: this.pointReads,
      pageReads: () => this.pageReads,
      runSingle: (plan, reply, cx) => this.runSingle(plan, reply, cx),
      answeredFromPages: (p) => {
        this.stats.singlePartition++;
        this.lastRoute = { kind: 'single', partition: p };
      },
    });
    this.shared = { epochs: new PartitionEpochs(o.executor.partitions), committing: new Set() };
  }

  get partitions(): number {
    return this.exec.partitions;
  }

  /** Settles in-doubt transactions and loads the catalog; call before serving. */
  async start(): Promise<{ committed: number; aborted: number }> {
    const r = await resolveInDoubt(this.exec, this.decisions);
    await this.refreshCatalog();
    return r;
  }

  /**
   * Resolves in-doubt transactions again, after a shard serving `partitions` restarted: under X on
   * those partitions, so nothing runs there until they are settled (their transactions were lost:
   * see {@link partitionsLost}).
   */
  async resolveInDoubt(partitions: readonly number[]): Promise<{ committed: number; aborted: number }> {
    const fp = exclusiveAll(0);
    for (const p of partitions) fp.partition(p);
    const id = this.locks.begin();
    try {
      await this.locks.acquire(id, fp.plan());
      return await resolveInDoubt(this.exec, this.decisions, this.shared.committing);
    } finally {
      this.locks.release(id);
    }
  }

  /** The shard serving `partitions` died: every transaction that began there fails at its next use of them. */
  partitionsLost(partitions: readonly number[]): void {
    this.shared.epochs.bump(partitions);
    this.pointReads?.forget(partitions); // drops the dead shard's pool view with its locations
  }

  async refreshCatalog(): Promise<void> {
    this.mirror.rebuild((await this.exec.call({ op: 'schema', p: 0 })) as Value[][]);
    this.counters.retain((t) => this.mirror.catalog.table(t) !== undefined);
  }

  /**
   * Runs statements. `one`: a single auto-commit statement (a bare BEGIN is a no-op); `batch`:
   * one by one, BEGIN … COMMIT groups atomic, stopping at the first error; `atomic`: all or none.
   * Errors of a batch name the statement (`statement i: …`, `statementIndex`).
   */
  async execute(stmts: readonly Stmt[], mode: 'one' | 'batch' | 'atomic', cx?: CallContext): Promise<ExecResult[]> {
    if (mode === 'one') return [(await this.executeOne(stmts[0]!, undefined, cx)) as ExecResult];
    if (mode === 'atomic') return this.runGroup(stmts, 0, true, cx);
    const out: ExecResult[] = [];
    for (let i = 0; i < stmts.length; i++) {
      const kind = this.kindAt(stmts, i);
      if (kind === 'begin') {
        let j = i + 1;
        while (j < stmts.length && !['commit', 'rollback'].includes(this.kindAt(stmts, j) ?? '')) j++;
        out.push(empty());
        const commit = j < stmts.length && this.kindAt(stmts, j) === 'commit';
        out.push(...(await this.runGroup(stmts.slice(i + 1, j), i + 1, commit, cx)));
        if (j < stmts.length) out.push(empty());
        i = j;
      } else if (kind === 'commit' || kind === 'rollback') {
        throw atIndex(sqlError(`cannot ${kind} - no transaction is active`), i);
      } else {
        try {
          out.push(await this.runAuto(stmts[i]!, undefined, cx));
        } catch (e) {
          throw atIndex(e, i);
        }
      }
    }
    return out;
  }

  private kindAt(stmts: readonly Stmt[], i: number): string | undefined {
    try {
      return this.planner.parse(stmts[i]!.sql).kind;
    } catch (e) {
      throw atIndex(e, i);
    }
  }

  /** A group run as one transaction; `commit` false = run it, then roll it back (…; ROLLBACK). */
  private async runGroup(stmts: readonly Stmt[], base: number, commit: boolean, cx: CallContext | undefined): Promise<ExecResult[]> {
    for (let i = 0; i < stmts.length; i++) {
      const k = this.kindAt(stmts, i);
      if (k !== undefined && CONTROL.has(k)) throw atIndex(sqlError(k === 'begin' ? 'cannot start a transaction within a transaction' : `${k.toUpperCase()} inside an atomic batch: the batch commits or rolls back as a whole`), base + i);
    }
    return this.locked(async () => {
      const plans = await this.tryPlanAll(stmts);
      const fp = plans ? exclusiveAll(0) : exclusiveAll(this.partitions);
      if (plans) stmts.forEach((st, i) => fp.merge(this.planner.footprint(st, plans[i]!)));
      return { fp, run: () => this.runGroupLocked(stmts, base, commit, plans, cx) };
    });
  }

  private async runGroupLocked(stmts: readonly Stmt[], base: number, commit: boolean, plans: Plan[] | null, cx: CallContext | undefined): Promise<ExecResult[]> {
    // Fast path: every statement on one partition → one fragment, atomic on its shard.
    if (commit && plans && plans.length > 0 && plans.every((p) => p.kind === 'single' && p.p === (plans[0] as { p: number }).p)) {
      const singles = plans as Extract<Plan, { kind: 'single' }>[];
      const p = singles[0]!.p;
      return (async () => {
        this.stats.singlePartition++;
        this.lastRoute = { kind: 'single', partition: p };
        try {
          const rs = (await this.exec.call({ op: 'run', p, stmts: singles.map((s) => s.frag) }, cx)) as FragmentResult[];
          return rs.map((r) => ({ ...r }));
        } catch (e) {
          const err = HeliosError.from(e);
          throw atIndex(err, base + (err.toData().statementIndex ?? 0));
        }
      })();
    }
    return this.inTxn(cx, async (tx) => {
      const out: ExecResult[] = [];
      for (let i = 0; i < stmts.length; i++) {
        try {
          // INSERT rows planned above already hold their rowids: reuse them, so the counters
          // advance once per row (a fresh table's batch gets 1, 2, 3 …, not ids after a gap).
          const plan = plans?.[i];
          const planned = plan?.kind === 'single' ? plan.insertOrder : plan?.insertRows;
          out.push(await this.runIn(tx, stmts[i]!, planned));
        } catch (e) {
          throw atIndex(e, base + i);
        }
      }
      if (!commit) throw new RollbackRequested(out);
      return out;
    }).catch((e: unknown) => {
      if (e instanceof RollbackRequested) return e.results;
      throw e;
    });
  }

  /**
   * Runs work under the locks of its footprint: `attempt` plans it (no data touched) and returns
   * the footprint and the work; the locks are taken whole, then the work runs, then they are
   * released. When DDL changed the catalog while it waited, it is planned again. A deadlock victim
   * is retried (nothing of it ran yet).
   */
  private async locked<T>(attempt: () => Promise<{ fp: Footprint | readonly LockStep[]; run: () => Promise<T> }>): Promise<T> {
    let backoff = false;
    for (let i = 0; ; i++) {
      // After losing a deadlock its locks are gone: give the other side a moment to finish.
      if (backoff) await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(i, 6)));
      backoff = false;
      const gen = this.mirror.generation;
      const { fp, run } = await attempt();
      const id = this.locks.begin();
      let granted = false;
      try {
        await this.locks.acquire(id, fp instanceof Footprint ? fp.plan() : fp);
        granted = true;
        if (this.mirror.generation !== gen && i < 8) continue;
        return await run();
      } catch (e) {
        if (!granted && i < MAX_LOCK_RETRIES && e instanceof HeliosError && e.code === 'SERIALIZATION_FAILURE' && /deadlock/.test(e.message)) {
          backoff = true;
          continue;
        }
        throw e;
      } finally {
        this.locks.release(id);
      }
    }
  }

  /** Every statement's plan (a multi-partition one included), or null when one cannot be planned yet. */
  private async tryPlanAll(stmts: readonly Stmt[]): Promise<Plan[] | null> {
    try {
      const plans: Plan[] = [];
      for (const st of stmts) plans.push(await this.planner.plan(st));
      return plans;
    } catch {
      return null; // e.g. a table created earlier in the batch: the general path reports errors
    }
  }

  /**
   * One auto-commit statement. With `reply`, on the single-partition fast path the partition's
   * shard encodes the response body and it comes back as bytes (forwarded unchanged); any other
   * route, or no `reply`, answers with values. `pages` false: skip the read from the shard's
   * pages ({@link answerNow} just missed).
   */
  executeOne(st: Stmt, reply?: ReplyFormat, cx?: CallContext, pages = true): Promise<ExecResult | Uint8Array> {
    let kind: Statement['kind'];
    try {
      kind = this.planner.parse(st.sql).kind;
    } catch (e) {
      return Promise.reject(e);
    }
    if (kind === 'begin') return Promise.resolve(empty());
    if (kind === 'commit' || kind === 'rollback') return Promise.reject(sqlError(`cannot ${kind} - no transaction is active`));
    return this.point.run(st, reply, cx, pages) ?? this.runAuto(st, reply, cx);
  }

  /**
   * An auto-commit point SELECT answered now, synchronously, from the shard's pages (point-path.ts);
   * undefined when it cannot be. The caller then runs it with {@link executeOne} and `pages`
   * false (the pages were just tried), which also reports any error.
   */
  answerNow(st: Stmt, reply: ReplyFormat | undefined): ExecResult | Uint8Array | undefined {
    return this.point.answerNow(st, reply);
  }

  private async runAuto(st: Stmt, reply: undefined, cx: CallContext | undefined): Promise<ExecResult>;
  private async runAuto(st: Stmt, reply: ReplyFormat | undefined, cx: CallContext | undefined): Promise<ExecResult | Uint8Array>;
  private async runAuto(st: Stmt, reply: ReplyFormat | undefined, cx: CallContext | undefined): Promise<ExecResult | Uint8Array> {
    if (this.planner.parse(st.sql).kind === 'vacuum') return this.locked(async () => ({ fp: exclusiveAll(this.partitions), run: () => this.vacuumAll(st, cx) }));
    return this.locked(async () => {
      const plan = await this.planner.plan(st);
      return { fp: this.planner.lockPlan(st, plan), run: () => this.runAutoLocked(st, plan, reply, cx) };
    });
  }

  /** A single-partition plan, auto-commit: one fragment on its partition; with `reply`, the body the shard encoded. */
  private runSingle(plan: Extract<Plan, { kind: 'single' }>, reply: ReplyFormat | undefined, cx: CallContext | undefined): Promise<ExecResult | Uint8Array> {
    this.stats.singlePartition++;
    this.lastRoute = { kind: 'single', partition: plan.p };
    if (reply !== undefined) return this.exec.call({ op: 'run', p: plan.p, stmts: [plan.frag], reply }, cx) as Promise<Uint8Array>;
    return this.exec.call({ op: 'run', p: plan.p, stmts: [plan.frag] }, cx).then((rs) => ({ ...(rs as FragmentResult[])[0]! }));
  }

  private async runAutoLocked(st: Stmt, plan: Plan, reply: ReplyFormat | undefined, cx: CallContext | undefined): Promise<ExecResult | Uint8Array> {
    if (plan.kind === 'single') return this.runSingle(plan, reply, cx);
    if (reply === 'json' || reply === 'proto') {
      const s = this.planner.parse(st.sql);
      const spliced = s.kind === 'select' ? await this.reads.concatEncoded(s, st, reply, cx) : null;
      if (spliced) {
        this.stats.singlePartition++; // as a read-only transaction is counted (nothing to commit)
        this.lastRoute = { kind: 'multi', partitions: [...Array(this.partitions).keys()] };
        return spliced;
      }
    }
    return this.inTxn(cx, (tx) => this.runIn(tx, st, plan.insertRows));
  }

  // --- interactive transactions (their lifetime, timeouts and limits: interactive-txns.ts) ---

  /** Opens an interactive transaction: a distributed transaction plus a lock holder. */
  beginTx(): TxHandle {
    return { dtx: this.newTxn(undefined), lockId: this.locks.begin(), cancelled: false };
  }

  /**
   * One statement inside an interactive transaction: its footprint is locked (added to what the
   * transaction holds), then it runs in the transaction on the partitions it routes to.
   * IMPORTANT: one statement at a time per transaction (the caller serializes them).
   */
  async runInTx(h: TxHandle, st: Stmt, cx?: CallContext): Promise<ExecResult> {
    const s = this.planner.parse(st.sql);
    if (CONTROL.has(s.kind)) throw sqlError(`${s.kind.toUpperCase()} inside an interactive transaction: use its commit or rollback call`);
    if (DDL.has(s.kind) || s.kind === 'vacuum') throw sqlError(`${s.kind === 'vacuum' ? 'VACUUM' : 'DDL (CREATE, DROP, ALTER)'} is not supported inside an interactive transaction: run it outside the transaction (auto-commit or /v1/batch)`);
    h.dtx.stmtWrote.clear(); // what this statement writes decides whether its failure ends the transaction
    h.dtx.cx = cx; // this statement's deadline and cancellation (one statement at a time)
    for (let i = 0; ; i++) {
      const gen = this.mirror.generation;
      const plan = await this.planner.plan(st);
      await this.locks.acquire(h.lockId, this.planner.lockPlan(st, plan));
      if (h.cancelled) throw serializationFailure('the transaction was rolled back while this statement waited for its locks');
      if (this.mirror.generation !== gen && i < 8) continue; // DDL ran meanwhile: plan again (the locks taken stay)
      return this.runIn(h.dtx, st, plan.kind === 'single' ? plan.insertOrder : plan.insertRows);
    }
  }

  /** Commits an interactive transaction (nothing written: just ends; one writer: one phase; several: 2PC) and releases its locks. */
  async commitTx(h: TxHandle): Promise<void> {
    try {
      const writers = h.dtx.wrote.size;
      await h.dtx.commit();
      if (writers > 1) this.stats.multiPartition++;
      else this.stats.singlePartition++;
    } catch (e) {
      await h.dtx.abort();
      throw e;
    } finally {
      this.locks.release(h.lockId);
    }
  }

  /** Rolls an interactive transaction back on every partition it touched, then releases its locks. */
  async abortTx(h: TxHandle): Promise<void> {
    try {
      await h.dtx.abort();
    } finally {
      this.locks.release(h.lockId);
    }
  }

  private newTxn(cx: CallContext | undefined): DistributedTxn {
    const tx = new DistributedTxn(this.exec, this.decisions, this.stats, this.fault, this.shared);
    tx.cx = cx;
    return tx;
  }

  private async inTxn<T>(cx: CallContext | undefined, fn: (tx: DistributedTxn) => Promise<T>): Promise<T> {
    const tx = this.newTxn(cx);
    let out: T;
    try {
      out = await fn(tx);
      if (tx.wrote.size > 1) this.stats.multiPartition++;
      else this.stats.singlePartition++;
      this.lastRoute = tx.touched.size === 0 ? { kind: 'coordinator' } : { kind: 'multi', partitions: [...tx.touched].sort((a, b) => a - b) };
      await tx.commit();
    } catch (e) {
      await tx.abort();
      if (tx.ddl) await this.refreshCatalog().catch(() => undefined);
      throw e;
    }
    if (tx.ddl) await this.refreshCatalog();
    return out;
  }

  /**
   * How a gRPC Query of `st` streams (query-plan.ts). Any SQL error of the statement surfaces
   * later, when it runs; a statement the router cannot route here takes the Execute path.
   */
  async queryRoute(st: Stmt): Promise<QueryRoute> {
    const s = this.planner.parse(st.sql);
    if (s.kind !== 'select') return { kind: 'execute' };
    const tables = [...tablesOf(s, this.mirror.catalog)].map((t) => t.toLowerCase());
    const plan = await this.planner.plan(st);
    if (plan.kind === 'single') return { kind: 'single', p: plan.p, tables };
    const shape = fanoutShape(s, this.mirror.catalog, st.params);
    return shape ? { kind: 'fanout', tables, ...shape } : { kind: 'execute' };
  }

  /** Runs one statement inside a distributed transaction (the caller holds its locks). */
  private async runIn(tx: DistributedTxn, st: Stmt, planned?: PlannedRow[]): Promise<ExecResult> {
    const s = this.planner.parse(st.sql);
    const cat = this.mirror.catalog;
    const all = [...Array(this.partitions).keys()];
    tx.stmtWrote.clear();
    tx.writing = s.kind !== 'select' && s.kind !== 'explain';
    if (this.partitions === 1 && DML.has(s.kind) && !(s.kind === 'insert' && planned)) {
      // One partition holds everything: the engine runs the statement as it is (its own rowids,
      // triggers, subqueries in writes), with no routing restrictions.
      return { ...((await tx.run({ op: 'run', p: 0, stmts: [{ sql: st.sql, params: st.params }] })) as FragmentResult[])[0]! };
    }
    if (DDL.has(s.kind)) {
      if (s.kind === 'createTable' && s.asSelect) return createTableAsSelect(this.centralCtx, tx, st, s);
      tx.ddl = true;
      const rs = await Promise.all(all.map((p) => tx.run({ op: 'run', p, stmts: [{ sql: st.sql, params: st.params }] }) as Promise<FragmentResult[]>));
      this.mirror.applyDdl(st.sql);
      return { ...rs[0]![0]! };
    }
    if (s.kind === 'insert') {
      const t = this.planner.writable(s.table);
      // Triggers, and a conflict resolution (OR REPLACE, ON CONFLICT … DO) that may act on a row
      // of another partition through a UNIQUE index without the shard key: central.
      if (hasTriggers(t) || ((s.or === 'REPLACE' || s.upsert.length > 0) && globalUniqueIndexes(t, this.planner.keyOf(t)).length > 0)) return this.central(tx, st, centralTables(s, t.name, cat));
      await this.counters.ensure(t.name);
      const planned2 = planned ?? this.planner.planInsert(st, await this.reads.fetch(tx, tablesOf(s.select ?? null, cat)));
      const key = this.planner.keyOf(t);
      const rows = await checkInsertUnique(t, globalUniqueIndexes(t, key), planned2, {
        partitions: this.partitions,
        partitionOf: (r) => rowPartition(key, r.rowid, r.row, this.partitions),
        scan: (p, where) => this.reads.scanWhere(tx, p, t, where),
      }, s.or === 'IGNORE', s.or === 'REPLACE' || s.upsert.length > 0);
      const parts = splitRows(this.planner.keyOf(t), rows, this.partitions);
      const rs = await Promise.all([...parts].map(async ([p, mine]) => [p, ((await tx.run({ op: 'run', p, stmts: [{ sql: st.sql, params: st.params, rows: mine }] })) as FragmentResult[])[0]!] as const));
      return combineInsert(rs, rows, this.planner.keyOf(t), this.partitions);
    }
    if (s.kind === 'update' || s.kind === 'delete') {
      const t = this.planner.writable(s.table);
      if (this.planner.needsCentral(s, t)) return this.central(tx, st, centralTables(s, t.name, cat));
      const p = pointPartition(s.where, t, s.alias ?? t.name, this.planner.keyOf(t), st.params, this.partitions);
      const targets = p === null ? all : [p];
      const rs = await Promise.all(targets.map(async (q) => ((await tx.run({ op: 'run', p: q, stmts: [{ sql: st.sql, params: st.params }] })) as FragmentResult[])[0]!));
      if (s.kind === 'update') {
        const global = globalUniqueIndexes(t, this.planner.keyOf(t));
        if (assignsIndexed(s.set.flatMap((x) => x.columns), t, global)) await checkUpdatedUnique(t, global, this.partitions, (p, where) => this.reads.scanWhere(tx, p, t, where));
      }
      return combine(rs);
    }
    if (s.kind === 'select') {
      const plan = await this.planner.plan(st);
      if (plan.kind === 'single') return { ...((await tx.run({ op: 'run', p: plan.p, stmts: [plan.frag] })) as FragmentResult[])[0]! };
      const concat = await this.reads.concat(tx, s, st);
      if (concat) return concat;
      const merged = await this.reads.merged(tx, s, st);
      if (merged) return merged;
      const partial = await this.reads.partialAggregate(tx, s, st);
      if (partial) return partial;
      const joined = this.joinRouting ? await routeJoin(this.reads.joinContext(tx), s, st.sql, st.params) : null;
      if (joined) return joined;
      const rows = await this.reads.fetch(tx, tablesOf(s, cat), pushdownFor(s, cat, st.params, (q) => this.mirror.explain(q), st.sql));
      return this.mirror.withRows(rows, (ses) => ses.execute(st.sql, st.params), tx.cx);
    }
    if (s.kind === 'explain') return this.planner.explain(s.stmt, st);
    if (s.kind === 'pragma') return { ...((await tx.run({ op: 'run', p: 0, stmts: [{ sql: st.sql, params: st.params }] })) as FragmentResult[])[0]! };
    if (s.kind === 'vacuum') throw sqlError('cannot VACUUM from within a transaction');
    return this.mirror.withRows(new Map(), (ses) => ses.execute(st.sql, st.params), tx.cx); // REINDEX, ANALYZE: checks only
  }

  private central(tx: DistributedTxn, st: Stmt, tables: ReadonlySet<string>): Promise<ExecResult> {
    return planCentral(this.centralCtx, tx, st.sql, st.params, tables).then((plan) => shipCentral(tx, plan));
  }

  /**
   * VACUUM rebuilds every partition's file, each in its own auto-commit step (as in SQLite, never
   * inside a transaction). It changes no rows, so it needs no 2PC; X on every partition keeps
   * other work away while it runs.
   */
  private async vacuumAll(st: Stmt, cx: CallContext | undefined): Promise<ExecResult> {
    await Promise.all([...Array(this.partitions).keys()].map((p) => this.exec.call({ op: 'run', p, stmts: [{ sql: st.sql, params: st.params }] }, cx)));
    this.lastRoute = { kind: 'multi', partitions: [...Array(this.partitions).keys()] };
    return { columns: [], rows: [], rowsAffected: 0, lastInsertId: null };
  }
}

/** Retries of an auto-commit statement or batch that lost a deadlock before it ran (then SERIALIZATION_FAILURE). */
const MAX_LOCK_RETRIES = 32;

class RollbackRequested extends Error {
  constructor(readonly results: ExecResult[]) {
    super('rollback requested');
  }
}

const empty = (): ExecResult => ({ columns: [], rows: [], rowsAffected: 0, lastInsertId: null });

function atIndex(e: unknown, i: number): HeliosError {
  const err = HeliosError.from(e);
  const msg = err.message.replace(/^statement \d+: /, '');
  const { code: _c, message: _m, ...extra } = err.toData();
  return new HeliosError(err.code, `statement ${i}: ${msg}`, { ...extra, statementIndex: i });
}
