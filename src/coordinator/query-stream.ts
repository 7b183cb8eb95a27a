/**
 * gRPC `Query` at the coordinator: a pull-based stream of QueryResponse messages. The caller
 * (src/net/grpc-server.ts) asks for the next message only when the client can take it — after a
 * `write()` that returned true, or after 'drain' — so a slow client stalls the stream here and,
 * through it, the shards' cursors: no layer buffers more than a chunk per partition.
 *
 *   Query ─▶ Router.queryRoute (query-plan.ts)
 *     single  ─▶ ReadHold(p) ─▶ cursorOpen on p ─▶ chunk ─▶ message (bytes forwarded as encoded by the shard)
 *     fanout  ─▶ ReadHold(all) ─▶ cursorOpen on every partition (LIMIT n+m OFFSET 0 pushed)
 *                 no ORDER BY: each chunk forwarded as it arrives (concatenation)
 *                 ORDER BY:    k-way merge by the rows' ORDER BY values (compareByKeys, the
 *                              engine's own comparison), OFFSET m / LIMIT n applied at the merge,
 *                              messages assembled from the rows' pre-encoded bytes
 *     execute ─▶ Router.executeOne ─▶ the result cut into messages here
 *
 * Flow control: a partition has at most one chunk request in flight. Concatenation: after a
 * chunk is handed on, the partition's next one is asked for at once (so the shard works while
 * the client reads), and no further one until that is handed on — one chunk per partition.
 * Merge: the next chunk is asked for once half of the current one is used (the merge waits on
 * its slowest partition, so it reads ahead) — at most two chunks per partition.
 *
 * Lifetime: {@link QueryStream.close} (end, error, cancel, idle client) closes every cursor the
 * shards still hold, then ends the read hold. Deadline and cancellation reach each chunk request
 * (ring-executor.ts): a cancelled or expired request is stopped on its shard as well.
 */
import { HeliosError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { ExecResult } from '../sql/index.js';
import { compareByKeys, type SortKey } from '../sql/index.js';
import { ChunkWriter, decodeChunk, rowBytes, rowRun, type Chunk } from '../shard/cursor-chunk.js';
import { encodeQueryResponse } from '../shard/grpc-codec.js';
import type { FragmentOp } from '../shard/fragment-protocol.js';
import type { PartitionExecutor } from './distributed-txn.js';
import type { ReadHold } from './read-hold.js';
import { callContext, type CallContext } from './call-context.js';
import type { Router, Stmt } from './router.js';

/** Bounds of one chunk a shard sends (and of one message the coordinator assembles). */
export interface ChunkLimits {
  readonly rows: number;
  readonly bytes: number;
}

/**
 * 64 KiB: large enough that per-message costs (a ring frame, an HTTP/2 DATA frame, a gRPC
 * message header) vanish next to the rows, small enough that P partitions' buffered chunks stay
 * a few MiB and far below a client's default 4 MiB message limit.
 */
export const DEFAULT_CHUNK: ChunkLimits = { rows: 8192, bytes: 64 * 1024 };

export interface QueryStream {
  /** The next QueryResponse message, or null after the last. The first carries the columns. */
  next(): Promise<Uint8Array | null>;
  /** Ends the stream early or late: closes the shards' cursors and the read hold. Idempotent. */
  close(): Promise<void>;
}

/** Counters for tests and metrics. */
export interface QueryStreamStats {
  streamsOpened: number;
  streamsOpen: number;
  /** cursorOpen + cursorNext requests sent to shards. */
  chunksRequested: number;
  cursorsOpened: number;
  /** Cursors ended: their last chunk was read, or a close was sent. */
  cursorsClosed: number;
}

export interface QueryOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly chunk?: ChunkLimits;
}

/** One partition's cursor as the stream sees it. */
interface Feed {
  readonly p: number;
  chunk: Chunk | null;
  /** Next unread row of `chunk`. */
  at: number;
  /** The shard has no more rows (its cursor is gone). */
  done: boolean;
  pending: Promise<void> | null;
  /** The merge's read-ahead: the chunk after `chunk`, asked for once half of `chunk` was used. */
  next: Chunk | null;
}

const available = (f: Feed): number => (f.chunk ? f.chunk.rows - f.at : 0);

export class QueryStreams {
  readonly stats: QueryStreamStats = { streamsOpened: 0, streamsOpen: 0, chunksRequested: 0, cursorsOpened: 0, cursorsClosed: 0 };
  private nextId = 1;

