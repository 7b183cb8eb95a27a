/**
 * The coordinator: the main thread's view of the database. It owns the shard workers (through
 * {@link ShardSupervisor}), routes requests to them over the SharedArrayBuffer rings, and is the
 * only thing `src/net` talks to. It may import `src/shard/protocol.ts` (the frames shards
 * understand), `src/ring`, `src/sql` and `src/config`; never `src/net`.
 *
 * Life of a request:
 *   1. `src/net` (REST on hyper-express or gRPC) parses the call and asks the coordinator;
 *   2. the coordinator picks the shard(s) that own the rows (today: SQL goes to shard 0,
 *      status/echo to the shard named) and writes a frame on that shard's request ring
 *      ({@link ShardClient.request}); a full ring queues in a bounded queue, then UNAVAILABLE;
 *   3. the shard worker, asleep in Atomics.wait, drains every queued frame as one batch
 *      (`src/shard/worker-main.ts`), executes each, group-commits its WAL once for the batch;
 *   4. it writes every reply (already encoded in the caller's wire format) on its response ring
 *      and notifies once;
 *   5. the coordinator, waiting with Atomics.waitAsync, resolves the waiting promises and `net`
 *      forwards the bytes.
 * Read next: shard-client.ts (ids, deadlines, failure), shard-supervisor.ts (restart policy),
 * then src/shard/worker-main.ts.
 */
import { HeliosError, unavailable } from '../errors.js';
import type { Logger } from '../log.js';
import type { RingStats } from '../ring/index.js';
import { FrameKind, decodeJson, type CatalogSchema, type ShardStatus } from '../shard/protocol.js';
import { decodeExecuteResponse, encodeExecuteRequest } from '../shard/grpc-codec.js';
import type { Value } from '../storage/api.js';
import { createStatsBlock, ShardStatsRow } from '../shard/stats-block.js';
import { ShardSupervisor } from './shard-supervisor.js';
import type { ShardStorageSettings } from './shard-client.js';

export { partitionsOf } from './shard-supervisor.js';
export type { CatalogSchema, SchemaTable, SchemaColumn } from '../shard/protocol.js';

/** The result of {@link Coordinator.exec}: one statement's outcome as values. */
export interface StructuredResult {
  columns: string[];
  rows: Value[][];
  rowsAffected: number;
  lastInsertId: bigint | null;
}

/**
 * Whether a request body (JSON or protobuf bytes holding SQL text) may hold DDL: a CREATE, DROP
 * or ALTER keyword anywhere. False positives (the word in a string literal, `recreate`) only cost
 * one extra schema round trip; the bytes are read as latin1, which keeps ASCII keywords intact.
 * IMPORTANT: no word boundary before the keyword — in protobuf the SQL string follows its length
 * byte, which may read as a letter (69 = 'E'): "\x0a E CREATE TABLE…" has no boundary at 'C'.
 */
