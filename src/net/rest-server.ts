/**
 * The REST server (hyper-express on uWebSockets.js): health, readiness, status and the SQL
 * endpoints of the contract, with the contract's JSON errors for everything that goes wrong —
 * unknown routes, bodies that are not JSON, bodies over `max_request_size_mb`, internal faults.
 */
import HyperExpress from 'hyper-express';
import { randomBytes } from 'node:crypto';
import { HeliosError, badRequest } from '../errors.js';
import type { Logger } from '../log.js';
import type { Coordinator } from '../coordinator/index.js';
import { HTTP_STATUS, errorBody } from './error-map.js';
import type { Metrics } from './metrics.js';
import type { SchemaService } from './schema-service.js';
import { refusalMessage, type ConnectionGate } from './connection-gate.js';
import type { TlsFiles } from './grpc-listener.js';

export interface RestOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  enableCors: boolean;
  tls?: TlsFiles;
  /** `max_connections`, shared with gRPC; none = unlimited. */
  gate?: ConnectionGate;
}

/** Registers a user's own routes on the REST server's hyper-express app (`Database.serve`). */
export type UserRestRoutes = (app: HyperExpress.Server) => void;

type Req = HyperExpress.Request;
type Res = HyperExpress.Response;

/** What hyper-express's `type('json')` resolves to, without its mime lookup per response. */
const JSON_UTF8 = 'application/json; charset=utf-8';

const idPrefix = randomBytes(3).toString('hex');
let idCounter = 0;
const nextRequestId = () => `${idPrefix}-${(++idCounter).toString(36)}`;

