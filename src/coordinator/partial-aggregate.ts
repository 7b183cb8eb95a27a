/**
 * The partial-aggregate fast path of fan-out reads: `SELECT … FROM t [WHERE …] [GROUP BY cols]
 * [HAVING …] [ORDER BY …] [LIMIT …]` with COUNT/SUM/TOTAL/MIN/MAX/AVG runs as
 *
 *   on every partition   SELECT g…, partial… FROM t WHERE … GROUP BY g…       (one row per group)
 *   at the coordinator   WITH __p(g…, a…) AS (VALUES <the partitions' rows>)
 *                        SELECT <the query's columns, aggregates over partials> FROM __p
 *                        GROUP BY g… HAVING … ORDER BY … LIMIT …               (in the mirror engine)
 *
 * so one row per group and partition crosses the rings instead of every row of the table.
 * Merges: count → sum of counts, sum → sum of sums (NULL when every partial is NULL, as SUM over
 * no values), total → total, min/max → min/max, avg → total of totals / sum of counts.
 *
 * Eligible only when the merge is exact: one base table, no subquery, no DISTINCT (in the query
 * or an aggregate), GROUP BY plain BINARY-collated columns of the table, MIN/MAX of plain
 * BINARY-collated columns (a collation would be lost in the merge), and every column reference
 * outside an aggregate a GROUP BY column (or a result alias in ORDER BY/HAVING). Anything else
 * returns null and takes the generic path. Result column names are the original query's.
 * {@link partialAggregateOver} is the same over any FROM whose partition results are disjoint
 * shares of the whole: the co-located joins of join-colocated.ts use it.
 */
import type { Value } from '../storage/api.js';
import type { Expr, OrderTerm, ResultColumn, Select, SelectCore } from '../sql/ast.js';
import type { Catalog } from '../sql/catalog.js';
import type { CollationName } from '../sql/value.js';
import type { ExecResult } from '../sql/index.js';
import type { CatalogMirror } from './catalog-mirror.js';
import type { CallContext } from './call-context.js';
import { isAggregateCall } from '../sql/aggregates.js';
import { printExpr, printSelect } from '../sql/ast-printer.js';
import { hasSubquery, inlineParams } from './route-analysis.js';

type Params = Value[] | Record<string, Value>;
type Fn = Extract<Expr, { kind: 'fn' }>;

export interface PartialAggregatePlan {
  /** The per-partition query (parameters inlined). */
  readonly partitionSql: string;
  /** The coordinator's merge query over the partitions' rows, concatenated. */
  mergeSql(rows: readonly Value[][], columnNames: readonly string[]): string;
}

const MERGEABLE = new Set(['count', 'sum', 'total', 'min', 'max', 'avg']);
const span = { start: 0, end: 0 };
const col = (name: string): Expr => ({ kind: 'col', name, ...span });
const fn = (name: string, args: Expr[]): Expr => ({ kind: 'fn', name, args, distinct: false, star: false, ...span });

export function partialAggregatePlan(sel: Select, catalog: Catalog, params: Params): PartialAggregatePlan | null {
  if (sel.with || sel.cores.length !== 1 || hasSubquery(sel)) return null;
  const from = sel.cores[0]!.from;
  if (!from || from.kind !== 'table') return null;
  const t = catalog.table(from.name);
  if (!t) return null;
  const alias = from.alias ?? from.name;
  return partialAggregateOver(sel, params, (e) => {
    if (e.kind !== 'col' || (e.table !== undefined && e.table.toLowerCase() !== alias.toLowerCase())) return null;
    const i = t.columns.findIndex((c) => c.name.toLowerCase() === e.name.toLowerCase());
    return i < 0 ? null : { id: String(i), coll: t.columns[i]!.coll };
  });
}

/** What a column reference of the query's FROM is: an identity (equal for the same column) and its collation; null when it names no column. */
export type ColumnOf = (e: Expr) => { readonly id: string; readonly coll: CollationName } | null;

/**
 * The plan over any FROM whose per-partition results are disjoint shares of the whole — one
 * table, or a co-located join (join-colocated.ts): `columnOf` resolves the query's column
 * references. The caller has checked the shape (one core, no WITH, no subquery).
 */
