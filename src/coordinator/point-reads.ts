/**
 * Point reads answered on the coordinator's thread from the serving shard's pages
 * (src/shard/page-reads.ts), for the hottest statement of a microservice: a `SELECT *` of one row
 * by its INTEGER PRIMARY KEY — the generated REST `GET /v1/<table>/{id}`, gRPC `Get<Message>`, or
 * the same SELECT through `/v1/sql` or `Execute`. The ring round trip and the shard's wake-up are
 * the larger part of such a read's cost; here it is a B-tree descent in shared memory.
 *
 * Who guarantees what:
 * - the router holds the row's shared key lock (Router.pointNow), so no writer of that row is
 *   running or holds unacknowledged work on it;
 * - the shard's sequence lock says its pages were not changing while we read (else: the shard
 *   answers);
 * - a table's location (root page, columns) comes from the shard (`locate` op) and is kept only
 *   while {@link Locks.structuralEpoch} is unchanged — every DDL, VACUUM or in-doubt resolution
 *   asks for a partition exclusively and so bumps it — and only for the shard incarnation it
 *   came from.
 * Anything unusual — no location yet, the shard busy, a page not in memory, a parameter that is not
 * an integer — returns undefined and the statement goes to the shard as before.
 */
import type { Statement, Expr } from '../sql/ast.js';
import type { ExecResult, Params } from '../sql/index.js';
import type { ReplyFormat, TableLocation } from '../shard/fragment-protocol.js';
import { selectStarReply, type PageReadStats, type ShardPages, type ViewTable } from '../shard/page-reads.js';
import { paramValue } from './route-analysis.js';

export interface PointReadsOptions {
  /** The view of the pool serving partition p (undefined: none, or the shard is not running). */
  pagesOf(p: number): ShardPages | undefined;
  /** {@link Locks.structuralEpoch}. */
  epoch(): number;
  /** Asks partition p's shard where `table` lives (the `locate` op). */
  locate(p: number, table: string): Promise<TableLocation | null>;
}

export interface PointReadStats extends PageReadStats {
  /** Table locations fetched from the shards. */
  located: number;
}

/** A `SELECT * FROM t WHERE c = <literal or parameter>`: what is left to check against the table. */
interface PointShape {
  readonly table: string;
  readonly alias: string;
  readonly column: Extract<Expr, { kind: 'col' }>;
  readonly value: Expr;
}

interface Located {
  readonly pages: ShardPages;
  readonly epoch: number;
  /** Null: the table cannot be read here (no rowid alias, a fenced partition). */
  readonly loc: TableLocation | null;
  readonly table: ViewTable | null;
  /** The rowid alias column's name, lower case. */
  readonly rowidName: string;
}

