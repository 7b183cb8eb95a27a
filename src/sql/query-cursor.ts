/**
 * A resumable cursor over one SELECT on one partition: the shard side of gRPC `Query`
 * streaming. The engine is push-based (access paths emit rows into callbacks), so a cursor
 * cannot suspend in the middle of a scan; instead each {@link QueryCursor.next} runs the
 * compiled query again from where the previous call stopped, for at most the rows asked.
 *
 *   pipelined   one table, one resumable scan (a full scan, a rowid range or rowid order, one
 *               index range or index order — AccessPath.resumable), WHERE (scan kernels as
 *               usual), projection, LIMIT/OFFSET, and an ORDER BY only when that scan yields
 *               it. Each `next` opens a read transaction, seeks to the saved position
 *               (resume-txn.ts), reads until it has its rows and closes again: nothing but
 *               the position is kept between calls, and no call reads more than it returns
 *               (plus the rows its WHERE rejects).
 *   blocking    anything else — a sort without a usable index, aggregates, GROUP BY,
 *               DISTINCT, joins, subqueries, compounds, CTEs. The query runs to completion on
 *               the first `next` and the cursor then hands out its result in pieces. The
 *               partition holds the whole result meanwhile: the cost of a blocking operator,
 *               as in any database (a sort must see its last input row before its first output).
 *
 * Sort keys: for a single-core SELECT with ORDER BY, every row comes with its ORDER BY values
 * (`keys`, also for terms that are not output columns) and the cursor reports the terms'
 * {@link SortKey}s, so the coordinator can merge several partitions' sorted streams with the
 * engine's own comparison ({@link compareByKeys}).
 *
 * IMPORTANT: storage does not isolate transactions, and each call reads in a new one: the
 * caller must keep writers away from the partition while the cursor is open (the coordinator's
 * ReadHold). The catalog version is checked on every call; a schema change fails the cursor.
 */