export function partialAggregateOver(sel: Select, params: Params, columnOf: ColumnOf): PartialAggregatePlan | null {
  const s = inlineParams(sel, params);
  if (!s) return null;
  const core = s.cores[0]!;
  if (core.distinct || core.values || !core.from) return null;
  const aliases = new Set(core.columns.flatMap((c) => (c.kind === 'expr' && c.alias ? [c.alias.toLowerCase()] : [])));
  // GROUP BY: plain BINARY columns, not result aliases.
  const groups: string[] = [];
  const groupExprs: Expr[] = [];
  for (const g of core.groupBy ?? []) {
    const c = columnOf(g);
    if (!c || c.coll !== 'BINARY' || (g.kind === 'col' && aliases.has(g.name.toLowerCase()))) return null;
    groups.push(c.id);
    groupExprs.push(g);
  }
  // The aggregate calls, in order of appearance (equal texts share partials).
  const partials: Expr[] = [];
  const merged = new Map<string, Expr>();
  let ok = true;
  const aggregate = (f: Fn): Expr | null => {
    const name = f.name.toLowerCase();
    if (!MERGEABLE.has(name) || f.distinct || f.args.length > 1 || (!f.star && f.args.length !== 1)) return null;
    if (f.args.some((a) => containsAggregate(a))) return null;
    if ((name === 'min' || name === 'max') && columnOf(f.args[0]!)?.coll !== 'BINARY') return null;
    const key = printExpr(f);
    const known = merged.get(key);
    if (known) return known;
    const slot = (partial: string): Expr => {
      partials.push(f.star ? { ...fn(partial, []), star: true } as Expr : fn(partial, [f.args[0]!]));
      return col(`a${partials.length - 1}`);
    };
    let m: Expr;
    if (name === 'count') m = fn('total', [slot('count')]);
    else if (name === 'avg') {
      const sum = slot('total');
      const n = slot('count');
      m = { kind: 'binary', op: '/', left: fn('total', [sum]), right: { kind: 'fn', name: 'nullif', args: [fn('sum', [n]), { kind: 'lit', value: 0n, ...span }], distinct: false, star: false, ...span }, ...span };
    } else m = fn(name === 'total' ? 'total' : name, [slot(name)]);
    if (name === 'count') m = { kind: 'cast', expr: m, type: 'INTEGER', ...span };
    merged.set(key, m);
    return m;
  };
  // Rewrites an expression of the query over the partial columns; null when not mergeable.
  const rewrite = (e: Expr, aliasOk: boolean): Expr => {
    if (!ok) return e;
    if (e.kind === 'fn' && isAggregateCall(e.name.toLowerCase(), e.args.length, e.star)) {
      const m = aggregate(e);
      if (!m) ok = false;
      return m ?? e;
    }
    if (e.kind === 'col') {
      const c = columnOf(e);
      const g = c ? groups.indexOf(c.id) : -1;
      if (g >= 0) return col(`g${g}`);
      if (aliasOk && e.table === undefined && aliases.has(e.name.toLowerCase()) && !c) return e;
      ok = false;
      return e;
    }
    return mapChildren(e, (c) => rewrite(c, aliasOk));
  };
  const columns: ResultColumn[] = core.columns.map((c) => (c.kind === 'star' ? ((ok = false), c) : { kind: 'expr', expr: rewrite(c.expr, false), ...(c.alias !== undefined ? { alias: c.alias } : {}) }));
  const having = core.having ? rewrite(core.having, true) : undefined;
  const orderBy: OrderTerm[] | undefined = s.orderBy?.map((o) => ({ ...o, expr: o.expr.kind === 'lit' ? o.expr : rewrite(o.expr, true) }));
  if (!ok || partials.length === 0) return null;
  const partitionSql = printSelect({
    kind: 'select',
    ...span,
    cores: [{
      kind: 'core',
      distinct: false,
      columns: [...groupExprs, ...partials].map((expr) => ({ kind: 'expr', expr })),
      from: core.from,
      ...(core.where ? { where: core.where } : {}),
      ...(groupExprs.length ? { groupBy: groupExprs } : {}),
    }],
    ops: [],
  });
  const names = [...groups.map((_, i) => `g${i}`), ...partials.map((_, i) => `a${i}`)];
  return {
    partitionSql,
    mergeSql(rows, columnNames) {
      const source: SelectCore = rows.length > 0
        ? { kind: 'core', distinct: false, columns: [], values: rows.map((r) => r.map((v) => ({ kind: 'lit', value: v, ...span }) as Expr)) }
        : { kind: 'core', distinct: false, columns: names.map(() => ({ kind: 'expr', expr: { kind: 'lit', value: null, ...span } })), where: { kind: 'lit', value: 0n, ...span } };
      const out: Select = {
        kind: 'select',
        ...span,
        with: [{ name: '__p', columns: names, select: { kind: 'select', ...span, cores: [source], ops: [] } }],
        cores: [{
          kind: 'core',
          distinct: false,
          columns: columns.map((c, i) => (c.kind === 'expr' ? { kind: 'expr', expr: c.expr, alias: columnNames[i] ?? c.alias ?? `column${i + 1}` } : c)),
          from: { kind: 'table', name: '__p', ...span },
          ...(groups.length ? { groupBy: groups.map((_, i) => col(`g${i}`)) } : {}),
          ...(having ? { having } : {}),
        }],
        ops: [],
        ...(orderBy ? { orderBy } : {}),
        ...(s.limit ? { limit: s.limit } : {}),
        ...(s.offset ? { offset: s.offset } : {}),
      };
      return printSelect(out);
    },
  };
}

function containsAggregate(e: Expr): boolean {
  if (e.kind === 'fn' && isAggregateCall(e.name.toLowerCase(), e.args.length, e.star)) return true;
  let found = false;
  mapChildren(e, (c) => {
    if (containsAggregate(c)) found = true;
    return c;
  });
  return found;
}

/** A copy of `e` with each direct child expression mapped (leaves are returned as they are). */
function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (isExpr(v)) out[k] = f(v);
    else if (Array.isArray(v)) out[k] = v.map((x) => (isExpr(x) ? f(x) : Array.isArray(x) ? x.map((y) => (isExpr(y) ? f(y) : y)) : x));
    else out[k] = v;
  }
  return out as unknown as Expr;
}

const EXPR_KINDS = new Set(['lit', 'col', 'param', 'unary', 'binary', 'like', 'between', 'in', 'isnull', 'exists', 'subquery', 'case', 'cast', 'collate', 'fn', 'raise']);
function isExpr(v: unknown): v is Expr {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && EXPR_KINDS.has((v as { kind?: string }).kind ?? '');
}

/**
 * Runs a plan: `runEach` sends its partition query to every partition (returning each one's
 * rows), then the merge query runs in the catalog mirror. `names`: the result's column names
 * (the original query's, from the mirror).
 */
export async function runPartialAggregate(plan: PartialAggregatePlan, names: readonly string[], runEach: (sql: string) => Promise<Value[][][]>, mirror: CatalogMirror, callCx?: CallContext): Promise<ExecResult> {
  const parts = await runEach(plan.partitionSql);
  const merged = mirror.withRows(new Map(), (ses) => ses.execute(plan.mergeSql(parts.flat(), names)), callCx);
  return { ...merged, columns: [...names] };
}
