/**
 * Fan-out read pushdown: what a partition can filter before its rows cross the ring, for a
 * SELECT over one table. The coordinator still runs the whole query over what comes back, so a
 * pushdown only has to return a superset of the rows the query needs:
 *   - WHERE: the whole clause (parameters inlined as literals), unless it calls random()-like
 *     functions (evaluating those twice would change the result's distribution);
 *   - ORDER BY … LIMIT n OFFSET m: each partition's first n+m rows in that order, when the query
 *     has no aggregate, GROUP BY, HAVING or DISTINCT and every ORDER BY term is a plain column of
 *     the table: the global first n+m rows are among the union of the partitions' (keyset
 *     pagination of the generated APIs is this shape).
 *   - LIMIT n OFFSET m without ORDER BY, when the coordinator's plan of the query reads the table
 *     in rowid order (a plain SCAN, or a rowid range): each partition's first n+m rows by rowid.
 *     The global first n+m rowids are among them, and the coordinator's run returns rows in the
 *     order one database would (without it, `SELECT * FROM t LIMIT 10` ships the whole table).
 */
import type { Value } from '../storage/api.js';
import type { Expr, Select } from '../sql/ast.js';
import type { Catalog, TableInfo } from '../sql/catalog.js';
import { isAggregateCall } from '../sql/aggregates.js';
import { printExpr } from '../sql/ast-printer.js';
import { hasSubquery, inlineParams, paramValue } from './route-analysis.js';

type Params = Value[] | Record<string, Value>;

/** What a partition applies to its rows of `table` (SQL fragments over the table seen as `alias`). */
export interface Pushdown {
  readonly table: string;
  readonly alias: string;
  readonly where?: string;
  readonly orderBy?: string;
  readonly limit?: bigint;
}

const VOLATILE = new Set(['random', 'randomblob', 'changes', 'total_changes', 'last_insert_rowid']);

/**
 * `explain` is the coordinator's EXPLAIN of a statement text (CatalogMirror.explain); without it
 * a LIMIT without ORDER BY is not pushed.
 */
export function pushdownFor(s: Select, catalog: Catalog, params: Params, explain?: (sql: string) => readonly string[], sql?: string): Pushdown | null {
  if (s.with || s.cores.length !== 1 || hasSubquery(s)) return null;
  const core = s.cores[0]!;
  const from = core.from;
  if (!from || from.kind !== 'table' || !catalog.table(from.name)) return null;
  const alias = from.alias ?? from.name;
  let volatile = false;
  let aggregate = false;
  visitFns(core, (f) => {
    if (VOLATILE.has(f.name.toLowerCase())) volatile = true;
    if (isAggregateCall(f.name.toLowerCase(), f.args.length, f.star)) aggregate = true;
  });
  if (volatile) return null;
  let where: string | undefined;
  if (core.where) {
    const inlined = inlineParams(core.where, params);
    if (inlined === null) return null;
    where = printExpr(inlined);
  }
  let orderBy: string | undefined;
  let limit: bigint | undefined;
  const n = s.limit ? intOf(s.limit, params) : null;
  const off = s.offset ? intOf(s.offset, params) : 0n;
  const aliases = new Set(core.columns.flatMap((c) => (c.kind === 'expr' && c.alias ? [c.alias.toLowerCase()] : [])));
  const t = catalog.table(from.name)!;
  const plainColumn = (e: Expr): boolean => e.kind === 'col' && (e.table === undefined || e.table.toLowerCase() === alias.toLowerCase()) && !aliases.has(e.name.toLowerCase()) && t.columns.some((c) => c.name.toLowerCase() === e.name.toLowerCase());
  if (s.orderBy && n !== null && off !== null && n >= 0n && off >= 0n && !aggregate && !core.distinct && !core.groupBy && !core.having && s.orderBy.every((o) => plainColumn(o.expr))) {
    orderBy = s.orderBy.map((o) => `${printExpr(o.expr)}${o.desc ? ' DESC' : ''}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`).join(', ');
    limit = n + off;
  } else if (!s.orderBy && n !== null && off !== null && n >= 0n && off >= 0n && !aggregate && !core.distinct && !core.groupBy && !core.having && explain && sql !== undefined && rowidName(t) !== null && readsInRowidOrder(explain(sql), t.name)) {
    orderBy = rowidName(t)!;
    limit = n + off;
  }
  if (where === undefined && limit === undefined) return null;
  return { table: t.name, alias, ...(where !== undefined ? { where } : {}), ...(orderBy !== undefined ? { orderBy, limit: limit! } : {}) };
}

/** The plan is one rowid-ordered pass over `table` (SQLite's EXPLAIN QUERY PLAN wording). */
function readsInRowidOrder(plan: readonly string[], table: string): boolean {
  if (plan.length !== 1) return false;
  const line = plan[0]!.toLowerCase();
  const name = table.toLowerCase();
  return line === `scan ${name}` || line.startsWith(`search ${name} using integer primary key `);
}

/** A name for the rowid that no column shadows (null: every alias is a column). */
function rowidName(t: TableInfo): string | null {
  if (t.rowidColumn >= 0) return quoteIdent(t.columns[t.rowidColumn]!.name);
  const taken = new Set(t.columns.map((c) => c.name.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((n) => !taken.has(n)) ?? null;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A LIMIT/OFFSET given as an integer literal or parameter, else null. */
export function intOf(e: Expr, params: Params): bigint | null {
  const v = e.kind === 'lit' ? e.value : e.kind === 'param' ? paramValue(e, params) : undefined;
  return typeof v === 'bigint' ? v : null;
}

/** Calls `f` for every function call in the tree. */
export function visitFns(node: unknown, f: (fn: Extract<Expr, { kind: 'fn' }>) => void): void {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  if (Array.isArray(node)) { for (const x of node) visitFns(x, f); return; }
  const o = node as Record<string, unknown>;
  if (o['kind'] === 'fn') f(o as unknown as Extract<Expr, { kind: 'fn' }>);
  for (const k in o) visitFns(o[k], f);
}
