/**
 * Route planning: decides, without touching data, where one statement runs (one partition or
 * several, with the rows of an INSERT placed by shard key and rowid) and which locks it needs
 * (the point statement's one key, or its whole footprint from lock-footprint.ts). Also the
 * router's parse cache and its catalog lookups (shard key, writable table, central writes).
 * May import: sql (parser, AST, catalog types), the coordinator's analysis helpers; not router.ts.
 */
import { sqlError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { ExecResult, Params, PlannedRow } from '../sql/index.js';
import { parse } from '../sql/parser.js';
import type { Statement } from '../sql/ast.js';
import type { TableInfo } from '../sql/catalog.js';
import type { FragmentStmt } from '../shard/fragment-protocol.js';
import type { CatalogMirror } from './catalog-mirror.js';
import { hasTriggers } from './central-write.js';
import { hasSubquery, pointKey, shardKeyOf, tablesOf, updatesKey } from './route-analysis.js';
import { canonicalKey, partitionOf } from './partition-hash.js';
import { Footprint } from './txn/locks.js';
import type { LockStep } from './txn/lock-modes.js';
import { exclusiveAll, statementFootprint, type FootprintContext } from './lock-footprint.js';
import { colocatedPoint, describeJoin } from './join-pushdown.js';
import { splitRows, type RowidCounters } from './insert-rows.js';
import { assignsIndexed, globalUniqueIndexes } from './global-unique.js';

export interface Stmt { readonly sql: string; readonly params: Params }

/** The one key lock of a point statement (its shard-key value, canonical text), found while planning. */
interface PointLock { readonly table: string; readonly key: string; readonly write: boolean }

export type Plan =
  | { kind: 'single'; p: number; frag: FragmentStmt; insertOrder?: PlannedRow[]; point?: PointLock }
  | { kind: 'multi'; insertRows?: PlannedRow[] };

const DML = new Set(['select', 'insert', 'update', 'delete']);

export interface RoutePlannerOptions {
  readonly mirror: CatalogMirror;
  readonly partitions: number;
  readonly shardKeys: Readonly<Record<string, string>>;
  readonly counters: RowidCounters;
  /** Read per use: the bench flips the router's value between runs. */
  joinRouting(): boolean;
}

export class RoutePlanner {
  private readonly parsed = new Map<string, Statement>();
  private readonly fpCtx: FootprintContext;

  constructor(private readonly o: RoutePlannerOptions) {
    const mirror = o.mirror;
    this.fpCtx = {
      get catalog() { return mirror.catalog; },
      partitions: o.partitions,
      keyOf: (t) => this.keyOf(t),
      pointWrite: (s, t) => !this.needsCentral(s, t) && !(s.kind === 'update' && assignsIndexed(s.set.flatMap((x) => x.columns), t, globalUniqueIndexes(t, this.keyOf(t)))),
      hasGlobalUnique: (t) => globalUniqueIndexes(t, this.keyOf(t)).length > 0,
    };
  }

  /** Decides, without touching data, whether a statement runs on one partition. */
  async plan(st: Stmt): Promise<Plan> {
    const plan = this.planNow(st);
    if (plan) return plan;
    const s = this.parse(st.sql) as Extract<Statement, { kind: 'insert' }>;
    const t = this.writable(s.table);
    await this.o.counters.ensure(t.name);
    const rows = this.planInsert(st, new Map());
    const parts = splitRows(this.keyOf(t), rows, this.o.partitions);
    if (parts.size !== 1 || globalUniqueIndexes(t, this.keyOf(t)).length > 0) return { kind: 'multi', insertRows: rows };
    const [p, mine] = [...parts][0]!;
    return { kind: 'single', p, frag: { sql: st.sql, params: st.params, rows: mine }, insertOrder: rows };
  }

  /**
   * {@link plan}'s synchronous part: every plan but that of an INSERT whose rows the router
   * places (undefined then: it may have to load the table's rowid counter first).
   */
  planNow(st: Stmt): Plan | undefined {
    const s = this.parse(st.sql);
    const cat = this.o.mirror.catalog;
    // One partition holds everything: the engine runs the statement as it is — except a plain
    // INSERT, whose rows are planned here as with several partitions, so that it locks the key
    // values it inserts rather than the whole table (concurrent inserts keep group commit).
    if (this.o.partitions === 1 && DML.has(s.kind) && !(s.kind === 'insert' && this.plainInsert(s))) return { kind: 'single', p: 0, frag: { sql: st.sql, params: st.params } };
    if (s.kind === 'select') {
      if (s.with || s.cores.length !== 1 || hasSubquery(s)) return { kind: 'multi' };
      const from = s.cores[0]!.from;
      if (from?.kind === 'join' && this.o.joinRouting()) {
        const p = colocatedPoint(s, cat, (t) => this.keyOf(t), st.params, this.o.partitions);
        return p === null ? { kind: 'multi' } : { kind: 'single', p, frag: { sql: st.sql, params: st.params } };
      }
      if (!from || from.kind !== 'table') return { kind: 'multi' };
      const t = cat.table(from.name);
      if (!t) return { kind: 'multi' };
      const k = pointKey(s.cores[0]!.where, t, from.alias ?? t.name, this.keyOf(t), st.params);
      return k === undefined ? { kind: 'multi' } : { kind: 'single', p: k === null ? 0 : partitionOf(k, this.o.partitions), frag: { sql: st.sql, params: st.params }, point: { table: t.name, key: canonicalKey(k), write: false } };
    }
    if (s.kind === 'update' || s.kind === 'delete') {
      const t = this.writable(s.table);
      if (this.needsCentral(s, t)) return { kind: 'multi' };
      if (s.kind === 'update' && assignsIndexed(s.set.flatMap((x) => x.columns), t, globalUniqueIndexes(t, this.keyOf(t)))) return { kind: 'multi' };
      const k = pointKey(s.where, t, s.alias ?? t.name, this.keyOf(t), st.params);
      return k === undefined ? { kind: 'multi' } : { kind: 'single', p: k === null ? 0 : partitionOf(k, this.o.partitions), frag: { sql: st.sql, params: st.params }, point: { table: t.name, key: canonicalKey(k), write: true } };
    }
    if (s.kind === 'insert') {
      const t = this.writable(s.table);
      if (tablesOf(s, cat).size > 0 || hasSubquery(s) || hasTriggers(t)) return { kind: 'multi' };
      return undefined; // plan() places its rows
    }
    return { kind: 'multi' };
  }

  /** An INSERT … VALUES the router plans even on one partition (see plan). */
  private plainInsert(s: Extract<Statement, { kind: 'insert' }>): boolean {
    const t = this.o.mirror.catalog.table(s.table);
    // VALUES is a `select` too: what matters is that the source reads no table.
    return !!t && s.or !== 'REPLACE' && s.upsert.length === 0 && !hasSubquery(s) && tablesOf(s, this.o.mirror.catalog).size === 0 && !hasTriggers(t) && globalUniqueIndexes(t, this.keyOf(t)).length === 0;
  }

  /**
   * Whether an UPDATE/DELETE must run centrally (central-write.ts): it reads rows other partitions
   * hold (subquery, FROM, WITH), picks rows across partitions (LIMIT), moves rows (a new shard
   * key), or fires triggers (which must see and write whole tables).
   */
  needsCentral(s: Extract<Statement, { kind: 'update' | 'delete' }>, t: TableInfo): boolean {
    return !!(s.with || hasSubquery(s) || s.limit || hasTriggers(t) || (s.kind === 'update' && (s.from || updatesKey(s, t, this.keyOf(t)) || (s.or === 'REPLACE' && globalUniqueIndexes(t, this.keyOf(t)).length > 0))));
  }

  /** The lock plan of one statement (a point statement's without building a Footprint). */
  lockPlan(st: Stmt, plan: Plan): readonly LockStep[] {
    if (plan.kind === 'single' && plan.point) return Footprint.pointPlan(plan.p, plan.point.table, plan.point.key, plan.point.write);
    return this.footprint(st, plan).plan();
  }

  /** The locks a statement needs (lock-footprint.ts); `plan` null: it could not be planned (X everywhere). */
  footprint(st: Stmt, plan: Plan | null): Footprint {
    // A point plan already knows its one lock (the hot path: no second look at the statement).
    if (plan?.kind === 'single' && plan.point) return new Footprint().key(plan.p, plan.point.table, plan.point.key, plan.point.write);
    let s: Statement;
    try {
      s = this.parse(st.sql);
    } catch {
      return exclusiveAll(0); // a syntax error: fails before touching anything
    }
    const rows = plan === null ? undefined : plan.kind === 'single' ? plan.insertOrder : plan.insertRows;
    return statementFootprint(this.fpCtx, s, st.params, rows, plan !== null);
  }

  planInsert(st: Stmt, rows: ReadonlyMap<string, readonly Value[][]>): PlannedRow[] {
    const s = this.parse(st.sql) as Extract<Statement, { kind: 'insert' }>;
    const key = this.writable(s.table).name.toLowerCase();
    const out: PlannedRow[] = [];
    this.o.mirror.withRows(rows, (ses) => ses.execute(st.sql, st.params, { plan: { out, allocRowid: () => this.o.counters.alloc(key) } }));
    for (const r of out) this.o.counters.raise(key, r.rowid);
    return out;
  }

  keyOf(t: TableInfo) {
    return shardKeyOf(t, this.o.shardKeys);
  }

  writable(name: string): TableInfo {
    const t = this.o.mirror.catalog.table(name);
    if (t) return t;
    if (this.o.mirror.catalog.views.has(name.toLowerCase())) throw sqlError(`cannot modify ${name} because it is a view`);
    throw sqlError(`no such table: ${name}`);
  }

  parse(sql: string): Statement {
    if (typeof sql !== 'string') throw sqlError('SQL must be a string');
    let s = this.parsed.get(sql);
    if (!s) {
      s = parse(sql).stmt;
      if (this.parsed.size >= 1024) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(sql, s);
    }
    return s;
  }

  /** EXPLAIN at the coordinator: the route first, then the plan a partition would run. */
  async explain(inner: Statement, st: Stmt): Promise<ExecResult> {
    const innerSql = st.sql.slice(inner.kind === 'select' ? (inner as { start: number }).start : st.sql.search(/\b(insert|update|delete|replace)\b/i));
    let route: string;
    try {
      const plan = await this.plan({ sql: innerSql, params: st.params });
      route = plan.kind === 'single' ? `ROUTE ONE PARTITION (${plan.p} of ${this.o.partitions})` : `ROUTE ALL PARTITIONS (${this.o.partitions})`;
      const join = plan.kind === 'multi' && inner.kind === 'select' && this.o.joinRouting() ? describeJoin(inner, this.o.mirror.catalog, (t) => this.keyOf(t)) : null;
      if (join) route += `, ${join}`;
    } catch {
      route = `ROUTE ALL PARTITIONS (${this.o.partitions})`;
    }
    const lines = [route, ...this.o.mirror.explain(innerSql)];
    return { columns: ['detail'], rows: lines.map((l) => [l]), rowsAffected: 0, lastInsertId: null };
  }
}
