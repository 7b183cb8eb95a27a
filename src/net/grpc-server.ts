/**
 * The gRPC server (@grpc/grpc-js): the static `heliosdb.v1.Database` service of the contract and
 * the standard `grpc.health.v1.Health` service, the generated per-table services
 * (attachSchema), and a library user's own services (addUserService). Execute, Query, Batch and
 * Session are all served; requests travel as bytes to the shard, whose strict reader answers
 * garbage with BAD_REQUEST → INVALID_ARGUMENT.
 *
 * Query streams (docs/api.md, "Query"): the next message is pulled from the coordinator only
 * when `write()` returned true or after 'drain', so a slow client holds back the shards instead
 * of filling memory; a client that reads nothing for `queryIdleTimeoutMs` loses the call
 * (DEADLINE_EXCEEDED). Cancelling a call (or its deadline passing) stops its work on the shards:
 * Execute, Batch and Query all pass an AbortSignal down (coordinator/ring-executor.ts).
 *
 * Limits: `grpc.max_receive_message_length` = max_request_size_mb (RESOURCE_EXHAUSTED beyond),
 * `grpc.max_concurrent_streams` per connection, and max_connections at accept — the listening
 * socket is ours (grpc-listener.ts), so TLS and the connection gate live there.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Coordinator } from '../coordinator/index.js';
import type { Logger } from '../log.js';
import { HeliosError, cancelled, deadlineExceeded } from '../errors.js';
import type { QueryStream } from '../coordinator/index.js';
import { once } from 'node:events';
import { errorMessage, grpcStatusOf } from './error-map.js';
import type { Metrics } from './metrics.js';
import { fixProto3Optional } from './schema-api/index.js';
import type { SchemaService } from './schema-service.js';
import type { ConnectionGate } from './connection-gate.js';
import { listenGrpc, type GrpcListener, type TlsFiles } from './grpc-listener.js';

/** A copy of a service definition whose methods take and return raw bytes. */
function passthrough(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  for (const [name, m] of Object.entries(def)) {
    out[name] = {
      ...(m as grpc.MethodDefinition<unknown, unknown>),
      requestDeserialize: (b: Buffer) => b,
      requestSerialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    };
  }
  return out as grpc.ServiceDefinition;
}

export const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

export interface GrpcOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  tls?: TlsFiles;
  /** `max_connections`, shared with REST; none = unlimited. */
  gate?: ConnectionGate;
  /** Concurrent calls (HTTP/2 streams) per connection; default {@link DEFAULT_MAX_STREAMS_PER_CONNECTION}. */
  maxConcurrentStreams?: number;
  /** How long a Query may wait for its client to read before it is failed; default {@link DEFAULT_QUERY_IDLE_TIMEOUT_MS}. */
  queryIdleTimeoutMs?: number;
}

/**
 * A Query whose client reads nothing this long is stopped (its cursors closed, its read hold
 * ended): a stalled client must not keep writers of its partitions waiting forever. The server
 * passes `[transactions] default_timeout_ms`, the same bound an idle transaction gets.
 */
export const DEFAULT_QUERY_IDLE_TIMEOUT_MS = 30_000;

/**
 * Concurrent calls per connection. 100 is the floor RFC 9113 recommends and what most servers
 * advertise; a client that wants more opens more connections (and meets `max_connections`).
 * Together the two bound the calls in flight at max_connections × 100. Clients queue calls
 * beyond it themselves; a stream over it is refused (REFUSED_STREAM) by HTTP/2.
 */
export const DEFAULT_MAX_STREAMS_PER_CONNECTION = 100;

/** A user's own gRPC service, served next to the built-in ones (`Database.serve`). */
export interface UserGrpcService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_DIR] };

enum Serving {
  SERVING = 'SERVING',
  NOT_SERVING = 'NOT_SERVING',
  SERVICE_UNKNOWN = 'SERVICE_UNKNOWN',
}

const HEALTH_WATCH_INTERVAL_MS = 1000;