import { HeliosError, sqlError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { Expr, Select, Statement } from './ast.js';
import { compileExpr, type Runtime } from './compile-expr.js';
import { ijdFromUnixMs } from './date-functions.js';
import type { SqlEngine } from './engine.js';
import { ResumeTxn, type ScanPosition } from './resume-txn.js';
import { Scope, type Env } from './scope.js';
import { compileCore, type CoreResult } from './select-core.js';
import { QueryCompiler, compareByKeys, intArg, type SortKey } from './select.js';

export interface CursorOptions {
  /** Replaces the statement's LIMIT and OFFSET (a fan-out partition runs LIMIT n+m OFFSET 0). */
  readonly limit?: { readonly limit: bigint | null; readonly offset: bigint };
}

export interface CursorRows {
  /** Output rows (the statement's columns only). */
  readonly rows: Value[][];
  /** Per row, its ORDER BY values (null without ORDER BY or for a compound/CTE query). */
  readonly keys: Value[][] | null;
  /** True when no row is left: later calls return nothing. */
  readonly done: boolean;
}

export interface QueryCursor {
  readonly columns: readonly string[];
  /** The ORDER BY terms of {@link CursorRows.keys} (empty when there are no keys). */
  readonly order: readonly SortKey[];
  /** True when rows are read as they are asked for; false when the result was computed first. */
  readonly pipelined: boolean;
  /** Up to `maxRows` next rows (fewer is not the end: see `done`). */
  next(maxRows: number): CursorRows;
}

/**
 * Index entries one pipelined run may scan: an unordered index range collects rowids before
 * fetching rows, so this bounds a run's memory (2 × the largest chunk the shard asks for).
 */
const INDEX_RUN_BUDGET = 8192;

/** Rows skipped per run while applying OFFSET to a pipelined cursor (bounds each run's memory). */
const SKIP_STEP = 4096;

/** @internal called by {@link SqlEngine.openCursor} with the parsed statement and bound parameters. */
export function openQueryCursor(engine: SqlEngine, sql: string, stmt: Statement, params: Value[], opts: CursorOptions): QueryCursor {
  if (stmt.kind !== 'select') throw sqlError(`a query cursor runs one SELECT, not ${stmt.kind.toUpperCase()}`);
  const rt: Runtime = {
    txn: null!,
    params,
    gen: 1,
    fn: { now: ijdFromUnixMs(engine.now()), random: engine.random, lastInsertId: () => 0n, changes: () => 0n },
    ...engine.runtimeExtras(),
  };
  const qc = new QueryCompiler(sql, engine.catalog, rt);
  const version = engine.catalog.version;
  const inTxn = <T>(from: ScanPosition | null, fn: (t: ResumeTxn) => T): T => {
    if (engine.catalog.version !== version) throw new HeliosError('SERIALIZATION_FAILURE', 'the schema changed while the query cursor was open');
    const t = new ResumeTxn(engine.partition.begin(), from, INDEX_RUN_BUDGET);
    rt.txn = t;
    try {
      return fn(t);
    } finally {
      t.commit(); // read-only: no log record
    }
  };

  if (stmt.with || stmt.cores.length !== 1) {
    const q = qc.compileSelect(stmt, null);
    return blocking(q.columns, [], () => inTxn(null, () => q.run(null)), null);
  }
  const core = compileCore(qc, stmt.cores[0]!, null, stmt.orderBy);
  const orderKeys = (core as CoreResult & { orderKeys: (SortKey & { outIndex: number })[] }).orderKeys;
  const ncols = core.columns.length;
  // Where each ORDER BY value sits in a core row: an output column, or a hidden column after them.
  let hidden = ncols;
  const keyIdx = orderKeys.map((k) => (k.outIndex >= 0 ? k.outIndex : hidden++));
  const order = orderKeys.map(({ desc, nullsFirst, coll }) => ({ desc, nullsFirst, coll }));
  const { limit, offset } = opts.limit ?? limitOf(stmt, qc, rt);
  const split = (rows: Value[][]): { rows: Value[][]; keys: Value[][] | null } => ({
    rows: rows.map((r) => (r.length > ncols ? r.slice(0, ncols) : r)),
    keys: keyIdx.length === 0 ? null : rows.map((r) => keyIdx.map((i) => r[i]!)),
  });

  if (!core.resumable || (orderKeys.length > 0 && !core.ordered) || hasSubquery(stmt.cores[0]!)) {
    return blocking(core.columns, order, () => inTxn(null, () => {
      const needSort = orderKeys.length > 0 && !core.ordered;
      let rows = core.run(null, needSort || limit === null ? Infinity : Number(limit + offset));
      if (needSort) rows.sort((a, b) => compareByKeys(a, b, orderKeys, keyIdx));
      const end = limit === null ? rows.length : Number(offset + limit);
      if (offset > 0n || end < rows.length) rows = rows.slice(Number(offset), end);
      return rows;
    }), split);
  }

  // Pipelined: each call re-runs the core from the saved position for at most the rows asked.
  let position: ScanPosition | null = null;
  let skip = offset;
  let left = limit;
  let done = limit === 0n;
  const run = (want: number): { rows: Value[][]; more: boolean } => inTxn(position, (t) => {
    const rows = core.run(null, want);
    const stopped = rows.length === want;
    position = t.positionAfter(stopped);
    return { rows, more: stopped || t.truncated };
  });
  return {
    columns: core.columns,
    order,
    pipelined: true,
    next(maxRows) {
      while (!done && skip > 0n) {
        const step = skip < BigInt(SKIP_STEP) ? Number(skip) : SKIP_STEP;
        const r = run(step);
        skip -= BigInt(r.rows.length);
        if (!r.more) done = true;
      }
      if (done) return { rows: [], keys: keyIdx.length === 0 ? null : [], done: true };
      const want = left === null || left > BigInt(maxRows) ? maxRows : Number(left);
      const r = run(want);
      if (left !== null) left -= BigInt(r.rows.length);
      done = !r.more || left === 0n;
      return { ...split(r.rows), done };
    },
  };
}

/** A cursor over a result computed in full on the first call, then handed out in pieces. */
function blocking(columns: readonly string[], order: readonly SortKey[], compute: () => Value[][], split: ((rows: Value[][]) => { rows: Value[][]; keys: Value[][] | null }) | null): QueryCursor {
  let result: { rows: Value[][]; keys: Value[][] | null } | null = null;
  let at = 0;
  return {
    columns,
    order: split ? order : [],
    pipelined: false,
    next(maxRows) {
      if (!result) {
        const rows = compute();
        result = split ? split(rows) : { rows, keys: null };
      }
      const end = Math.min(result.rows.length, at + maxRows);
      const rows = result.rows.slice(at, end);
      const keys = result.keys ? result.keys.slice(at, end) : null;
      at = end;
      const done = at >= result.rows.length;
      if (done) [result, at] = [{ rows: [], keys: result.keys ? [] : null }, 0]; // let the result go
      return { rows, keys, done };
    },
  };
}

/** The statement's own LIMIT and OFFSET (evaluated once: they may not read rows). */
function limitOf(stmt: Select, qc: QueryCompiler, rt: Runtime): { limit: bigint | null; offset: bigint } {
  const cx = { scope: new Scope(null), rt, sub: qc, aggs: null };
  const env: Env = { row: [], outer: null, agg: null };
  const ev = (e: Expr | undefined, what: string): bigint | null => (e ? intArg(compileExpr(e, cx).ev(env), what) : null);
  const limit = ev(stmt.limit, 'LIMIT');
  const offset = ev(stmt.offset, 'OFFSET') ?? 0n;
  return { limit: limit === null || limit < 0n ? null : limit, offset: offset < 0n ? 0n : offset };
}

/** Whether a core holds a subquery (a pipelined run would re-run it and see its cache reset). */
function hasSubquery(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  if (Array.isArray(node)) return node.some(hasSubquery);
  const o = node as Record<string, unknown>;
  if (o['kind'] === 'subquery' || o['kind'] === 'exists' || (o['kind'] === 'in' && (o['select'] !== undefined || o['table'] !== undefined))) return true;
  for (const k in o) if (hasSubquery(o[k])) return true;
  return false;
}
