/**
 * The live generated APIs: keeps one {@link SchemaApi} in step with the SQL catalog and hands it
 * to REST (resource routes, /v1/schema, /v1/protos, /v1/openapi.json) and gRPC
 * ({@link SchemaGrpcHost}: per-table services and reflection).
 *
 *   shard catalog ──Schema frame──▶ CatalogSchema ──toApiSchema(+ [[api.methods]])──▶ SchemaApi
 *        ▲                                                                    │
 *        └── refresh(): at start-up, and after every SQL request that may     ├─▶ REST routes
 *            hold DDL (Coordinator.onPossibleDdl), before its reply returns   └─▶ SchemaGrpcHost.apply
 *
 * A refresh costs one ring round trip; the API is rebuilt only when the catalog's version
 * changed, and then only the tables that changed (SchemaApi.withSchema). Refreshes are
 * serialized: a refresh asked for while one runs waits for the next one, so it sees the newest
 * catalog.
 */
import type * as protoLoader from '@grpc/proto-loader';
import type { CatalogSchema, Coordinator, RowProtoReply } from '../coordinator/index.js';
import type { Logger } from '../log.js';
import { SchemaApi, SchemaGrpcHost, buildModels, generateOpenApi, type ApiMethod, type ApiSchema, type RestReply, type RestRequest } from './schema-api/index.js';

export interface SchemaServiceOptions {
  /** `[schema] auto_generate_rest`: resource routes and their OpenAPI paths. */
  rest: boolean;
  /** `[schema] auto_generate_grpc`: per-table services, their protos and reflection entries. */
  grpc: boolean;
  /** `[[api.methods]]`. */
  methods: readonly ApiMethod[];
  /** `[schema] shard_keys`: table → column. */
  shardKeys: Readonly<Record<string, string>>;
  /** Server version, for the OpenAPI document. */
  version: string;
  /** Static .proto files served by /v1/protos (path → text), e.g. heliosdb/v1/database.proto. */
  staticProtos: ReadonlyMap<string, string>;
  onGrpcCall?: (route: string, status: string, seconds: number) => void;
}

const EMPTY_SCHEMA: ApiSchema = { tables: [], methods: [] };

export class SchemaService {
  private api: SchemaApi;
  /** The generated side with no tables: what gRPC serves when auto_generate_grpc is off. */
  private readonly emptyApi: SchemaApi;
  private catalog: CatalogSchema = { version: '', tables: [] };
  private host: SchemaGrpcHost | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private readonly warned = new Set<string>();

  constructor(private readonly coordinator: Coordinator, private readonly opts: SchemaServiceOptions, private readonly log: Logger) {
    const apiOpts = {
      exec: (sql: string, params: Parameters<Coordinator['exec']>[1]) => coordinator.exec(sql, params),
      execRowJson: (sql: string, params: Parameters<Coordinator['exec']>[1], pagesTried?: boolean) => coordinator.execEncoded(sql, params, 'row-json', undefined, pagesTried),
      execRowJsonNow: (sql: string, params: Parameters<Coordinator['exec']>[1]) => coordinator.execEncodedNow(sql, params, 'row-json'),
      execRowProto: (sql: string, params: Parameters<Coordinator['exec']>[1], reply: RowProtoReply, pagesTried?: boolean) => coordinator.execEncoded(sql, params, reply, undefined, pagesTried),
      execRowProtoNow: (sql: string, params: Parameters<Coordinator['exec']>[1], reply: RowProtoReply) => coordinator.execEncodedNow(sql, params, reply),
      onInternal: (e: unknown, where: string) => log.error({ err: e instanceof Error ? e.stack : String(e), where }, 'internal error in generated API'),
      ...(opts.onGrpcCall ? { onGrpcCall: opts.onGrpcCall } : {}),
    };
    this.api = new SchemaApi(EMPTY_SCHEMA, apiOpts);
    this.emptyApi = this.api;
  }

  /** Serves the generated services and reflection on a gRPC server (from now on). */
  attachGrpc(server: ConstructorParameters<typeof SchemaGrpcHost>[0], staticPackages: protoLoader.PackageDefinition): void {
    this.host = new SchemaGrpcHost(server, staticPackages);
    this.host.apply(this.opts.grpc ? this.api : this.emptyApi);
  }

