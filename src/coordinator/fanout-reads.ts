/**
 * The router's fan-out reads of one SELECT over every partition, cheapest first: concatenated
 * results (a filter-and-project SELECT, also encoded once for an auto-commit statement), ordered
 * results merged here (ordered-fanout.ts), partial
 * aggregates (partial-aggregate.ts), the join paths' reads (join-pushdown.ts), and the table
 * fetches the catalog mirror's generic path runs over. Reads go inside the statement's
 * transaction on the partitions it has touched ({@link DistributedTxn.read}).
 * May import: sql (types), shard codecs, and the coordinator's read helpers; not router.ts.
 */
import type { Value } from '../storage/api.js';
import type { ExecResult } from '../sql/index.js';
import type { Statement } from '../sql/ast.js';
import type { TableInfo } from '../sql/catalog.js';
import type { FragmentResult } from '../shard/fragment-protocol.js';
import { spliceResultParts } from '../shard/result-parts.js';
import type { CatalogMirror } from './catalog-mirror.js';
import type { DistributedTxn, PartitionExecutor } from './distributed-txn.js';
import type { CallContext } from './call-context.js';
import type { ShardKey } from './route-analysis.js';
import type { Pushdown } from './pushdown.js';
import { partialAggregatePlan, runPartialAggregate } from './partial-aggregate.js';
import type { JoinContext, JoinStats } from './join-context.js';
import { concatShape } from './query-plan.js';
import { orderedFanoutPlan } from './ordered-fanout.js';
import { mergeSorted } from './ordered-merge.js';

type Select = Extract<Statement, { kind: 'select' }>;

/** A statement with its parameters, as the router runs it. */
export interface ReadStmt {
  readonly sql: string;
  readonly params: Value[] | Record<string, Value>;
}

export interface FanoutReadsOptions {
  readonly exec: PartitionExecutor;
  readonly mirror: CatalogMirror;
  readonly partitions: number;
  readonly joinStats: JoinStats;
  keyOf(t: TableInfo): ShardKey;
  /** Read per use: tests lower the router's value. */
  semiJoinMaxKeys(): number;
}

export class FanoutReads {
  /** How often each path ran (tests assert which path a query took). */
  readonly stats = { orderedMerge: 0 };

  constructor(private readonly o: FanoutReadsOptions) {}

  private get all(): number[] {
    return [...Array(this.o.partitions).keys()];
  }

  /**
   * A filter-and-project SELECT over one table (query-plan.ts's {@link concatShape}): every row
   * of its result is a row of exactly one partition's result of the same statement, so each
   * partition runs it as it is and the results are concatenated — partition by partition, as a
   * streaming Query sends them (no ORDER BY: SQL promises no order). The generic path would ship
   * every matching row into the catalog mirror and run the statement again there (~4 µs a row).
   * Null when the statement has another shape.
   */
  async concat(tx: DistributedTxn, s: Select, st: ReadStmt): Promise<ExecResult | null> {
    if (!concatShape(s, this.o.mirror.catalog, st.params)) return null;
    const rs = await Promise.all(this.all.map(async (p) => ((await tx.run({ op: 'run', p, stmts: [{ sql: st.sql, params: st.params }] })) as FragmentResult[])[0]!));
    return combine(rs);
  }

  /**
   * {@link concat} for an auto-commit statement whose reply is wanted encoded: each partition
   * runs it on its own (the S locks on the table, already held, make the partitions' reads one
   * consistent state, so no transaction is opened — and none has to be ended) and writes its
   * rows in the caller's format; the parts are spliced into one body (shard/result-parts.ts).
   * Null when the statement has another shape.
   */
  async concatEncoded(s: Select, st: ReadStmt, format: 'json' | 'proto', cx: CallContext | undefined): Promise<Uint8Array | null> {
    if (!concatShape(s, this.o.mirror.catalog, st.params)) return null;
    const parts = await Promise.all(this.all.map((p) => this.o.exec.call({ op: 'run', p, stmts: [{ sql: st.sql, params: st.params }], reply: { kind: 'part', part: format } }, cx) as Promise<Uint8Array>));
    return spliceResultParts(parts, format);
  }