  constructor(private readonly router: Router, private readonly exec: PartitionExecutor, private readonly hold: ReadHold) {}

  async open(st: Stmt, o: QueryOptions = {}): Promise<QueryStream> {
    const cx = callContext(o);
    const route = await this.router.queryRoute(st);
    if (route.kind === 'execute') {
      const r = (await this.router.executeOne(st, undefined, cx)) as ExecResult;
      return resultStream(r, o.chunk ?? DEFAULT_CHUNK);
    }
    const partitions = route.kind === 'single' ? [route.p] : [...Array(this.exec.partitions).keys()];
    const release = await this.hold.acquire(partitions, route.tables);
    const s = new CursorStream(this, this.exec, cx, `q${this.nextId++}`, partitions, release, o.chunk ?? DEFAULT_CHUNK,
      route.kind === 'fanout' ? { ordered: route.ordered, limit: route.limit, offset: route.offset } : null);
    this.stats.streamsOpened++;
    this.stats.streamsOpen++;
    try {
      await s.openAll(st);
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }
}

/** A finished result cut into messages (the Execute path, and a Query inside an interactive transaction). */
export function resultStream(r: ExecResult, limits: ChunkLimits): QueryStream {
  let at = 0;
  let first = true;
  return {
    next: () => {
      if (!first && at >= r.rows.length) return Promise.resolve(null);
      const w = new ChunkWriter();
      while (at < r.rows.length && w.rows < limits.rows && w.bytes < limits.bytes) w.add(r.rows[at++]!);
      const msg = concat(first ? encodeQueryResponse(r.columns, []) : EMPTY, w.body());
      first = false;
      return Promise.resolve(msg);
    },
    close: () => {
      at = r.rows.length;
      first = false;
      return Promise.resolve();
    },
  };
}

const EMPTY = new Uint8Array(0);

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

class CursorStream implements QueryStream {
  private readonly feeds: Feed[];
  private columnsPrefix: Uint8Array | null = null;
  private order: readonly SortKey[] = [];
  private keyIdx: number[] = [];
  private firstSent = false;
  private closed = false;
  private failure: HeliosError | null = null;
  private skip: bigint;
  private left: bigint | null;

  constructor(
    private readonly owner: QueryStreams,
    private readonly exec: PartitionExecutor,
    private readonly cx: CallContext | undefined,
    private readonly id: string,
    partitions: readonly number[],
    private readonly release: () => void,
    private readonly limits: ChunkLimits,
    /** Fan-out: ORDER BY merge or not, and the LIMIT/OFFSET applied here. Null: one partition. */
    private readonly fanout: { ordered: boolean; limit: bigint | null; offset: bigint } | null,
  ) {
    this.feeds = partitions.map((p) => ({ p, chunk: null, at: 0, done: false, pending: null, next: null }));
    this.skip = fanout?.offset ?? 0n;
    this.left = fanout?.limit ?? null;
  }

  private call(op: FragmentOp): Promise<Uint8Array> {
    return this.exec.call(op, this.cx) as Promise<Uint8Array>;
  }

  private take(f: Feed, bytes: Uint8Array): void {
    const c = decodeChunk(bytes);
    if (available(f) > 0) f.next = c;
    else {
      f.chunk = c;
      f.at = 0;
    }
    if (c.done) {
      f.done = true;
      this.owner.stats.cursorsClosed++;
    }
  }

  /** Opens every partition's cursor; resolves with their first chunks buffered. */
  async openAll(st: Stmt): Promise<void> {
    const pushLimit = this.fanout ? { limit: this.fanout.limit === null ? null : this.fanout.limit + this.fanout.offset, offset: 0n } : undefined;
    await Promise.all(this.feeds.map(async (f) => {
      this.owner.stats.chunksRequested++;
      this.owner.stats.cursorsOpened++;
      const bytes = await this.call({
        op: 'cursorOpen', p: f.p, cursor: this.id, sql: st.sql, params: st.params, keys: this.fanout?.ordered === true, chunk: this.limits,
        ...(pushLimit ? { limit: pushLimit } : {}),
      });
      this.take(f, bytes);
    }));
    const meta = this.feeds[0]!.chunk!.meta;
    this.columnsPrefix = encodeQueryResponse(meta.columns ?? [], []);
    this.order = meta.order ?? [];
    this.keyIdx = this.order.map((_, i) => i);
  }