const ROWID_NAMES = ['rowid', 'oid', '_rowid_'];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class PointReads {
  readonly stats: PointReadStats = { read: 0, busy: 0, raced: 0, missed: 0, located: 0 };
  private readonly shapes = new WeakMap<Statement, PointShape | null>();
  private readonly located = new Map<string, Located>();
  private readonly locating = new Set<string>();

  constructor(private readonly o: PointReadsOptions) {}

  /** Table locations held now, by partition (tests). */
  locatedOn(p: number): number {
    let n = 0;
    for (const key of this.located.keys()) if (key.startsWith(`${p}/`)) n++;
    return n;
  }

  /**
   * False when `s` is not of the one shape the pages can answer (`SELECT * FROM t WHERE c = v`):
   * a check on the parsed statement alone, before any planning.
   */
  mayAnswer(s: Statement): boolean {
    return this.shapeOf(s) !== null;
  }

  /**
   * The answer to `s` (a point SELECT the router routed to partition `p`, whose key lock the
   * caller holds) read from the shard's pages, encoded as `reply`; undefined: ask the shard.
   */
  answer(p: number, s: Statement, params: Params, reply: ReplyFormat | undefined): Uint8Array | ExecResult | undefined {
    const pages = this.o.pagesOf(p);
    if (pages === undefined) return undefined;
    const shape = this.shapeOf(s);
    if (shape === null) return undefined;
    const key = `${p}/${shape.table.toLowerCase()}`;
    const at = this.located.get(key);
    if (at === undefined || at.pages !== pages || at.epoch !== this.o.epoch()) {
      this.fetchLocation(key, p, shape.table, pages);
      return undefined;
    }
    if (at.loc === null || at.table === null) return undefined;
    const rowid = this.rowidOf(shape, at, params);
    if (rowid === undefined) return undefined;
    const rows = pages.readRow(at.table, rowid, this.stats);
    if (rows === undefined) return undefined;
    return selectStarReply(at.loc, rows, reply);
  }

  /**
   * Forgets the locations on `partitions` (their shard died): each holds the dead incarnation's
   * pool view, and with it a whole buffer pool of memory, until it is replaced.
   */
  forget(partitions: readonly number[]): void {
    const gone = new Set(partitions);
    for (const key of [...this.located.keys()]) if (gone.has(Number(key.slice(0, key.indexOf('/'))))) this.located.delete(key);
  }

  /** Asks the shard where the table lives, once at a time; kept if nothing changed meanwhile. */
  private fetchLocation(key: string, p: number, table: string, pages: ShardPages): void {
    if (this.locating.has(key)) return;
    this.locating.add(key);
    const epoch = this.o.epoch();
    this.o.locate(p, table).then(
      (loc) => {
        this.locating.delete(key);
        if (this.o.epoch() !== epoch || this.o.pagesOf(p) !== pages) return; // DDL or a restart meanwhile
        this.stats.located++;
        this.located.set(key, {
          pages,
          epoch,
          loc,
          table: loc === null ? null : pages.table(loc),
          rowidName: loc === null ? '' : loc.names[loc.rowidColumn]!.toLowerCase(),
        });
      },
      () => this.locating.delete(key), // the shard is restarting or busy: a later read asks again
    );
  }

  /** The rowid `shape` selects, when it is the table's rowid alias compared with an integer. */
  private rowidOf(shape: PointShape, at: Located, params: Params): bigint | undefined {
    const c = shape.column;
    if (c.table !== undefined && c.table.toLowerCase() !== shape.alias.toLowerCase()) return undefined;
    const name = c.name.toLowerCase();
    const isRowid = name === at.rowidName || (ROWID_NAMES.includes(name) && !at.loc!.names.some((n) => n.toLowerCase() === name));
    if (!isRowid) return undefined;
    const v = shape.value.kind === 'lit' ? shape.value.value : shape.value.kind === 'param' ? paramValue(shape.value, params) : undefined;
    return typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
  }

  private shapeOf(s: Statement): PointShape | null {
    let shape = this.shapes.get(s);
    if (shape === undefined) {
      shape = pointShape(s);
      this.shapes.set(s, shape);
    }
    return shape;
  }
}

/** `SELECT * FROM t [AS a] WHERE col = value` and nothing more, else null. */
function pointShape(s: Statement): PointShape | null {
  if (s.kind !== 'select' || s.with || s.cores.length !== 1 || s.orderBy || s.limit || s.offset) return null;
  const core = s.cores[0]!;
  if (core.distinct || core.groupBy || core.having || core.values || !core.from || core.from.kind !== 'table') return null;
  if (core.columns.length !== 1 || core.columns[0]!.kind !== 'star' || core.columns[0]!.table !== undefined) return null;
  const w = core.where;
  if (!w || w.kind !== 'binary' || (w.op !== '=' && w.op !== '==')) return null;
  const from = core.from;
  const alias = from.alias ?? from.name;
  for (const [col, value] of [[w.left, w.right], [w.right, w.left]] as const) {
    if (col.kind === 'col' && (value.kind === 'lit' || value.kind === 'param')) return { table: from.name, alias, column: col, value };
  }
  return null;
}
