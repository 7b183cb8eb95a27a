/**
 * The coordinator: the main thread's view of the database. It owns the shard workers (through
 * {@link ShardSupervisor}), routes requests to them over the SharedArrayBuffer rings, and is the
 * only thing `src/net` talks to. It may import `src/shard/protocol.ts` (the frames shards
 * understand), `src/ring`, `src/sql` and `src/config`; never `src/net`.
 *
 * Life of a request:
 *   1. `src/net` (REST on hyper-express or gRPC) parses the call and asks the coordinator;
 *   2. the router (router.ts) parses the statement and picks the partition(s) that own its rows
 *      (point statements: one; others fan out, multi-partition writes commit with 2PC —
 *      docs/sharding.md), and writes a Fragment frame on the owning shard's request ring
 *      ({@link ShardClient.request}); a full ring queues in a bounded queue, then UNAVAILABLE;
 *   3. the shard worker, asleep in Atomics.wait, drains every queued frame as one batch
 *      (`src/shard/worker-main.ts`), executes each, group-commits its WAL once for the batch;
 *   4. it writes every reply (already encoded in the caller's wire format) on its response ring
 *      and notifies once;
 *   5. the coordinator, waiting with Atomics.waitAsync, resolves the waiting promises, the router
 *      merges the partitions' results, and the reply is encoded in the client's wire format.
 * A point SELECT by rowid skips 2–5: the router reads the row from the shard's shared pages under
 * its key lock and the pool's sequence lock (point-reads.ts), else takes the ring as above.
 * Read next: router.ts (routing, fan-out, 2PC), shard-client.ts (ids, deadlines, failure),
 * shard-supervisor.ts (restart policy), then src/shard/worker-main.ts.
 */
import { HeliosError, unavailable } from '../errors.js';
import type { Logger } from '../log.js';
import type { RingStats } from '../ring/index.js';
import { FrameKind, decodeJson, type CatalogSchema, type ShardStatus } from '../shard/protocol.js';
import { decodeBatch, decodeStatement, encodeBatchResponse, encodeExecuteResponse } from '../shard/grpc-codec.js';
import { batchBody, parseJsonBody, resultToJson, sqlBody } from '../shard/json-codec.js';
import { describeCatalog } from '../shard/schema-describe.js';
import type { ReplyFormat } from '../shard/fragment-protocol.js';
import type { Value } from '../storage/api.js';
import { splitStatements, type ExecResult } from '../sql/index.js';
import { createStatsBlock, ShardStatsRow } from '../shard/stats-block.js';
import { ShardSupervisor } from './shard-supervisor.js';
import type { ShardStorageSettings } from './shard-client.js';
import { Router, type Stmt } from './router.js';
import type { PointReadStats } from './point-reads.js';
import { RingExecutor } from './ring-executor.js';
import { callContext, type CallContext } from './call-context.js';
import { DEFAULT_CHUNK, QueryStreams, resultStream, type QueryOptions, type QueryStream, type QueryStreamStats } from './query-stream.js';
import { LockReadHold } from './read-hold.js';
import { resolvePartitionCount } from './partition-meta.js';
import { LogDecisions } from './log-decisions.js';
import type { TxnStats } from './distributed-txn.js';
import { InteractiveTxns, type InteractiveStats } from './interactive-txns.js';
import { Session } from './session.js';
import type { LockStats } from './txn/locks.js';
import { partitionsOf } from './shard-supervisor.js';

export { partitionsOf } from './shard-supervisor.js';
export type { QueryStream, QueryOptions, QueryStreamStats } from './query-stream.js';
export type { CatalogSchema, SchemaTable, SchemaColumn } from '../shard/protocol.js';
export type { ReplyFormat } from '../shard/fragment-protocol.js';
// The generated gRPC API's value → field rules and `row-proto` reply format: one copy, used by
// net's main-thread encoding and by the shard's encode-once path alike.
export { protoFieldValue, rowProtoMessage, rowProtoReply, type ProtoFieldValue, type ProtoScalar, type RowProtoField, type RowProtoReply } from '../shard/row-proto.js';

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
  /** `[schema.shard_keys]`: table → shard-key column (default: the rowid). */
  shardKeys?: Readonly<Record<string, string>>;
  /** `[transactions]`: interactive transactions' default idle timeout and how many may be open. */
  transactions?: { defaultTimeoutMs: number; maxConcurrent: number };
  /** How long a statement waits for a lock before SERIALIZATION_FAILURE (default 10 s). */
  lockWaitTimeoutMs?: number;
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
  /** Query cursors open on the shard now, and chunks it has served (src/shard/query-cursors.ts). */
  cursorsOpen: number;
  cursorChunks: number;
}