  /** Asks partition f for its next chunk unless one is in flight or f is done. */
  private fetch(f: Feed): void {
    if (f.done || f.pending || this.closed) return;
    this.owner.stats.chunksRequested++;
    f.pending = this.call({ op: 'cursorNext', p: f.p, cursor: this.id, chunk: this.limits }).then(
      (bytes) => {
        f.pending = null;
        this.take(f, bytes);
      },
      (e: unknown) => {
        f.pending = null;
        this.failure ??= HeliosError.from(e);
      },
    );
  }

  async next(): Promise<Uint8Array | null> {
    if (this.failure) throw this.failure;
    if (this.closed) return null;
    const body = this.fanout?.ordered ? await this.merged() : await this.concatenated();
    if (this.failure) throw this.failure;
    if (body === null) {
      await this.close();
      if (this.firstSent) return null;
      this.firstSent = true;
      return this.columnsPrefix;
    }
    const msg = this.firstSent ? body : concat(this.columnsPrefix!, body);
    this.firstSent = true;
    return msg;
  }

  /** The next run of rows in arrival order (null at the end). */
  private async concatenated(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.left === 0n) return null;
      const f = this.feeds.find((x) => available(x) > 0);
      if (f) {
        const c = f.chunk!;
        let from = f.at;
        if (this.skip > 0n) {
          const n = Math.min(c.rows - from, Number(this.skip));
          from += n;
          this.skip -= BigInt(n);
        }
        let to = c.rows;
        if (this.left !== null && BigInt(to - from) > this.left) to = from + Number(this.left);
        if (this.left !== null) this.left -= BigInt(to - from);
        f.at = c.rows;
        this.fetch(f);
        if (to > from) return rowRun(c, from, to);
        continue;
      }
      if (!(await this.waitForRows())) return null;
    }
  }

  /** The next run of rows of the k-way merge (null at the end). */
  private async merged(): Promise<Uint8Array | null> {
    const parts: Uint8Array[] = [];
    let bytes = 0;
    while (parts.length < this.limits.rows && bytes < this.limits.bytes && this.left !== 0n && !this.closed) {
      // Every live partition must show its next row before the smallest can be chosen.
      const starving = this.feeds.filter((f) => available(f) === 0 && !f.done);
      if (starving.length > 0) {
        for (const f of starving) this.fetch(f);
        await Promise.all(starving.map((f) => f.pending));
        if (this.failure) throw this.failure;
        continue;
      }
      let best: Feed | null = null;
      for (const f of this.feeds) {
        if (available(f) === 0) continue;
        if (best === null || compareByKeys(keyOf(f), keyOf(best), this.order, this.keyIdx) < 0) best = f;
      }
      if (best === null) break; // every partition is drained
      const row = rowBytes(best.chunk!, best.at++);
      if (this.skip > 0n) this.skip--;
      else {
        parts.push(row);
        bytes += row.length;
        if (this.left !== null) this.left--;
      }
      if (available(best) === 0 && best.next) {
        best.chunk = best.next;
        best.next = null;
        best.at = 0;
      }
      // Read ahead once half a chunk is used: the merge waits on its slowest partition, so the
      // next chunk should be on its way before this one runs out (two chunks per partition at most).
      if (available(best) === 0 || (best.next === null && best.at * 2 >= best.chunk!.rows)) this.fetch(best);
    }
    return parts.length === 0 ? null : concat(...parts);
  }

  /** Waits until some partition has rows; false when none ever will. */
  private async waitForRows(): Promise<boolean> {
    for (const f of this.feeds) if (available(f) === 0) this.fetch(f);
    const pending = this.feeds.filter((f) => f.pending).map((f) => f.pending!);
    if (pending.length === 0) return false;
    await Promise.race(pending);
    if (this.failure) throw this.failure;
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // After any chunk request in flight (ring order), so the close finds the cursor if it exists.
      await Promise.allSettled(this.feeds.map(async (f) => {
        await f.pending?.catch(() => undefined);
        if (f.done) return;
        f.done = true;
        this.owner.stats.cursorsClosed++;
        await this.exec.call({ op: 'cursorClose', p: f.p, cursor: this.id });
      }));
    } finally {
      this.release();
      this.owner.stats.streamsOpen--;
    }
  }
}

function keyOf(f: Feed): readonly Value[] {
  return f.chunk!.meta.keys![f.at]!;
}