export class GrpcServer {
  private readonly server: grpc.Server;
  readonly definitions: protoLoader.PackageDefinition;
  port = 0;
  private listener: GrpcListener | null = null;
  private readonly watchers = new Set<NodeJS.Timeout>();
  private schema: SchemaService | null = null;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly opts: GrpcOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': opts.maxRequestBytes,
      'grpc.max_concurrent_streams': opts.maxConcurrentStreams ?? DEFAULT_MAX_STREAMS_PER_CONNECTION,
    });
    this.definitions = protoLoader.loadSync(['heliosdb/v1/database.proto', 'grpc/health/v1/health.proto'], LOADER_OPTIONS);
    // Requests and responses pass through as bytes: the shard decodes the request and encodes
    // the response itself (encode once). Methods without a handler answer UNIMPLEMENTED.
    const database = passthrough(this.definitions['heliosdb.v1.Database'] as grpc.ServiceDefinition);
    this.server.addService(database, {
      Session: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.session(call),
      Execute: this.unary(
        'heliosdb.v1.Database/Execute',
        (body, timeoutMs, signal, pagesTried) => this.coordinator.execProto(body, timeoutMs, signal, pagesTried),
        (body) => this.coordinator.execProtoNow(body),
      ),
      Batch: this.unary('heliosdb.v1.Database/Batch', (body, timeoutMs, signal) => this.coordinator.batchProto(body, timeoutMs, signal)),
      Query: (call: grpc.ServerWritableStream<Buffer, Buffer>) => void this.query(call),
    });
    this.server.addService(this.definitions['grpc.health.v1.Health'] as grpc.ServiceDefinition, {
      Check: (call: grpc.ServerUnaryCall<{ service?: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const s = this.servingStatus(call.request.service ?? '');
        this.count('grpc.health.v1.Health/Check', s === Serving.SERVICE_UNKNOWN ? 'NOT_FOUND' : 'OK');
        if (s === Serving.SERVICE_UNKNOWN) cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` });
        else cb(null, { status: s });
      },
      Watch: (call: grpc.ServerWritableStream<{ service?: string }, unknown>) => {
        let last: Serving | undefined;
        const tick = () => {
          const s = this.servingStatus(call.request.service ?? '');
          if (s !== last) {
            last = s;
            call.write({ status: s });
          }
        };
        tick();
        const timer = setInterval(tick, HEALTH_WATCH_INTERVAL_MS);
        this.watchers.add(timer);
        const stop = () => {
          clearInterval(timer);
          this.watchers.delete(timer);
        };
        call.on('cancelled', stop);
        call.on('close', stop);
      },
    });
  }

  /**
   * Serves the schema-generated services and server reflection (v1 and v1alpha) on this server:
   * reflection lists the static Database and Health services plus every generated one.
   */
  attachSchema(schema: SchemaService): void {
    this.schema = schema;
    const statics = protoLoader.loadSync(['heliosdb/v1/database.proto', 'grpc/health/v1/health.proto'], LOADER_OPTIONS);
    fixProto3Optional(statics as Record<string, unknown>);
    schema.attachGrpc(this.server, statics);
  }

  /**
   * Serves a user's service on this server. A method path that a built-in (or earlier user)
   * service already serves is refused with BAD_REQUEST naming it, before anything is added.
   */
  addUserService(service: UserGrpcService, where: string): void {
    for (const m of Object.values(service.definition)) {
      if (typeof m?.path !== 'string') throw new HeliosError('BAD_REQUEST', `${where}: not a grpc-js service definition (a method has no path)`);
    }
    try {
      this.server.addService(service.definition, service.implementation);
    } catch (e) {
      throw new HeliosError('BAD_REQUEST', `${where}: ${(e as Error).message}`);
    }
  }

  /** The .proto files of the static services (path under proto/ → text), for GET /v1/protos. */
  static staticProtos(): Map<string, string> {
    const files = ['heliosdb/v1/database.proto', 'grpc/health/v1/health.proto'];
    return new Map(files.map((f) => [f, readFileSync(PROTO_DIR + f, 'utf8')]));
  }

  /**
   * A unary handler over raw bytes, with the call's deadline, its cancellation and the contract's
   * status codes. `now`, when given, answers in the call's own tick if it can (a point read from
   * the shard's pages): no promise, no AbortController, no listener — each costs per call, and
   * such an answer cannot be cancelled half-way anyway. When it cannot, `run` is told so.
   */
  private unary(
    route: string,
    run: (body: Uint8Array, timeoutMs: number | undefined, signal: AbortSignal, pagesTried: boolean) => Promise<Uint8Array>,
    now?: (body: Uint8Array) => Uint8Array | undefined,
  ): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, cb) => {
      const t0 = performance.now();
      const ms = timeLeft(call);
      if (ms !== undefined && ms <= 0) {
        cb({ code: grpc.status.DEADLINE_EXCEEDED, details: 'deadline already passed' });
        return;
      }
      if (now !== undefined) {
        let bytes: Uint8Array | undefined;
        try {
          bytes = now(call.request);
        } catch (e) {
          const { code, details } = this.statusOf(e, route);
          this.observe(route, grpc.status[code], t0);
          cb({ code, details });
          return;
        }
        if (bytes !== undefined) {
          this.observe(route, 'OK', t0);
          cb(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          return;
        }
      }
      const ac = new AbortController();
      const onCancel = (): void => ac.abort();
      call.once('cancelled', onCancel);
      run(call.request, ms, ac.signal, now !== undefined).then(
        (bytes) => {
          call.off('cancelled', onCancel);
          this.observe(route, 'OK', t0);
          cb(null, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        },
        (e: unknown) => {
          call.off('cancelled', onCancel);
          const { code, details } = this.statusOf(e, route);
          this.observe(route, grpc.status[code], t0);
          cb({ code, details });
        },
      );
    };
  }

  /** The contract's status for a failure (INTERNAL ones logged). */
  private statusOf(e: unknown, route: string): { code: grpc.status; details: string } {
    const err = HeliosError.from(e);
    if (err.code === 'INTERNAL') this.log.error({ err: e instanceof Error ? e.stack : String(e), route }, 'internal error');
    return { code: grpcStatusOf(err), details: `${err.code}: ${errorMessage(err)}` };
  }

  /**
   * `Query`: pulls messages from the coordinator's stream as the client takes them. A failure
   * before the first message is the call's only status; one later ends the stream with it.
   */
  private async query(call: grpc.ServerWritableStream<Buffer, Buffer>): Promise<void> {
    const route = 'heliosdb.v1.Database/Query';
    const t0 = performance.now();
    const fail = (code: grpc.status, details: string): void => {
      this.observe(route, grpc.status[code], t0);
      call.emit('error', { code, details });
    };
    const ms = timeLeft(call);
    if (ms !== undefined && ms <= 0) return fail(grpc.status.DEADLINE_EXCEEDED, 'deadline already passed');
    const ac = new AbortController();
    const onCancel = (): void => ac.abort();
    call.once('cancelled', onCancel);
    let stream: QueryStream | null = null;
    try {
      stream = await this.coordinator.queryProto(call.request, { ...(ms !== undefined ? { timeoutMs: ms } : {}), signal: ac.signal });
      for (;;) {
        if (ac.signal.aborted) throw cancelled('the call was cancelled');
        const msg = await stream.next();
        if (msg === null) break;
        if (!call.write(Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength))) await drained(call, ac.signal, this.opts.queryIdleTimeoutMs ?? DEFAULT_QUERY_IDLE_TIMEOUT_MS);
      }
      this.observe(route, 'OK', t0);
      call.end();
    } catch (e) {
      if (ac.signal.aborted) this.observe(route, 'CANCELLED', t0); // the client is gone: nobody to tell
      else {
        const { code, details } = this.statusOf(e, route);
        fail(code, details);
      }
    } finally {
      call.off('cancelled', onCancel);
      await stream?.close().catch((e: unknown) => this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'closing a query stream failed'));
    }
  }

  private observe(route: string, status: string, t0: number): void {
    this.metrics.record('grpc', route, status, (performance.now() - t0) / 1000);
  }

  private servingStatus(service: string): Serving {
    if (service !== '' && service !== 'heliosdb.v1.Database' && !this.schema?.grpcServiceNames().includes(service)) return Serving.SERVICE_UNKNOWN;
    return this.coordinator.isReady() ? Serving.SERVING : Serving.NOT_SERVING;
  }

  /**
   * The bidirectional `Session` (src/coordinator/session.ts): requests answered in order, errors
   * in-stream. The stream's end or cancellation rolls its open transaction back at once.
   */
  private session(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    const route = 'heliosdb.v1.Database/Session';
    let session: ReturnType<Coordinator['session']>;
    try {
      session = this.coordinator.session();
    } catch (e) {
      const err = HeliosError.from(e);
      this.count(route, grpc.status[grpcStatusOf(err)]);
      call.destroy(Object.assign(new Error(`${err.code}: ${errorMessage(err)}`), { code: grpcStatusOf(err) }));
      return;
    }
    this.count(route, 'OK');
    let written: Promise<void> = Promise.resolve();
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      void session.close();
    };
    call.on('data', (b: Buffer) => {
      const reply = session.handle(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      written = written.then(async () => {
        const r = await reply;
        if (!call.cancelled && !call.destroyed) call.write(Buffer.from(r.buffer, r.byteOffset, r.byteLength));
      });
    });
    call.on('end', () => {
      void written.then(() => session.close()).finally(() => {
        closed = true;
        if (!call.cancelled) call.end();
      });
    });
    call.on('cancelled', close);
    call.on('error', close);
    call.on('close', close);
  }

  private count(route: string, status: string): void {
    this.metrics.record('grpc', route, status);
  }

  async listen(): Promise<number> {
    this.listener = await listenGrpc(this.server, {
      host: this.opts.host,
      port: this.opts.port,
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      ...(this.opts.gate ? { gate: this.opts.gate } : {}),
    });
    this.port = this.listener.port;
    return this.port;
  }

  /** Stops accepting calls and waits for in-flight ones (forcing after `graceMs`). */
  async close(graceMs = 3000): Promise<void> {
    for (const t of this.watchers) clearInterval(t);
    this.watchers.clear();
    const listening = this.listener?.close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.log.warn('gRPC calls still running at shutdown: cancelling them');
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.listener?.destroyRemaining();
    await listening;
  }
}

/** Milliseconds left before the call's deadline (undefined: none). */
function timeLeft(call: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerWritableStream<Buffer, Buffer>): number | undefined {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() - Date.now() : Number.isFinite(deadline) ? Number(deadline) - Date.now() : undefined;
}

/** Waits for 'drain'; throws when the call is cancelled or the client reads nothing for `idleMs`. */
async function drained(call: grpc.ServerWritableStream<Buffer, Buffer>, signal: AbortSignal, idleMs: number): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), idleMs);
  try {
    await once(call, 'drain', { signal: AbortSignal.any([signal, ac.signal]) });
  } catch (e) {
    if (signal.aborted) throw cancelled('the call was cancelled');
    if (ac.signal.aborted) throw deadlineExceeded(`the client read nothing for ${idleMs} ms; the query was stopped`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
