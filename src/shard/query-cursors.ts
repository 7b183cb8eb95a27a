/**
 * A shard's open query cursors (gRPC `Query` streaming): the `cursorOpen` / `cursorNext` /
 * `cursorClose` fragment ops. A cursor is the SQL layer's resumable {@link QueryCursor} over one
 * partition; each op answers with one chunk (cursor-chunk.ts) of at most `rows` rows and about
 * `bytes` bytes, encoded here as QueryResponse `rows` fields so the coordinator forwards them.
 *
 * Chunks are filled in steps: the first asks the cursor for 256 rows, later ones for as many as
 * the average row size says still fit, so a pipelined cursor seeks a few times per chunk and a
 * chunk overshoots its byte budget by about one step's last rows at most.
 *
 * Lifetime: the coordinator closes every cursor it opened (end of stream, cancel, idle client,
 * failure); a cursor whose last row was sent is dropped at once. As a safety net against a close
 * that never arrives, a cursor unused for {@link SHARD_CURSOR_IDLE_MS} is dropped at the next op.
 */
import { HeliosError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { CursorOptions, QueryCursor, SqlEngine } from '../sql/index.js';
import { ChunkWriter } from './cursor-chunk.js';
import { RawReply } from './fragment-protocol.js';
import type { ShardStatsRow } from './stats-block.js';

/** Bounds of one chunk, asked by the coordinator per op. */
export interface ChunkLimits {
  readonly rows: number;
  readonly bytes: number;
}

/** Longer than any coordinator-side idle timeout: only a lost close ever reaches it. */
export const SHARD_CURSOR_IDLE_MS = 10 * 60_000;

const FIRST_STEP = 256;
const MIN_STEP = 16;

interface OpenCursor {
  readonly cursor: QueryCursor;
  readonly keys: boolean;
  lastUsed: number;
}

export class QueryCursors {
  private readonly open = new Map<string, OpenCursor>();

  constructor(private readonly stats: ShardStatsRow | null = null, private readonly now: () => number = Date.now, private readonly idleMs = SHARD_CURSOR_IDLE_MS) {
    this.publish(); // a restarted shard starts with none
  }

  /** Open cursors (tests and the stats block read it). */
  get size(): number {
    return this.open.size;
  }

  /** Opens cursor `id` over `sql` and answers with its first chunk (with the columns and ORDER BY). */
  openCursor(id: string, engine: SqlEngine, sql: string, params: Value[] | Record<string, Value>, opts: CursorOptions & { keys: boolean }, limits: ChunkLimits): RawReply {
    this.sweep();
    if (this.open.has(id)) throw new HeliosError('INTERNAL', `cursor ${id} is already open`);
    const cursor = engine.openCursor(sql, params, opts.limit ? { limit: opts.limit } : {});
    const e: OpenCursor = { cursor, keys: opts.keys, lastUsed: this.now() };
    this.open.set(id, e);
    try {
      return this.chunk(id, e, limits, true);
    } finally {
      this.publish();
    }
  }

  next(id: string, limits: ChunkLimits): RawReply {
    this.sweep();
    const e = this.open.get(id);
    if (!e) throw new HeliosError('UNAVAILABLE', `query cursor ${id} is not open here (closed after ${this.idleMs} ms unused, or its shard restarted)`);
    e.lastUsed = this.now();
    try {
      return this.chunk(id, e, limits, false);
    } finally {
      this.publish();
    }
  }

  /** Drops cursor `id`; idempotent. */
  close(id: string): null {
    this.open.delete(id);
    this.sweep();
    this.publish();
    return null;
  }

  private chunk(id: string, e: OpenCursor, limits: ChunkLimits, first: boolean): RawReply {
    const w = new ChunkWriter();
    const keys: Value[][] = [];
    let done = false;
    let step = Math.max(1, Math.min(FIRST_STEP, limits.rows));
    try {
      while (w.rows < limits.rows && w.bytes < limits.bytes) {
        const r = e.cursor.next(step);
        for (let i = 0; i < r.rows.length; i++) {
          w.add(r.rows[i]!);
          if (e.keys && r.keys) keys.push(r.keys[i]!);
        }
        if (r.done) {
          done = true;
          break;
        }
        const avg = w.rows > 0 ? w.bytes / w.rows : 64;
        step = Math.max(MIN_STEP, Math.min(limits.rows - w.rows, Math.ceil((limits.bytes - w.bytes) / avg)));
      }
    } catch (err) {
      this.open.delete(id); // a failed cursor is gone: the coordinator ends the stream
      throw err;
    }
    if (done) this.open.delete(id);
    this.stats?.add('cursorChunks', 1);
    const meta = {
      ...(first ? { columns: e.cursor.columns, ...(e.keys ? { order: e.cursor.order } : {}) } : {}),
      ...(e.keys ? { keys } : {}),
    };
    return new RawReply(w.finish(done, meta));
  }

  private sweep(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [id, e] of this.open) if (e.lastUsed < cutoff) this.open.delete(id);
  }

  private publish(): void {
    this.stats?.set('cursorsOpen', this.open.size);
  }
}
