/**
 * Point reads of a shard's rows from the coordinator's thread, straight from the shard's buffer
 * pool: no ring round trip, no wake-up of the shard. The pool lives in shared memory
 * (partition-host.ts); the coordinator holds a read-only view of it and reads optimistically
 * under the pool's sequence lock:
 *
 *   s = view.readBegin()      -1 while the shard is inside a batch: ask the shard instead
 *   row = table.get(rowid)    the owner's own descent and decoding, over the shared pages
 *   view.readValid(s)         false if the shard wrote meanwhile: what was read may be torn
 *
 * Anything else that goes wrong — a page not resident, an overflow value over the view's limit,
 * a torn page that fails a check — also means "ask the shard". What makes the row the right one
 * is not this file but the coordinator's lock: the caller holds the row's shared key lock, so no
 * writer of that row is running or has unacknowledged work on it (see docs/sharding.md, "Point
 * reads from shared pages").
 *
 * The answer is encoded by the same encoder the shard uses (reply-encoding.ts), so a client
 * cannot tell the two paths apart.
 */
import { BufferPool, ViewTable, type ReadOnlyPool, type SharedPoolBlock, type Row } from '../storage/index.js';
import type { FragmentResult, ReplyFormat, TableLocation } from './fragment-protocol.js';
import { encodeReplyBody } from './reply-encoding.js';

export type { SharedPoolBlock, ViewTable };

/** Why a read was left to the shard (counters for metrics and tests). */
export interface PageReadStats {
  /** Answered from the pages. */
  read: number;
  /** The shard was inside a batch when the read began. */
  busy: number;
  /** The shard wrote while the read ran (the result was dropped). */
  raced: number;
  /** A page was not resident, a value too large, or a page failed a check. */
  missed: number;
}

/** The coordinator's view of one shard incarnation's pool. */
export class ShardPages {
  readonly view: ReadOnlyPool;

  constructor(block: SharedPoolBlock) {
    this.view = BufferPool.attach(block);
  }

  /** A reader for one located table (build once per location: it holds the tree's formats). */
  table(loc: TableLocation): ViewTable {
    return new ViewTable(this.view, loc);
  }

  /**
   * The row with `rowid` as `[row]` or `[]` (absent), or undefined when the shard must answer.
   * The caller holds the row's key lock.
   */
  readRow(table: ViewTable, rowid: bigint, stats: PageReadStats): Row[] | undefined {
    const s = this.view.readBegin();
    if (s < 0) {
      stats.busy++;
      return undefined;
    }
    let row: Row | undefined;
    try {
      row = table.get(rowid);
    } catch {
      stats.missed++;
      return undefined;
    }
    if (!this.view.readValid(s)) {
      stats.raced++;
      return undefined;
    }
    stats.read++;
    return row === undefined ? [] : [row];
  }
}

/**
 * What the shard's `SELECT * FROM t WHERE <rowid alias> = ?` returns for these rows: in the
 * caller's wire format (byte for byte what the shard would have written: the same encoder), or
 * as values when `reply` is undefined.
 */
export function selectStarReply(loc: TableLocation, rows: Row[], reply: ReplyFormat | undefined): FragmentResult | Uint8Array {
  if (reply !== undefined) return encodeReplyBody({ columns: loc.names as string[], rows, rowsAffected: 0, lastInsertId: null }, reply);
  return { columns: [...loc.names], rows, rowsAffected: 0, lastInsertId: null }; // the caller's to keep
}
