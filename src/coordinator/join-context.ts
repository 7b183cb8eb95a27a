/**
 * The join paths' view of the router (join-pushdown.ts): the partitions, the catalog mirror and
 * two read ops bound to the current statement's transaction, plus the counters tests and the
 * bench read. Kept apart so the join files depend on this, not on router.ts.
 */
import type { Value } from '../storage/api.js';
import type { Params } from '../sql/index.js';
import type { TableInfo } from '../sql/catalog.js';
import type { FragmentResult, ScanPushdown } from '../shard/fragment-protocol.js';
import type { CatalogMirror } from './catalog-mirror.js';
import type { ShardKey } from './route-analysis.js';
import type { CallContext } from './call-context.js';

/** How a co-located join was answered. */
export type ColocatedMode = 'concat' | 'merge' | 'partialAggregate' | 'reduced';

/** Counters the tests and the bench read (Router.joinStats). */
export interface JoinStats {
  /** Co-located joins, by how their partition results were combined. */
  readonly colocated: Record<ColocatedMode, number>;
  /** Non-co-located joins: tables fetched with an IN-list of join keys, and tables fetched without one. */
  readonly semiJoin: { reduced: number; plain: number };
  /** Rows that crossed the rings for join queries on these paths (partition results and scans). */
  rowsMoved: number;
}

export const newJoinStats = (): JoinStats => ({ colocated: { concat: 0, merge: 0, partialAggregate: 0, reduced: 0 }, semiJoin: { reduced: 0, plain: 0 }, rowsMoved: 0 });

/**
 * The most distinct join-key values pushed to a partition as an IN-list. Above it the table is
 * fetched with its single-table conjuncts only: a longer list costs more SQL text per partition
 * (and a plan-cache entry each) than it saves. With ~10-byte keys 1,000 values are ~10 KB per scan.
 */
export const SEMI_JOIN_MAX_KEYS = 1000;

/** What the join paths use of the router, bound to the current statement's transaction. */
export interface JoinContext {
  readonly partitions: number;
  readonly mirror: CatalogMirror;
  readonly stats: JoinStats;
  readonly semiJoinMaxKeys: number;
  /** The caller's deadline and cancellation, for the coordinator-side merge (catalog-mirror.ts). */
  readonly callCx?: CallContext;
  keyOf(t: TableInfo): ShardKey;
  /** One read-only statement on partition p (inside the open transaction where it has touched p). */
  query(p: number, sql: string, params: Params): Promise<FragmentResult>;
  /** A table's rows on partition p (`[rowid, ...columns]`), all or those passing `pushdown`. */
  scan(p: number, table: string, pushdown?: ScanPushdown): Promise<Value[][]>;
}

/** Runs `sql` on every partition; the rows of each. */
export async function onEveryPartition(cx: JoinContext, sql: string, params: Params): Promise<FragmentResult[]> {
  const rs = await Promise.all([...Array(cx.partitions).keys()].map((p) => cx.query(p, sql, params)));
  for (const r of rs) cx.stats.rowsMoved += r.rows.length;
  return rs;
}