  /** Re-reads the catalog; rebuilds and re-applies the APIs if it changed. */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.load().finally(() => (this.running = null));
      return this.running;
    }
    // One is running and may have read the catalog before our caller's DDL: run once more after it.
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.refresh();
    });
    return this.queued;
  }

  /** Resolves once the catalog has been read at least once (requests that race start-up wait). */
  loaded(): Promise<void> {
    return this.catalog.version === '' ? this.refresh() : Promise.resolve();
  }

  private async load(): Promise<void> {
    const cat = await this.coordinator.schema();
    if (cat.version === this.catalog.version) return;
    let next: SchemaApi;
    try {
      next = this.api.withSchema(this.toApiSchema(cat));
    } catch (e) {
      // A schema the generators reject (e.g. a custom method's SQL names a missing column):
      // keep serving the previous version and say why, rather than taking every API down.
      this.log.error({ err: e instanceof Error ? e.message : String(e), version: cat.version }, 'generated APIs not rebuilt: the schema is not usable');
      return;
    }
    this.catalog = cat;
    this.api = next;
    this.host?.apply(this.opts.grpc ? next : this.emptyApi);
    for (const s of next.grpcSkipped) this.warnOnce(`skip:${s.table}:${s.reason}`, { table: s.table, reason: s.reason }, 'table has no generated gRPC API');
    this.log.info({ version: cat.version, tables: cat.tables.length }, 'generated APIs follow the catalog');
  }

  /** CatalogSchema → ApiSchema, with the config's custom methods for tables that exist. */
  private toApiSchema(cat: CatalogSchema): ApiSchema {
    const byLower = new Map(cat.tables.map((t) => [t.name.toLowerCase(), t.name]));
    const methods: ApiMethod[] = [];
    for (const m of this.opts.methods) {
      const table = byLower.get(m.table.toLowerCase());
      if (table === undefined) {
        this.warnOnce(`method:${m.table}.${m.name}`, { table: m.table, method: m.name }, 'custom method waits for its table to exist');
        continue;
      }
      methods.push({ table, name: m.name, sql: m.sql });
    }
    const tables: ApiSchema['tables'] = cat.tables.map((t) => ({
        name: t.name,
        columns: t.columns.map((c) => ({
          name: c.name, declaredType: c.type, fieldNumber: c.fieldNumber, nullable: c.nullable,
          hasDefault: c.default !== null, primaryKey: c.primaryKey, autoIncrement: c.autoIncrement,
        })),
        primaryKey: t.primaryKey.length === 1 ? t.primaryKey[0]! : null,
        indexes: t.indexes,
        shardKey: this.shardKey(t.name),
      }));
    // A method the generators reject (a SELECT that is not whole rows, SQL that names a missing
    // column, …) is left out with an error, so one bad [[api.methods]] entry cannot take the
    // whole generated API down. Checking costs a model build per method (pure, microseconds).
    const usable = methods.filter((m) => {
      try {
        buildModels({ tables: tables.filter((t) => t.name === m.table), methods: [m] });
        return true;
      } catch (e) {
        this.errorOnce(`bad:${cat.version}:${m.table}.${m.name}`, { table: m.table, method: m.name, err: e instanceof Error ? e.message : String(e) }, 'custom method left out of the generated API');
        return false;
      }
    });
    return { methods: usable, tables };
  }

  private errorOnce(key: string, fields: Record<string, unknown>, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.error(fields, msg);
  }

  private shardKey(table: string): string | null {
    return this.opts.shardKeys[table] ?? this.opts.shardKeys[table.toLowerCase()] ?? null;
  }

  private warnOnce(key: string, fields: Record<string, unknown>, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(fields, msg);
  }

  /**
   * The REST answer for a resource route; null when the path names none (or REST generation is
   * off). `pagesTried`: {@link restNow} just missed (a Get does not read the shard's pages again).
   */
  rest(req: RestRequest, pagesTried = false): Promise<RestReply | null> {
    // Not async: every REST resource request passes here, and an async wrapper around the
    // promise it returns costs two more microtask hops and their allocations.
    if (this.catalog.version === '') return this.refresh().then(() => this.restLoaded(req, pagesTried));
    return this.restLoaded(req, pagesTried);
  }

  /** {@link rest}'s reply when it is at hand synchronously (SchemaApi.restNow), else undefined; throws NOT_FOUND. */
  restNow(req: RestRequest): RestReply | undefined {
    if (this.catalog.version === '' || !this.opts.rest) return undefined;
    return this.api.restNow(req);
  }

  private restLoaded(req: RestRequest, pagesTried: boolean): Promise<RestReply | null> {
    return this.opts.rest ? this.api.rest(req, pagesTried) : Promise.resolve(null);
  }

  /** `GET /v1/schema` (contract "Schema"). */
  schemaJson(): unknown {
    return {
      version: this.catalog.version,
      tables: this.catalog.tables.map((t) => ({
        name: t.name,
        columns: t.columns.map((c) => ({
          name: c.name, type: c.type, nullable: c.nullable, default: c.default,
          primary_key: c.primaryKey, auto_increment: c.autoIncrement, field_number: c.fieldNumber,
        })),
        primary_key: t.primaryKey,
        indexes: t.indexes,
        shard_key: this.shardKey(t.name),
      })),
    };
  }

  /** `GET /v1/protos` files: the static ones, then (with gRPC generation on) the generated ones and the WKTs. */
  protoFiles(): Map<string, string> {
    const files = new Map(this.opts.staticProtos);
    if (this.opts.grpc) for (const [name, text] of this.api.protoFiles()) files.set(name, text);
    return files;
  }

  /** Whether `/v1/<name>` is a generated collection (for metrics labels). */
  hasCollection(name: string): boolean {
    return this.opts.rest && this.api.models.some((m) => m.pkg === name);
  }

  /** Fully qualified names of the generated services being served (gRPC health checks). */
  grpcServiceNames(): string[] {
    return this.opts.grpc ? this.api.grpc.map((g) => g.serviceName) : [];
  }

  openApi(servers?: string[]): unknown {
    return generateOpenApi(this.opts.rest ? this.api.models : [], { version: this.opts.version, ...(servers ? { servers } : {}) });
  }
}