export class RestServer {
  private readonly app: HyperExpress.Server;
  port = 0;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly opts: RestOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly schema: SchemaService | null = null,
  ) {
    this.app = new HyperExpress.Server({
      auto_close: false,
      // hyper-express answers an empty 413 itself past this limit, before our handler runs.
      // We check sizes first (`readJsonBytes`) so the reply carries the contract's JSON error;
      // its own limit stays as a hard cap for bodies that lie about or omit their length.
      max_body_length: opts.maxRequestBytes * 2 + 65536,
      ...(opts.tls ? { cert_file_name: opts.tls.certPath, key_file_name: opts.tls.keyPath } : {}),
    });
    if (opts.gate) this.limitConnections(opts.gate);
    this.routes();
  }

  /**
   * Registers a user's routes. They sit beside the built-in ones: uWebSockets prefers static
   * segments over wildcards, so `/v1/sql`, `/health` and friends keep their handlers, and a
   * user's static route wins over the generated `/v1/*` resource routes. Call before listen().
   */
  addUserRoutes(register: UserRestRoutes): void {
    register(this.app);
  }

  /** The hyper-express app (for a library user's routes). */
  get hyperExpress(): HyperExpress.Server {
    return this.app;
  }

  /**
   * `max_connections` at accept: uWebSockets reports each socket's open and close through its
   * filter; a socket opened over the limit is answered 503 UNAVAILABLE (the contract's body,
   * Retry-After) at once and closed — before it sends anything, so the reply is the response to
   * its first request. Sockets already open are untouched. See ConnectionGate for the counting.
   */
  private limitConnections(gate: ConnectionGate): void {
    const body = JSON.stringify({ error: { code: 'UNAVAILABLE', message: refusalMessage(gate.limit) } });
    this.app.uws_instance.filter((res, count) => {
      if (count < 0) {
        gate.closed();
        return;
      }
      if (gate.opened()) return;
      res.cork(() => {
        res.writeStatus('503 Service Unavailable').writeHeader('Content-Type', 'application/json').writeHeader('Retry-After', '1').end(body, true);
      });
    });
  }

  async listen(): Promise<number> {
    await this.app.listen(this.opts.port, this.opts.host);
    this.port = this.app.port;
    return this.port;
  }

  /** Stops accepting; resolves once in-flight requests have been answered. */
  async close(): Promise<void> {
    await this.app.shutdown();
  }

  private routes(): void {
    const app = this.app;
    if (this.opts.enableCors) {
      app.use((req: Req, res: Res, next: () => void) => {
        res.header('Access-Control-Allow-Origin', req.headers['origin'] ?? '*');
        res.header('Vary', 'Origin');
        if (req.method === 'OPTIONS') {
          res.header('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE, OPTIONS');
          res.header('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type, authorization');
          res.header('Access-Control-Max-Age', '600');
          res.status(204).send();
          return;
        }
        next();
      });
    }
    this.get('/health', async () => ({ status: 200, body: { status: 'ok' } }));
    this.get('/ready', async () =>
      this.coordinator.isReady()
        ? { status: 200, body: { status: 'ready' } }
        : { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'not ready: shards are recovering or the server is draining' } }, retryAfter: true },
    );
    this.get('/v1/status', async () => {
      const shards = await this.coordinator.status();
      return { status: 200, body: { ready: this.coordinator.isReady(), shards: shards.map((s) => ({ id: s.shard, partitions: s.partitions, queue_depth: this.queueDepth(s.shard), uptime_ms: s.uptimeMs, frames_processed: s.framesProcessed })) } };
    });

    // SQL: the body bytes go to the shard as they are; it parses, executes and encodes the reply.
    this.postBytes('/v1/sql', (_req, body) => this.coordinator.sql(body).then((raw) => ({ status: 200, raw })));
    this.postBytes('/v1/batch', async (_req, body) => ({ status: 200, raw: await this.coordinator.batch(body) }));
    // Interactive transactions (docs/api.md): the id travels in the path.
    this.app.post('/v1/tx', (req: Req, res: Res) => this.run('/v1/tx', req, res, async (r) => ({ status: 201, body: { tx_id: this.coordinator.txBegin(await this.readOptionalBytes(r)) } })));
    this.postBytes('/v1/tx/:id/sql', async (req, body) => ({ status: 200, raw: await this.coordinator.txSql(req.path_parameters['id'] ?? '', body) }));
    this.app.post('/v1/tx/:id/commit', (req: Req, res: Res) => this.run('/v1/tx/:id/commit', req, res, async (r) => (await this.coordinator.txCommit(r.path_parameters['id'] ?? ''), { status: 200, body: { committed: true } })));
    this.app.post('/v1/tx/:id/rollback', (req: Req, res: Res) => this.run('/v1/tx/:id/rollback', req, res, async (r) => (await this.coordinator.txRollback(r.path_parameters['id'] ?? ''), { status: 200, body: { rolled_back: true } })));
    if (this.schema) this.schemaRoutes(this.schema);

    app.set_not_found_handler((req: Req, res: Res) => {
      this.sendError(res, new HeliosError('NOT_FOUND', `no route for ${req.method} ${req.path}`), performance.now(), 'unmatched');
    });
    app.set_error_handler((req: Req, res: Res, error: Error) => {
      const id = nextRequestId();
      this.log.error({ requestId: id, err: error.stack, path: req.path }, 'unhandled error in REST handler');
      this.sendError(res, new HeliosError('INTERNAL', `internal error (request id ${id})`), performance.now(), 'unhandled'); // a bounded metrics label, not the raw path
    });
  }

  /**
   * The generated APIs: schema, protos, OpenAPI, and the resource routes under `/v1/<table>…`.
   * The wildcard routes lose to the static ones above (uWebSockets prefers static segments), and
   * a path that names no table answers NOT_FOUND like any unknown route.
   */
  private schemaRoutes(schema: SchemaService): void {
    this.get('/v1/schema', async () => (await schema.loaded(), { status: 200, body: schema.schemaJson() }));
    this.get('/v1/protos', async () => (await schema.loaded(), { status: 200, body: { files: [...schema.protoFiles().keys()] } }));
    this.get('/v1/openapi.json', async (req) => (await schema.loaded(), { status: 200, body: schema.openApi([`${this.opts.tls ? 'https' : 'http'}://${req.headers['host'] ?? `${this.opts.host}:${this.port}`}`]) }));
    // `pagesTried`: restNow just missed for this Get (see SchemaService.rest).
    const resource = async (req: Req, body: unknown, pagesTried = false): Promise<Reply> => {
      if (req.method === 'GET' && req.path.startsWith('/v1/protos/')) {
        await schema.loaded();
        let name: string;
        try {
          name = decodeURIComponent(req.path.slice('/v1/protos/'.length));
        } catch {
          throw badRequest(`proto file name ${JSON.stringify(req.path)} is not valid percent-encoding`);
        }
        const text = schema.protoFiles().get(name);
        if (text === undefined) throw new HeliosError('NOT_FOUND', `no proto file ${JSON.stringify(name)}; GET /v1/protos lists them`);
        return { status: 200, text };
      }
      const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
      const qs = req.path_query; // undefined (not '') when there is none
      if (qs) for (const [k, v] of new URLSearchParams(qs)) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const reply = await schema.rest({ method: req.method, path: req.path, query, body }, pagesTried);
      if (!reply) throw new HeliosError('NOT_FOUND', `no route for ${req.method} ${req.path}`);
      return reply;
    };
    const route = '/v1/*';
    this.app.get(route, (req: Req, res: Res) => {
      // The commonest request, a Get by id, answered synchronously when the coordinator has the
      // row at hand (a read from the shard's pages): no promise layers. Else the usual path.
      // (uWebSockets gives undefined, not '', when there is no query; /v1/protos/{file} is not a Get.)
      if (!req.path_query && !req.path.startsWith('/v1/protos/')) {
        const t0 = performance.now();
        let now: Reply | undefined;
        try {
          now = schema.restNow({ method: 'GET', path: req.path, query: NO_QUERY, body: undefined });
        } catch (e) {
          this.sendError(res, HeliosError.from(e), t0, routeLabel(req, schema)); // NOT_FOUND
          return;
        }
        if (now !== undefined) this.send(routeLabel(req, schema), res, now, t0);
        else void this.run(routeLabel(req, schema), req, res, (r) => resource(r, undefined, true));
        return;
      }
      void this.run(routeLabel(req, schema), req, res, (r) => resource(r, undefined));
    });
    this.app.delete(route, (req: Req, res: Res) => this.run(routeLabel(req, schema), req, res, (r) => resource(r, undefined)));
    this.app.post(route, (req: Req, res: Res) => this.run(routeLabel(req, schema), req, res, async (r) => resource(r, await this.readOptionalJson(r))));
    this.app.patch(route, (req: Req, res: Res) => this.run(routeLabel(req, schema), req, res, async (r) => resource(r, await this.readOptionalJson(r))));
  }

  private queueDepth(shard: number): number {
    const s = this.coordinator.runtimeStats()[shard];
    return s ? s.inFlight : 0;
  }

  private get(path: string, handler: (req: Req) => Promise<Reply>): void {
    this.app.get(path, (req: Req, res: Res) => this.run(path, req, res, handler));
  }

  /** A JSON POST route whose body is forwarded as bytes (size and media type checked here). */
  postBytes(path: string, handler: (req: Req, body: Uint8Array) => Promise<Reply>): void {
    this.app.post(path, (req: Req, res: Res) => this.run(path, req, res, async (r) => handler(r, await this.readJsonBytes(r))));
  }

  /**
   * Runs a handler and sends its reply. Hot path: no per-request listeners (hyper-express sets
   * `completed` when the client aborts, which is all we need to know after the await), and
   * content types as constants rather than a mime lookup per response.
   */
  private async run(route: string, req: Req, res: Res, handler: (req: Req) => Promise<Reply>): Promise<void> {
    const t0 = performance.now();
    try {
      const reply = await handler(req);
      if (res.completed) return; // the client went away
      this.send(route, res, reply, t0);
    } catch (e) {
      if (res.completed) return;
      let err = HeliosError.from(e);
      if (err.code === 'INTERNAL') {
        const id = nextRequestId();
        this.log.error({ requestId: id, err: e instanceof Error ? e.stack : String(e), route }, 'internal error');
        err = new HeliosError('INTERNAL', `${err.message} (request id ${id})`);
      }
      this.sendError(res, err, t0, route);
    }
  }

  private send(route: string, res: Res, reply: Reply, t0: number): void {
    if (reply.retryAfter) res.header('retry-after', '1');
    res.status(reply.status);
    if (reply.text !== undefined) res.header('content-type', 'text/plain; charset=utf-8').send(reply.text);
    else if (reply.raw) res.header('content-type', JSON_UTF8, true).send(Buffer.from(reply.raw.buffer, reply.raw.byteOffset, reply.raw.byteLength));
    else res.header('content-type', 'application/json', true).send(JSON.stringify(reply.body));
    this.observe(route, reply.status, t0);
  }

  private sendError(res: Res, err: HeliosError, t0: number, route: string): void {
    const status = HTTP_STATUS[err.code];
    if (err.code === 'UNAVAILABLE') res.header('Retry-After', '1');
    res.status(status).json(errorBody(err));
    this.observe(route, status, t0);
  }

  private observe(route: string, status: number, t0: number): void {
    this.metrics.record('rest', route, String(status), (performance.now() - t0) / 1000);
  }

  private async readJson(req: Req): Promise<unknown> {
    const bytes = await this.readJsonBytes(req);
    try {
      return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown;
    } catch (e) {
      throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
    }
  }

  /**
   * A JSON body, or undefined for a request with no body at all (no Content-Type, nothing sent):
   * a custom method without parameters needs none. Anything else gets readJson's checks.
   */
  private async readOptionalJson(req: Req): Promise<unknown> {
    if (req.headers['content-type'] === undefined && (req.headers['content-length'] ?? '0') === '0') {
      if ((await req.buffer()).byteLength === 0) return undefined;
      throw new HeliosError('UNSUPPORTED_MEDIA_TYPE', 'expected Content-Type: application/json, got none');
    }
    return this.readJson(req);
  }

  /** As {@link readOptionalJson}, unparsed: null for no body at all. */
  private async readOptionalBytes(req: Req): Promise<Uint8Array | null> {
    if (req.headers['content-type'] === undefined && (req.headers['content-length'] ?? '0') === '0') {
      if ((await req.buffer()).byteLength === 0) return null;
      throw new HeliosError('UNSUPPORTED_MEDIA_TYPE', 'expected Content-Type: application/json, got none');
    }
    return this.readJsonBytes(req);
  }

  /** The body of a JSON request, checked for size and media type (not yet parsed). */
  private async readJsonBytes(req: Req): Promise<Uint8Array> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.opts.maxRequestBytes) {
      throw new HeliosError('PAYLOAD_TOO_LARGE', `request body of ${declared} bytes is over the limit of ${this.opts.maxRequestBytes} bytes (max_request_size_mb)`);
    }
    const header = req.headers['content-type'] ?? '';
    const type = header === 'application/json' ? header : header.split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !type.endsWith('+json')) {
      throw new HeliosError('UNSUPPORTED_MEDIA_TYPE', `expected Content-Type: application/json, got ${type === '' ? 'none' : JSON.stringify(type)}`);
    }
    const body = await req.buffer();
    if (body.byteLength > this.opts.maxRequestBytes) {
      throw new HeliosError('PAYLOAD_TOO_LARGE', `request body of ${body.byteLength} bytes is over the limit of ${this.opts.maxRequestBytes} bytes (max_request_size_mb)`);
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Pre-encoded JSON bytes (encoded once, in the shard): forwarded as they are. */
  raw?: Uint8Array;
  /** A plain-text body (a .proto file). */
  text?: string;
  retryAfter?: boolean;
}

/**
 * The metrics label of a generated route: `/v1/<table>`, `/v1/<table>/{id}` or
 * `/v1/<table>:{method}` for a table that exists, else `unmatched` — so label cardinality follows
 * the schema, not the ids or garbage in request paths.
 */
const NO_QUERY: Record<string, string | string[]> = Object.freeze(Object.create(null) as Record<string, string | string[]>);

function routeLabel(req: Req, schema: SchemaService): string {
  const p = req.path;
  if (p.startsWith('/v1/protos/')) return '/v1/protos/{file}';
  const rest = p.slice(4);
  const slash = rest.indexOf('/');
  const head = slash < 0 ? rest : rest.slice(0, slash);
  const colon = head.indexOf(':');
  const table = colon < 0 ? head : head.slice(0, colon);
  if (!schema.hasCollection(table)) return 'unmatched';
  if (colon >= 0) return `/v1/${table}:{method}`;
  return slash < 0 ? p : `/v1/${table}/{id}`;
}