  /**
   * ORDER BY over every partition, merged here (ordered-fanout.ts): each partition returns its
   * first LIMIT + OFFSET rows in order with the sort keys as hidden columns, and the coordinator
   * k-way merges them. Null when the statement has another shape.
   */
  async merged(tx: DistributedTxn, s: Select, st: ReadStmt): Promise<ExecResult | null> {
    const plan = orderedFanoutPlan(s, this.o.mirror.catalog, st.params);
    if (!plan) return null;
    const rs = await Promise.all(this.all.map(async (p) => ((await tx.read({ op: 'run', p, stmts: [{ sql: plan.sql, params: [] }] })) as FragmentResult[])[0]!));
    const visible = rs[0]!.columns.length - plan.hidden;
    const rows = mergeSorted(rs.map((r) => r.rows), plan.keys.map((k) => ({ ...k, index: visible + k.index })), plan.offset, plan.limit);
    for (const row of rows) row.length = visible;
    // The column names as the engine gives them for the statement as written: the partitions
    // ran a printed copy, whose expression columns would be named by the printed text.
    const columns = this.o.mirror.withRows(new Map(), (ses) => ses.execute(st.sql, st.params), tx.cx).columns;
    this.stats.orderedMerge++;
    return { columns, rows, rowsAffected: 0, lastInsertId: null };
  }

  /** The partial-aggregate fast path (partial-aggregate.ts), or null when the query is not eligible. */
  async partialAggregate(tx: DistributedTxn, s: Select, st: ReadStmt): Promise<ExecResult | null> {
    const plan = partialAggregatePlan(s, this.o.mirror.catalog, st.params);
    if (!plan) return null;
    // The original query over the empty mirror: validates it and gives the result's column names.
    const names = this.o.mirror.withRows(new Map(), (ses) => ses.execute(st.sql, st.params), tx.cx).columns;
    return runPartialAggregate(plan, names, (sql) => Promise.all(this.all.map(async (p) => ((await tx.read({ op: 'run', p, stmts: [{ sql, params: [] }] })) as FragmentResult[])[0]!.rows)), this.o.mirror, tx.cx);
  }

  /** The join paths' reads, inside `tx` on the partitions it has touched. */
  joinContext(tx: DistributedTxn): JoinContext {
    return {
      partitions: this.o.partitions,
      mirror: this.o.mirror,
      stats: this.o.joinStats,
      semiJoinMaxKeys: this.o.semiJoinMaxKeys(),
      ...(tx.cx ? { callCx: tx.cx } : {}),
      keyOf: (t) => this.o.keyOf(t),
      query: async (p, sql, params) => ((await tx.read({ op: 'run', p, stmts: [{ sql, params }] })) as FragmentResult[])[0]!,
      scan: (p, table, pushdown) => tx.read({ op: 'scan', p, table, ...(pushdown ? { pushdown } : {}) }) as Promise<Value[][]>,
    };
  }

  /** Every row of each table (or those a pushdown keeps), from every partition (inside `tx` where it is open). */
  async fetch(tx: DistributedTxn, tables: ReadonlySet<string>, pd: Pushdown | null = null): Promise<Map<string, Value[][]>> {
    const out = new Map<string, Value[][]>();
    await Promise.all([...tables].map(async (name) => {
      const pushdown = pd && pd.table === name ? { alias: pd.alias, ...(pd.where !== undefined ? { where: pd.where } : {}), ...(pd.orderBy !== undefined ? { orderBy: pd.orderBy, limit: pd.limit! } : {}) } : undefined;
      const op = { op: 'scan' as const, table: name, ...(pushdown ? { pushdown } : {}) };
      const parts = await Promise.all(this.all.map((p) => tx.read({ ...op, p }) as Promise<Value[][]>));
      out.set(name, parts.flat());
    }));
    return out;
  }

  /** Reads rows of `t` passing `where` from partition p (inside `tx` where it is open). */
  scanWhere(tx: DistributedTxn, p: number, t: TableInfo, where: string): Promise<Value[][]> {
    return tx.read({ op: 'scan', p, table: t.name, pushdown: { alias: t.name, where } }) as Promise<Value[][]>;
  }
}

/** Results of one statement on several partitions: rows concatenated, counts summed. */
export function combine(rs: readonly FragmentResult[]): ExecResult {
  const first = rs[0]!;
  let lastInsertId: bigint | null = null;
  for (const r of rs) if (r.lastInsertId !== null) lastInsertId = r.lastInsertId;
  return { columns: first.columns, rows: rs.flatMap((r) => r.rows), rowsAffected: rs.reduce((n, r) => n + r.rowsAffected, 0), lastInsertId };
}
