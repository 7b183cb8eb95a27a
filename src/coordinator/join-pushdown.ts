/**
 * Joins across partitions: the router's fan-out SELECT hook for queries over several tables
 * (router.ts calls {@link routeJoin} before the generic "fetch every table" path).
 *
 *   co-located (join-colocated.ts)   every output row's rows share a partition (shard key =
 *                                    shard key joins): the query runs on each partition, results
 *                                    are concatenated, merge-sorted, or merged as partial aggregates
 *   other equi-joins (join-semi.ts)  tables fetched smallest first, with their single-table
 *                                    conjuncts pushed down and, once a joined table is in, an
 *                                    `IN (<its join-key values>)` filter on the next one; the
 *                                    query then runs in the catalog mirror over the reduced rows
 *
 * Both return null for shapes they do not cover, and the router falls back to fetching every
 * table. docs/sharding.md ("Joins") has the rules and the argument for each.
 */
import type { ExecResult, Params } from '../sql/index.js';
import type { Select } from '../sql/ast.js';
import { inlineParams } from './route-analysis.js';
import type { JoinContext } from './join-context.js';
import { coLocated, joinShape } from './join-shape.js';
import { runColocated } from './join-colocated.js';
import { runSemiJoin, semiJoinPlan } from './join-semi.js';
import type { Catalog, TableInfo } from '../sql/catalog.js';
import { pointPartition, type ShardKey } from './route-analysis.js';

/** Answers a SELECT over several tables without fetching whole tables, or returns null (not a covered shape). */
export async function routeJoin(cx: JoinContext, s: Select, sql: string, params: Params): Promise<ExecResult | null> {
  const inlined = inlineParams(s, params);
  if (!inlined) return null;
  const shape = joinShape(inlined, cx.mirror.catalog, (t) => cx.keyOf(t));
  if (!shape) return null;
  // The query over the empty mirror: the engine's own errors for a bad query, and the result's column names.
  const names = cx.mirror.withRows(new Map(), (ses) => ses.execute(sql, params)).columns;
  if (coLocated(shape)) return runColocated(cx, shape, sql, params, names);
  const plan = semiJoinPlan(shape);
  return plan ? runSemiJoin(cx, shape, plan, sql, params) : null;
}

/**
 * The one partition a co-located join reads, when its WHERE binds the shard key of a table that
 * is never NULL-extended by equality to a literal or parameter (route-analysis.ts
 * {@link pointPartition}): every output row has that key, so every row it is made of lives on
 * that key's partition, and the whole query — aggregates, DISTINCT, ORDER BY, LIMIT — runs there
 * as a single-partition statement. Null otherwise.
 */
export function colocatedPoint(s: Select, catalog: Catalog, keyOf: (t: TableInfo) => ShardKey, params: Params, partitions: number): number | null {
  const shape = joinShape(s, catalog, keyOf);
  if (!shape || !coLocated(shape)) return null;
  for (const c of shape.conjuncts) {
    const e = c.expr;
    if (c.source.kind !== 'where' || e.kind !== 'binary' || (e.op !== '=' && e.op !== '==')) continue;
    for (const side of [e.left, e.right]) {
      // The column must resolve to exactly one table here (an unqualified `rowid` in a join does not).
      const r = shape.resolve(side);
      const jt = r ? shape.tables[r.t]! : null;
      if (!r || !jt || jt.nullable || r.column !== jt.key.column) continue;
      const p = pointPartition(e, jt.table, jt.alias, jt.key, params, partitions);
      if (p !== null) return p;
    }
  }
  return null;
}

/**
 * EXPLAIN's word on a join (appended to the route line): `CO-LOCATED JOIN` (it runs on each
 * partition; a shape the co-located strategies cannot answer exactly still fetches the joined
 * rows' sources), `SEMI-JOIN` (smaller side first, IN-lists), or null (whole tables are fetched).
 */
export function describeJoin(s: Select, catalog: Catalog, keyOf: (t: TableInfo) => ShardKey): string | null {
  const shape = joinShape(s, catalog, keyOf);
  if (!shape) return null;
  if (coLocated(shape)) return 'CO-LOCATED JOIN';
  return semiJoinPlan(shape) ? 'SEMI-JOIN' : null;
}
