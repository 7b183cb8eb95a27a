/**
 * ORDER BY over every partition without the catalog mirror: for an Execute of a SELECT with the
 * ordered fan-out shape (query-plan.ts: one table; no aggregate, GROUP BY, DISTINCT, join or
 * subquery). Each partition runs the statement with its sort keys appended as hidden trailing
 * columns and LIMIT raised to LIMIT + OFFSET. The coordinator k-way merges the sorted lists with
 * the engine's comparison (ordered-merge.ts), applies OFFSET and LIMIT, and drops the hidden
 * columns. The generic path would ship the same lists into the mirror and run the query again
 * there, and without LIMIT it ships every row. The generated REST/gRPC List runs this shape.
 *
 * Left to the generic path (null): ORDER BY a result position or anything that names a
 * result alias (resolved against the select list, not the table), a sort term whose collation is
 * not certain (termCollation), a double-quoted name that names no column (the engine reads it
 * as a string, the AST printer would write an identifier), and parameters that cannot be inlined.
 * May import: sql (AST, printer), the coordinator's planning helpers; no I/O.
 */
import type { Expr, ResultColumn, Select } from '../sql/ast.js';
import type { Catalog } from '../sql/catalog.js';
import type { Params } from '../sql/index.js';
import { printSelect } from '../sql/ast-printer.js';
import { fanoutShape } from './query-plan.js';
import { inlineParams } from './route-analysis.js';
import { termCollation, type MergeKey } from './ordered-merge.js';
import { columnResolver, quotedLiteral } from './join-shape.js';

/** What each partition runs, and how the coordinator merges the results. */
export interface OrderedFanoutPlan {
  /** The statement as each partition runs it: parameters inlined, hidden sort columns, LIMIT + OFFSET. */
  readonly sql: string;
  /** Hidden trailing columns (one per ORDER BY term). */
  readonly hidden: number;
  /** The merge keys, `index` counted from the first hidden column. */
  readonly keys: readonly MergeKey[];
  readonly offset: number;
  /** Infinity when there is no LIMIT. */
  readonly limit: number;
}

const HIDDEN_ALIAS = '__ok';
const span = { start: 0, end: 0 };

export function orderedFanoutPlan(s: Select, catalog: Catalog, params: Params): OrderedFanoutPlan | null {
  const shape = fanoutShape(s, catalog, params);
  if (!shape || !shape.ordered) return null;
  const inl = inlineParams(s, params);
  if (!inl) return null;
  const core = inl.cores[0]!;
  const from = core.from;
  if (!from || from.kind !== 'table' || from.indexedBy) return null;
  const t = catalog.table(from.name)!;
  const resolve = columnResolver([{ alias: from.alias ?? t.name, table: t }]);
  if (quotedLiteral(inl, resolve)) return null;
  const aliases = new Set(core.columns.flatMap((c) => (c.kind === 'expr' && c.alias ? [c.alias.toLowerCase()] : [])));
  const keys: MergeKey[] = [];
  const hidden: Expr[] = [];
  for (const term of inl.orderBy!) {
    const inner = term.expr.kind === 'collate' ? term.expr.expr : term.expr;
    if (inner.kind === 'lit' || namesAlias(term.expr, aliases)) return null;
    const coll = termCollation(term.expr, resolve);
    if (coll === null) return null;
    keys.push({ index: hidden.length, desc: term.desc, nullsFirst: term.nulls ? term.nulls === 'first' : !term.desc, coll });
    hidden.push(term.expr);
  }
  const { limit: _limit, offset: _offset, ...rest } = inl;
  const partial: Select = {
    ...rest,
    cores: [{ ...core, columns: [...core.columns, ...hidden.map((expr, i): ResultColumn => ({ kind: 'expr', expr, alias: `${HIDDEN_ALIAS}${i}` }))] }],
    ...(shape.limit !== null ? { limit: { kind: 'lit', value: shape.limit + shape.offset, ...span } } : {}),
  };
  return { sql: printSelect(partial), hidden: hidden.length, keys, offset: Number(shape.offset), limit: shape.limit === null ? Infinity : Number(shape.limit) };
}

/** Whether `e` mentions an unqualified name that is also a result alias (the engine may read the alias). */
function namesAlias(e: Expr, aliases: ReadonlySet<string>): boolean {
  if (aliases.size === 0) return false;
  let found = false;
  const walk = (x: unknown): void => {
    if (found || x === null || typeof x !== 'object' || x instanceof Uint8Array) return;
    if (Array.isArray(x)) return x.forEach(walk);
    const o = x as Record<string, unknown>;
    if (o['kind'] === 'col' && o['table'] === undefined && aliases.has(String(o['name']).toLowerCase())) found = true;
    for (const k in o) if (k !== 'start' && k !== 'end') walk(o[k]);
  };
  walk(e);
  return found;
}
