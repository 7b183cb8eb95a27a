/**
 * How a gRPC `Query` streams (query-stream.ts), decided from the statement alone:
 *
 *   single    the router sends the statement to one partition (shard key bound by equality, or
 *             a database of one partition): one cursor, any query shape, the partition applies
 *             LIMIT/OFFSET itself.
 *   fanout    one table, no join, aggregate, GROUP BY/HAVING, DISTINCT, subquery, CTE or
 *             compound, LIMIT/OFFSET absent or given as integer literals/parameters: every row
 *             of the result is a row of one partition's result of the same statement, so each
 *             partition runs it with LIMIT n+m OFFSET 0 and the coordinator concatenates the
 *             streams (no ORDER BY) or k-way merges them by the ORDER BY values the partitions
 *             send, applying OFFSET m and LIMIT n at the merge.
 *   execute   anything else (aggregates across partitions, joins, subqueries, DISTINCT, non-
 *             SELECT statements …): the router's Execute path computes the result, which is
 *             then streamed out in messages — the coordinator holds that one result.
 */
import type { Value } from '../storage/api.js';
import type { Expr, Statement } from '../sql/ast.js';
import type { Catalog } from '../sql/catalog.js';
import { isAggregateCall } from '../sql/aggregates.js';
import { hasSubquery } from './route-analysis.js';
import { intOf, visitFns } from './pushdown.js';

export type QueryRoute =
  | { readonly kind: 'single'; readonly p: number; readonly tables: readonly string[] }
  | { readonly kind: 'fanout'; readonly tables: readonly string[]; readonly ordered: boolean; readonly limit: bigint | null; readonly offset: bigint }
  | { readonly kind: 'execute' };

/** The fan-out shape of a SELECT, or null when it must take the Execute path. */
export function fanoutShape(s: Statement, catalog: Catalog, params: Value[] | Record<string, Value>): { ordered: boolean; limit: bigint | null; offset: bigint } | null {
  if (s.kind !== 'select' || s.with || s.cores.length !== 1 || hasSubquery(s)) return null;
  const core = s.cores[0]!;
  if (core.values || core.distinct || core.groupBy || core.having || !core.from || core.from.kind !== 'table' || !catalog.table(core.from.name)) return null;
  let aggregate = false;
  visitFns([core.columns, s.orderBy ?? []], (f) => {
    if (isAggregateCall(f.name.toLowerCase(), f.args.length, f.star)) aggregate = true;
  });
  if (aggregate) return null;
  const limit = s.limit ? signedInt(s.limit, params) : null;
  const offset = s.offset ? signedInt(s.offset, params) : 0n;
  if ((s.limit && limit === null) || offset === null) return null;
  return { ordered: (s.orderBy?.length ?? 0) > 0, limit: limit === null || limit < 0n ? null : limit, offset: offset < 0n ? 0n : offset };
}

/**
 * True for a SELECT whose result is the concatenation of every partition's result of the same
 * statement: the unordered fan-out shape without LIMIT/OFFSET. (With LIMIT, Execute keeps the
 * rows one database would return — the first n in its plan's order — so it does not qualify.)
 */
export function concatShape(s: Statement, catalog: Catalog, params: Value[] | Record<string, Value>): boolean {
  if (s.kind !== 'select' || s.limit || s.offset) return false;
  const shape = fanoutShape(s, catalog, params);
  return shape !== null && !shape.ordered;
}

/** An integer literal or parameter, possibly negated (`LIMIT -1` means no limit). */
function signedInt(e: Expr, params: Value[] | Record<string, Value>): bigint | null {
  if (e.kind === 'unary' && e.op === '-') {
    const v = intOf(e.expr, params);
    return v === null ? null : -v;
  }
  return intOf(e, params);
}