const DEFAULT_RING_BYTES = 1 << 20;
const encoder = new TextEncoder();

/**
 * The test-only fault hook: `HELIOS_FAULT=<point>:<n>` SIGKILLs the process the n-th time the
 * 2PC step `<point>` is reached (points: 2pc:after-prepare, 2pc:after-decision, 2pc:mid-commit).
 */
function faultHook(spec: string | undefined): (point: string) => void {
  const m = spec ? /^(.*):(\d+)$/.exec(spec) : null;
  if (!m) return () => undefined;
  const [, want, nth] = m;
  let seen = 0;
  return (point) => {
    if (point === want && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  };
}

export class Coordinator {
  private readonly supervisor: ShardSupervisor;
  private readonly statsBlock: SharedArrayBuffer;
  private draining = false;
  /** Set once start-up work after recovery (init_sql, the first schema load) is done. */
  private initialized = false;
  private ddlListener: (() => Promise<void>) | null = null;
  /** Routes SQL to partitions; set by {@link start} (it needs the decision log). */
  private routerOrNull: Router | null = null;
  private streamsOrNull: QueryStreams | null = null;
  private decisions: LogDecisions | null = null;
  private txnsOrNull: InteractiveTxns | null = null;
  /** The partition count this database was created with (partition-meta.ts). */
  readonly partitions: number;
  private readonly epoch = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  constructor(private readonly opts: CoordinatorOptions) {
    this.statsBlock = createStatsBlock(opts.shards);
    this.partitions = resolvePartitionCount(opts.storage.dataDir, opts.partitions, opts.log);
    this.supervisor = new ShardSupervisor({
      shards: opts.shards,
      partitions: this.partitions,
      ringBytes: opts.ringBytes ?? DEFAULT_RING_BYTES,
      statsBlock: this.statsBlock,
      storage: opts.storage,
      log: opts.log,
      onGiveUp: (_shard, reason) => opts.onFatal(reason),
      onDied: (shard) => {
        // Its open transaction sessions are gone: their transactions must not go on there.
        const ps = partitionsOf(shard, opts.shards, this.partitions);
        this.routerOrNull?.partitionsLost(ps);
        this.txnsOrNull?.partitionsLost(ps);
      },
      onRestarted: (shard) => {
        this.routerOrNull?.resolveInDoubt(partitionsOf(shard, opts.shards, this.partitions)).then(
          (r) => opts.log.info({ shard, ...r }, 'in-doubt transactions settled after a shard restart'),
          (e: unknown) => opts.log.error({ shard, err: e instanceof Error ? e.stack : String(e) }, 'settling in-doubt transactions after a shard restart failed'),
        );
      },
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
    this.decisions = new LogDecisions(`${this.opts.storage.dataDir}/coordinator`);
    const executor = new RingExecutor(this.supervisor.clients, this.partitions);
    const router = new Router({
      executor,
      shardKeys: this.opts.shardKeys ?? {},
      decisions: this.decisions,
      fault: faultHook(process.env['HELIOS_FAULT']),
      // A diagnostic switch (docs/sharding.md): 0 sends point reads to their shard as before.
      pageReads: process.env['HELIOS_PAGE_READS'] !== '0',
      ...(this.opts.lockWaitTimeoutMs !== undefined ? { locks: { lockWaitTimeoutMs: this.opts.lockWaitTimeoutMs } } : {}),
    });
    const settled = await router.start();
    this.routerOrNull = router;
    this.txnsOrNull = new InteractiveTxns(router, this.opts.transactions ?? { defaultTimeoutMs: 30_000, maxConcurrent: 1024 });
    this.streamsOrNull = new QueryStreams(router, executor, new LockReadHold(router.locks));
    this.opts.log.info({ shards: this.shardCount, partitions: this.partitions, inDoubtCommitted: settled.committed, inDoubtAborted: settled.aborted }, 'all shards ready');
  }

  /** The router (after {@link start}). */
  get router(): Router {
    if (!this.routerOrNull) throw unavailable('the database is starting');
    return this.routerOrNull;
  }

  /** Interactive transactions (after {@link start}). */
  get txns(): InteractiveTxns {
    if (!this.txnsOrNull) throw unavailable('the database is starting');
    return this.txnsOrNull;
  }

  /** `POST /v1/tx` (body: optional `{"timeout_ms": n}`) → the new transaction's id. */
  txBegin(body: Uint8Array | null): string {
    if (this.draining) throw unavailable('the server is shutting down');
    let timeout: number | undefined;
    if (body !== null && body.byteLength > 0) {
      const o = parseJsonBody(body);
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new HeliosError('BAD_REQUEST', 'body: expected a JSON object, e.g. {"timeout_ms": 30000}');
      for (const k of Object.keys(o)) if (k !== 'timeout_ms') throw new HeliosError('BAD_REQUEST', `body: unknown field ${JSON.stringify(k)} (expected "timeout_ms")`);
      const t = (o as Record<string, unknown>)['timeout_ms'];
      if (t !== undefined) {
        if (typeof t !== 'number') throw new HeliosError('BAD_REQUEST', 'body: "timeout_ms" must be a number');
        timeout = t;
      }
    }
    return this.txns.begin(timeout);
  }

  /** `POST /v1/tx/{id}/sql`: a `/v1/sql` body run inside transaction `id` → the result as JSON bytes. */
  async txSql(id: string, body: Uint8Array): Promise<Uint8Array> {
    if (this.draining) throw unavailable('the server is shutting down');
    const st = sqlBody(parseJsonBody(body), 'body');
    return encoder.encode(resultToJson(await this.txns.execute(id, st)));
  }

  /** One statement with positional parameters inside transaction `id` (the library's path). */
  txExec(id: string, sql: string, params: Value[] | Record<string, Value>): Promise<StructuredResult> {
    if (this.draining) return Promise.reject(unavailable('the server is shutting down'));
    return this.txns.execute(id, { sql, params });
  }

  txCommit(id: string): Promise<void> {
    return this.txns.commit(id);
  }

  txRollback(id: string): Promise<void> {
    return this.txns.rollback(id);
  }

  /** A gRPC `Session` stream's state (session.ts); call `close()` when the stream ends. */
  session(): Session {
    return new Session({ txns: this.txns, autoCommit: async (st) => {
      const r = await this.runOne(st, null, 'proto');
      return r instanceof Uint8Array ? r : encodeExecuteResponse(r);
    } });
  }

  /** Lock counters and the number of open interactive transactions, for metrics. */
  lockStats(): (LockStats & InteractiveStats & { lockWaiting: number }) | null {
    const r = this.routerOrNull;
    const t = this.txnsOrNull;
    if (!r || !t) return null;
    return { ...r.locks.stats, ...t.stats, lockWaiting: r.locks.counts().waiting };
  }

  /** Point reads answered from the shards' pages, and the others (point-reads.ts); null before start. */
  pointReadStats(): PointReadStats | null {
    return this.routerOrNull?.pointReads?.stats ?? null;
  }

  /** Transaction counters for metrics: single- vs multi-partition, 2PC prepares/commits/aborts and latency. */
  txnStats(): TxnStats | null {
    return this.routerOrNull?.stats ?? null;
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

  /** A `/v1/sql` request body (JSON bytes) → the response body (JSON bytes). */
  sql(body: Uint8Array): Promise<Uint8Array> {
    let st: Stmt;
    try {
      st = sqlBody(parseJsonBody(body), 'body');
    } catch (e) {
      return Promise.reject(e);
    }
    const now = this.answerNow(st, 'json');
    if (now !== undefined) return Promise.resolve(now);
    return this.runOne(st, body, 'json', undefined, false).then((r) => (r instanceof Uint8Array ? r : encoder.encode(resultToJson(r))));
  }

  /** A `/v1/batch` request body → its response body. */
  async batch(body: Uint8Array): Promise<Uint8Array> {
    const { statements, transaction } = batchBody(parseJsonBody(body));
    const rs = await this.run(statements, transaction ? 'atomic' : 'batch', body);
    return encoder.encode(`{"results":[${rs.map(resultToJson).join(',')}]}`);
  }

  /**
   * A protobuf `ExecuteRequest` → a protobuf `ExecuteResponse` (both as bytes). `signal`: the
   * call was cancelled — work still running on a shard is stopped (cancel-block.ts).
   * `pagesTried`: {@link execProtoNow} just missed, so the shard's pages are not read again.
   */
  async execProto(body: Uint8Array, timeoutMs?: number, signal?: AbortSignal, pagesTried = false): Promise<Uint8Array> {
    const st = decodeStatement(body);
    if (st.txId !== '') {
      if (this.draining) throw unavailable('the server is shutting down');
      return encodeExecuteResponse(await this.txns.execute(st.txId, st));
    }
    const now = pagesTried ? undefined : this.answerNow(st, 'proto');
    if (now !== undefined) return now;
    const r = await this.runOne(st, body, 'proto', callContext({ timeoutMs, signal }), false);
    return r instanceof Uint8Array ? r : encodeExecuteResponse(r);
  }

  /**
   * {@link execProto}'s response when it is at hand now (a point read from the shard's pages),
   * else undefined — also for a request that does not decode: execProto then reports the error.
   */
  execProtoNow(body: Uint8Array): Uint8Array | undefined {
    let st: ReturnType<typeof decodeStatement>;
    try {
      st = decodeStatement(body);
    } catch {
      return undefined;
    }
    return st.txId === '' ? this.answerNow(st, 'proto') : undefined;
  }

  /** A protobuf `BatchRequest` → a protobuf `BatchResponse`. */
  async batchProto(body: Uint8Array, timeoutMs?: number, signal?: AbortSignal): Promise<Uint8Array> {
    const b = decodeBatch(body);
    return encodeBatchResponse(await this.run(b.statements, b.transaction ? 'atomic' : 'batch', body, callContext({ timeoutMs, signal })));
  }

  /**
   * A protobuf `QueryRequest` → a stream of protobuf `QueryResponse` messages, pulled by the
   * caller as its client reads (query-stream.ts). The caller must {@link QueryStream.close} it.
   * With a `tx_id` the query runs inside that interactive transaction (its locks, its own writes
   * visible) as one statement, and its result is then cut into messages: a transaction's reads
   * already hold their locks until it ends, so there is nothing to stream under.
   */
  async queryProto(body: Uint8Array, o: QueryOptions = {}): Promise<QueryStream> {
    const st = decodeStatement(body);
    if (st.txId !== '') {
      if (this.draining) throw unavailable('the server is shutting down');
      return resultStream(await this.txns.execute(st.txId, st), o.chunk ?? DEFAULT_CHUNK);
    }
    const streams = this.streamsOrNull;
    if (!streams) throw unavailable('the database is starting');
    return this.guarded([st], 'one', body, () => streams.open(st, o));
  }

  /** Streaming-query counters (null before start). */
  queryStats(): QueryStreamStats | null {
    return this.streamsOrNull?.stats ?? null;
  }

  /** One statement with positional parameters, answered as values (the generated APIs' path). */
  async exec(sql: string, params: readonly Value[], timeoutMs?: number): Promise<StructuredResult> {
    const [r] = await this.run([{ sql, params: [...params] }], 'one', null, callContext({ timeoutMs }));
    return r!;
  }

  /**
   * {@link exec} with the reply wanted in `reply` format: when the statement takes the router's
   * single-partition path the shard encodes it and the bytes come back as they are (encode
   * once); otherwise the values come back and the caller encodes them. `pagesTried`: the caller's
   * {@link execEncodedNow} just missed, so the shard's pages are not read a second time.
   */
  execEncoded(sql: string, params: readonly Value[], reply: ReplyFormat, timeoutMs?: number, pagesTried = false): Promise<StructuredResult | Uint8Array> {
    return this.runOne({ sql, params: [...params] }, null, reply, callContext({ timeoutMs }), !pagesTried);
  }

  /**
   * {@link execEncoded}'s answer when it is at hand now — a point read from the shard's pages
   * (Router.answerNow) — else undefined: call execEncoded, which also reports any error.
   */
  execEncodedNow(sql: string, params: readonly Value[], reply: ReplyFormat): Uint8Array | undefined {
    return this.answerNow({ sql, params: params as Value[] }, reply);
  }

  /** A statement's encoded reply if the router has it at hand now (Router.answerNow), else undefined. */
  private answerNow(st: Stmt, reply: ReplyFormat): Uint8Array | undefined {
    const router = this.routerOrNull;
    if (this.draining || router === null) return undefined;
    const r = router.answerNow(st, reply);
    return r instanceof Uint8Array ? r : undefined;
  }

  /** The catalog as the generated APIs need it (the coordinator's copy, current after every DDL). */
  async schema(_timeoutMs?: number): Promise<CatalogSchema> {
    const router = this.router;
    return { ...describeCatalog(router.mirror.catalog, this.epoch), version: `${this.epoch}.${router.mirror.generation}` };
  }

  /**
   * `listener` runs after every SQL request that may have changed the schema (see
   * {@link mayHoldDdl}), before that request's reply is handed back: so a client that created a
   * table finds its generated API once its CREATE TABLE has answered.
   */
  onPossibleDdl(listener: () => Promise<void>): void {
    this.ddlListener = listener;
  }

  private run(stmts: readonly Stmt[], mode: 'one' | 'batch' | 'atomic', body: Uint8Array | null, cx?: CallContext): Promise<ExecResult[]> {
    return this.guarded(stmts, mode, body, () => this.router.execute(stmts, mode, cx));
  }

  /** One statement whose reply is wanted in `reply` format: bytes from the shard when it took the single-partition path. */
  private runOne(st: Stmt, body: Uint8Array | null, reply: ReplyFormat, cx?: CallContext, pages = true): Promise<ExecResult | Uint8Array> {
    return this.guarded([st], 'one', body, () => this.router.executeOne(st, reply, cx, pages));
  }

  /**
   * Draining check, the one-statement error, and the schema refresh after possible DDL. Not
   * async on the common path (no DDL): every request passes here, and an async frame with
   * try/finally cost a promise, a generator and two microtask hops each.
   */
  private guarded<T>(stmts: readonly Stmt[], mode: 'one' | 'batch' | 'atomic', body: Uint8Array | null, fn: () => Promise<T>): Promise<T> {
    if (this.draining) return Promise.reject(unavailable('the server is shutting down'));
    const listener = this.ddlListener;
    const ddl = listener !== null && (body === null ? stmts.some((s) => DDL_WORD.test(s.sql)) : mayHoldDdl(body));
    if (ddl) return this.guardedDdl(stmts, mode, listener, fn);
    let p: Promise<T>;
    try {
      p = fn();
    } catch (e) {
      p = Promise.reject(e);
    }
    return mode === 'one' ? p.catch((e: unknown) => { throw oneStatementOnly(e, stmts[0]!.sql); }) : p;
  }

  private async guardedDdl<T>(stmts: readonly Stmt[], mode: 'one' | 'batch' | 'atomic', listener: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mode === 'one' ? oneStatementOnly(e, stmts[0]!.sql) : e;
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
        cursorsOpen: row.get('cursorsOpen'),
        cursorChunks: row.get('cursorChunks'),
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
    await this.txnsOrNull?.closeAll();
    await this.supervisor.stop(timeoutMs);
    this.decisions?.close();
  }

  private client(shard: number) {
    const c = this.supervisor.clients[shard];
    if (!c) throw new HeliosError('INTERNAL', `no shard ${shard}`);
    return c;
  }
}

/** A syntax error caused by a second statement becomes the contract's "one statement per call" error. */
function oneStatementOnly(e: unknown, sql: string): unknown {
  if (!(e instanceof HeliosError) || e.code !== 'SQL_SYNTAX') return e;
  let n: number;
  try {
    n = splitStatements(sql).length;
  } catch {
    return e;
  }
  return n > 1 ? new HeliosError('SQL_ERROR', `one statement per request, found ${n}: use /v1/batch (or Batch) for several`) : e;
}