const DDL_WORD = /(?:create|drop|alter)\b/i;
export function mayHoldDdl(body: Uint8Array): boolean {
  return DDL_WORD.test(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1'));
}

export interface CoordinatorOptions {
  shards: number;
  partitions: number;
  /** Storage settings handed to every shard (cacheBytes is per shard). */
  storage: ShardStorageSettings;
  log: Logger;
  /** Bytes per ring (each shard has two). */
  ringBytes?: number;
  /** Called when a shard cannot be kept alive: the server exits non-zero. */
  onFatal: (reason: string) => void;
}

export interface ShardRuntimeStats {
  shard: number;
  ready: boolean;
  inFlight: number;
  ring: RingStats | undefined;
  framesProcessed: number;
  batches: number;
  restarts: number;
  busyMs: number;
  /** Scan-kernel backend, once the shard is Ready. */
  kernels: string | undefined;
}

const DEFAULT_RING_BYTES = 1 << 20;
/** The shard serving partition 0, where SQL data lives until the sharding issue partitions tables. */
const SQL_SHARD = 0;

export class Coordinator {
  private readonly supervisor: ShardSupervisor;
  private readonly statsBlock: SharedArrayBuffer;
  private draining = false;
  /** Set once start-up work after recovery (init_sql, the first schema load) is done. */
  private initialized = false;
  private ddlListener: (() => Promise<void>) | null = null;

  constructor(private readonly opts: CoordinatorOptions) {
    this.statsBlock = createStatsBlock(opts.shards);
    this.supervisor = new ShardSupervisor({
      shards: opts.shards,
      partitions: opts.partitions,
      ringBytes: opts.ringBytes ?? DEFAULT_RING_BYTES,
      statsBlock: this.statsBlock,
      storage: opts.storage,
      log: opts.log,
      onGiveUp: (_shard, reason) => opts.onFatal(reason),
    });
  }

  get shardCount(): number {
    return this.supervisor.clients.length;
  }

  /** Spawns the shards; resolves when every shard has recovered and reported Ready. */
  async start(): Promise<void> {
    this.supervisor.start();
    // A shard that dies before it is Ready is restarted by the supervisor with a fresh `ready`
    // promise: keep waiting on the current ones until all are Ready (or we are stopping).
    for (;;) {
      await Promise.allSettled(this.supervisor.clients.map((c) => c.ready));
      if (this.supervisor.clients.every((c) => c.isReady)) break;
      if (this.draining) throw unavailable('stopped before every shard was ready');
      await new Promise((r) => setTimeout(r, 20));
    }
    this.opts.log.info({ shards: this.shardCount }, 'all shards ready');
  }

  /** Ready = every shard takes work and we are not draining (GET /ready). */
  isReady(): boolean {
    return !this.draining && this.initialized && this.supervisor.clients.every((c) => c.isReady);
  }

  /** Each shard's status, gathered through the rings (a real round trip per shard). */
  async status(timeoutMs = 5000): Promise<ShardStatus[]> {
    return Promise.all(
      this.supervisor.clients.map(async (c) => decodeJson<ShardStatus>(await c.request(FrameKind.Status, new Uint8Array(0), { timeoutMs }))),
    );
  }

  /** Raw request to one shard, for the layers above that speak the shard protocol. */
  request(shard: number, kind: number, payload: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    if (this.draining) return Promise.reject(unavailable('the server is shutting down'));
    return this.client(shard).request(kind, payload, timeoutMs === undefined ? {} : { timeoutMs });
  }

  /**
   * A `/v1/sql` request body (JSON bytes) → the response body (JSON bytes, encoded by the shard).
   * Until tables are partitioned (the sharding issue), the SQL data lives in partition 0, which
   * shard 0 serves.
   */
  sql(body: Uint8Array): Promise<Uint8Array> {
    return this.sqlRequest(FrameKind.Exec, body);
  }

  /** A `/v1/batch` request body → its response body. */
  batch(body: Uint8Array): Promise<Uint8Array> {
    return this.sqlRequest(FrameKind.Batch, body);
  }

  /** A protobuf `ExecuteRequest` → a protobuf `ExecuteResponse` (both as bytes, encoded by the shard). */
  execProto(body: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    return this.sqlRequest(FrameKind.ExecProto, body, timeoutMs);
  }

  /** A protobuf `BatchRequest` → a protobuf `BatchResponse`. */
  batchProto(body: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    return this.sqlRequest(FrameKind.BatchProto, body, timeoutMs);
  }

  /**
   * One statement with positional parameters, answered as values (the generated APIs' path).
   * It travels as the protobuf ExecuteRequest/ExecuteResponse the shard already speaks.
   */
  async exec(sql: string, params: readonly Value[], timeoutMs?: number): Promise<StructuredResult> {
    return decodeExecuteResponse(await this.sqlRequest(FrameKind.ExecProto, encodeExecuteRequest(sql, params), timeoutMs));
  }

  /** The catalog as the generated APIs need it (a real round trip to the SQL shard). */
  async schema(timeoutMs?: number): Promise<CatalogSchema> {
    return decodeJson<CatalogSchema>(await this.request(SQL_SHARD, FrameKind.Schema, new Uint8Array(0), timeoutMs));
  }

  /**
   * `listener` runs after every SQL request that may have changed the schema (see
   * {@link mayHoldDdl}), before that request's reply is handed back: so a client that created a
   * table finds its generated API once its CREATE TABLE has answered. Failed requests count too
   * (a failed statement changes nothing, and an extra refresh is one cheap round trip).
   */
  onPossibleDdl(listener: () => Promise<void>): void {
    this.ddlListener = listener;
  }

  private async sqlRequest(kind: number, body: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    const listener = this.ddlListener;
    if (!listener || !mayHoldDdl(body)) return this.request(SQL_SHARD, kind, body, timeoutMs);
    try {
      return await this.request(SQL_SHARD, kind, body, timeoutMs);
    } finally {
      await listener().catch((e: unknown) => this.opts.log.error({ err: e instanceof Error ? e.stack : String(e) }, 'schema refresh after DDL failed'));
    }
  }

  /** Cheap per-shard numbers for metrics, read from shared memory (no round trip). */
  runtimeStats(): ShardRuntimeStats[] {
    return this.supervisor.clients.map((c) => {
      const row = new ShardStatsRow(this.statsBlock, c.shard);
      return {
        shard: c.shard,
        ready: c.isReady,
        inFlight: c.inFlight,
        ring: c.ringStats(),
        framesProcessed: row.get('framesProcessed'),
        batches: row.get('batches'),
        restarts: row.get('restarts'),
        busyMs: row.get('busyMs'),
        kernels: c.readyStatus?.kernels,
      };
    });
  }

  /** Start-up work after recovery is done: from now on, readiness follows the shards. */
  markInitialized(): void {
    this.initialized = true;
  }

  /** Stop taking new work (GET /ready turns 503). */
  drain(): void {
    this.draining = true;
  }

  /** Stops every shard cleanly (each makes its WAL durable and exits). */
  async stop(timeoutMs = 5000): Promise<void> {
    this.draining = true;
    await this.supervisor.stop(timeoutMs);
  }

  private client(shard: number) {
    const c = this.supervisor.clients[shard];
    if (!c) throw new HeliosError('INTERNAL', `no shard ${shard}`);
    return c;
  }
}
