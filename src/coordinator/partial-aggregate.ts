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
 */
import type { Value } from '../storage/api.js';
import type { Expr, OrderTerm, ResultColumn, Select, SelectCore } from '../sql/ast.js';
import type { Catalog, TableInfo } from '../sql/catalog.js';
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
  const s = inlineParams(sel, params);
  if (!s) return null;
  const core = s.cores[0]!;
  const from = core.from;
  if (core.distinct || core.values || !from || from.kind !== 'table') return null;
  const t = catalog.table(from.name);
  if (!t) return null;
  const alias = from.alias ?? from.name;
  const aliases = new Set(core.columns.flatMap((c) => (c.kind === 'expr' && c.alias ? [c.alias.toLowerCase()] : [])));
  const columnOf = (e: Expr): number => {
    if (e.kind !== 'col' || (e.table !== undefined && e.table.toLowerCase() !== alias.toLowerCase())) return -1;
    return t.columns.findIndex((c) => c.name.toLowerCase() === e.name.toLowerCase());
  };
  // GROUP BY: plain BINARY columns of the table, not result aliases.
  const groups: number[] = [];
  for (const g of core.groupBy ?? []) {
    const i = columnOf(g);
    if (i < 0 || t.columns[i]!.coll !== 'BINARY' || (g.kind === 'col' && aliases.has(g.name.toLowerCase()))) return null;
    groups.push(i);
  }
  // The aggregate calls, in order of appearance (equal texts share partials).
  const partials: string[] = [];
  const merged = new Map<string, Expr>();
  let ok = true;
  const aggregate = (f: Fn): Expr | null => {
    const name = f.name.toLowerCase();
    if (!MERGEABLE.has(name) || f.distinct || f.args.length > 1 || (!f.star && f.args.length !== 1)) return null;
    if (f.args.some((a) => containsAggregate(a))) return null;
    if ((name === 'min' || name === 'max')) {
      const i = columnOf(f.args[0]!);
      if (i < 0 || t.columns[i]!.coll !== 'BINARY') return null;
    }
    const key = printExpr(f);
    const known = merged.get(key);
    if (known) return known;
    const slot = (sql: string): Expr => {
      partials.push(sql);
      return col(`a${partials.length - 1}`);
    };
    const arg = f.star ? '*' : printExpr(f.args[0]!);
    let m: Expr;
    if (name === 'count') m = fn('total', [slot(`count(${arg})`)]);
    else if (name === 'avg') {
      const sum = slot(`total(${arg})`);
      const n = slot(`count(${arg})`);
      m = { kind: 'binary', op: '/', left: fn('total', [sum]), right: { kind: 'fn', name: 'nullif', args: [fn('sum', [n]), { kind: 'lit', value: 0n, ...span }], distinct: false, star: false, ...span }, ...span };
    } else m = fn(name === 'total' ? 'total' : name, [slot(`${name}(${arg})`)]);
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
      const i = columnOf(e);
      const g = groups.indexOf(i);
      if (i >= 0 && g >= 0) return col(`g${g}`);
      if (aliasOk && e.table === undefined && aliases.has(e.name.toLowerCase()) && i < 0) return e;
      ok = false;
      return e;
    }
    return mapChildren(e, (c) => rewrite(c, aliasOk));
  };
  const columns: ResultColumn[] = core.columns.map((c) => (c.kind === 'star' ? ((ok = false), c) : { kind: 'expr', expr: rewrite(c.expr, false), ...(c.alias !== undefined ? { alias: c.alias } : {}) }));
  const having = core.having ? rewrite(core.having, true) : undefined;
  const orderBy: OrderTerm[] | undefined = s.orderBy?.map((o) => ({ ...o, expr: o.expr.kind === 'lit' ? o.expr : rewrite(o.expr, true) }));
  if (!ok || partials.length === 0) return null;
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const partitionSql = `SELECT ${[...groups.map((g) => `${q(alias)}.${q(t.columns[g]!.name)}`), ...partials].join(', ')} FROM ${q(t.name)} AS ${q(alias)}${core.where ? ` WHERE ${printExpr(core.where)}` : ''}${groups.length ? ` GROUP BY ${groups.map((g) => `${q(alias)}.${q(t.columns[g]!.name)}`).join(', ')}` : ''}`;
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
