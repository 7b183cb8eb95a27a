/**
 * The APIs generated from the schema (contract "Resource API, generated from the schema" and
 * the per-table gRPC services): pure generators and translators driven by an {@link ApiSchema},
 * a plain description of the catalog that the server builds. Nothing here does I/O except
 * through the injected {@link ExecFn}; nothing imports the SQL layer.
 *
 *   ApiSchema ──buildModels──▶ TableModel[] (names, types, field numbers, custom methods)
 *       │                          │
 *       │        ┌─────────────────┼──────────────────┬────────────────────┐
 *       ▼        ▼                 ▼                  ▼                    ▼
 *   proto-gen  descriptors    grpc-build         rest-resource        openapi-gen
 *   .proto     reflection     ServiceDefinition  route → Operation    OpenAPI 3.1
 *   text       descriptors    + handlers         → JSON reply
 *                                  └────────┬─────────┘
 *                                      operations.ts: Operation → SQL (+ keyset.ts,
 *                                      page-token.ts) → exec → rows, NOT_FOUND
 *
 * May import: src/errors.ts, src/net/error-map.ts, @grpc/*, protobufjs, and from the coordinator
 * only the value → protobuf field rules and `row-proto` layout it shares with the shard's
 * encode-once Get (src/shard/row-proto.ts, re-exported there). Read next:
 * api-model.ts (what is generated and why), operations.ts (the SQL), docs/api.md (the tour).
 */
import type * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { buildModels, type TableModel } from './api-model.js';
import { buildGrpcTable, grpcHandlers, type GrpcTableApi } from './grpc-build.js';
import { runGetEncoded, runGetNow, runOperation, type Operation } from './operations.js';
import { PageTokens } from './page-token.js';
import { WKT_FILES } from './proto-gen.js';
import { matchResourceRoute, restOperation, restReply, type RestReply, type RestRequest } from './rest-resource.js';
import type { ApiSchema, ExecFn, ExecRowJsonFn, ExecRowJsonNowFn, ExecRowProtoFn, ExecRowProtoNowFn } from './types.js';

export * from './types.js';
export { buildModels, tableModel, META_FIELD_BASE, type TableModel, type ColumnModel, type MethodModel } from './api-model.js';
export { messageName, singularWord, pascalCase, lowerCamel } from './naming.js';
export { protoScalarOf, type ProtoScalar } from './proto-types.js';
export { generateProto, protoFileName, WKT_FILES } from './proto-gen.js';
export { descriptorsFor, tableFileDescriptor, WKT_DESCRIPTORS, fixProto3Optional } from './descriptors.js';
export { buildGrpcTable, grpcHandlers, grpcOperation, rowToMessage, LOADER_OPTIONS, type GrpcTableApi } from './grpc-build.js';
export { planOperation, planList, runOperation, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Operation, type OperationResult, type Row } from './operations.js';
export { PageTokens } from './page-token.js';
export { parseOrderBy } from './keyset.js';
export { matchResourceRoute, restOperation, restReply, RESERVED_COLLECTIONS, type RestRequest, type RestReply, type RouteMatch } from './rest-resource.js';
export { valueToJson, jsonToValue, rowToJson } from './json-values.js';
export { generateOpenApi, type OpenApiOptions } from './openapi-gen.js';
export { SchemaGrpcHost } from './grpc-host.js';

export interface SchemaApiOptions {
  exec: ExecFn;
  /** REST Get through the shard's `row-json` encoding (encode once); without it Get uses `exec`. */
  execRowJson?: ExecRowJsonFn;
  /** A Get's `row-json` body when the coordinator has it at hand now ({@link SchemaApi.restNow}). */
  execRowJsonNow?: ExecRowJsonNowFn;
  /** gRPC `Get<Message>` through the shard's `row-proto` encoding (encode once); without it Get uses `exec`. */
  execRowProto?: ExecRowProtoFn;
  /** A gRPC Get's `row-proto` message when the coordinator has it at hand now (no promise, no tick). */
  execRowProtoNow?: ExecRowProtoNowFn;
  /** HMAC key for page tokens; random per process when omitted (tokens then die with it). */
  pageTokenKey?: Uint8Array;
  onInternal?: (e: unknown, where: string) => void;
  /** Per finished gRPC call: route `orders.OrderService/GetOrder`, status name, seconds (metrics). */
  onGrpcCall?: (route: string, status: string, seconds: number) => void;
}

/**
 * One version of the generated APIs, built from one schema version. Rebuild it after DDL (it is
 * cheap: a few ms per table) and swap it in; {@link SchemaGrpcHost} swaps the gRPC side.
 */
export class SchemaApi {
  readonly models: TableModel[];
  /** Tables with a gRPC API (the others are listed in {@link grpcSkipped}). */
  readonly grpc: GrpcTableApi[];
  readonly grpcSkipped: { table: string; reason: string }[];
  private readonly tokens: PageTokens;

  /** Built gRPC tables by the JSON of their inputs: a DDL rebuilds only the tables it changed. */
  private readonly built: Map<string, GrpcTableApi>;

  constructor(readonly schema: ApiSchema, private readonly opts: SchemaApiOptions, tokens?: PageTokens, previous?: Map<string, GrpcTableApi>) {
    this.models = buildModels(schema);
    this.tokens = tokens ?? new PageTokens(opts.pageTokenKey);
    this.built = new Map();
    this.grpc = [];
    this.models.forEach((m, i) => {
      if (m.grpcProblem) return;
      // Building a table costs ~5 ms (proto parse, proto-loader, descriptors): reuse unchanged ones.
      const key = JSON.stringify([m.table, schema.methods.filter((x) => x.table === m.pkg)]);
      const g = previous?.get(key) ?? buildGrpcTable(m);
      this.models[i] = g.model;
      this.built.set(key, g);
      this.grpc.push(g);
    });
    this.grpcSkipped = this.models.filter((m) => m.grpcProblem).map((m) => ({ table: m.pkg, reason: m.grpcProblem! }));
  }

  /**
   * A new version for a changed schema. It keeps the page-token key (tokens stay valid) and
   * reuses the built gRPC side of every table whose definition and methods did not change.
   */
  withSchema(schema: ApiSchema): SchemaApi {
    return new SchemaApi(schema, this.opts, this.tokens, this.built);
  }

  /** The REST answer for a resource route, or null when the path is not one (answer 404). Throws HeliosError. */
  async rest(req: RestRequest, pagesTried = false): Promise<RestReply | null> {
    const match = matchResourceRoute(this.models, req.path);
    if (!match) return null;
    const op = restOperation(match, req);
    const execRowJson = this.opts.execRowJson;
    if (op.kind === 'get' && execRowJson) {
      const r = await runGetEncoded(match.model, op, (sql, params) => execRowJson(sql, params, pagesTried), this.tokens);
      if (r instanceof Uint8Array) return { status: 200, body: undefined, raw: r };
      return restReply(match.model, op, r);
    }
    return restReply(match.model, op, await runOperation(match.model, op, this.opts.exec, this.tokens));
  }

  /**
   * {@link rest}'s reply when it is at hand synchronously: a Get whose row the coordinator read
   * from the shard's pages (NOT_FOUND is thrown when the pages say there is none; so is an error
   * in planning the Get, the one {@link rest} would report). Undefined otherwise, including a
   * route or request it cannot read; the caller then calls {@link rest} with `pagesTried`, which
   * answers those. Saves the promise layers of the commonest request.
   */
  restNow(req: RestRequest): RestReply | undefined {
    const now = this.opts.execRowJsonNow;
    if (now === undefined || req.method !== 'GET') return undefined;
    let get: { model: TableModel; op: Extract<Operation, { kind: 'get' }> };
    try {
      const match = matchResourceRoute(this.models, req.path);
      if (!match) return undefined;
      const op = restOperation(match, req);
      if (op.kind !== 'get') return undefined;
      get = { model: match.model, op };
    } catch {
      return undefined; // rest() reports it
    }
    const r = runGetNow(get.model, get.op, now, this.tokens); // throws NOT_FOUND
    return r === undefined ? undefined : { status: 200, body: undefined, raw: r };
  }

  /** `/v1/protos`: every generated file plus the two well-known ones they import. */
  protoFiles(): Map<string, string> {
    const files = new Map<string, string>();
    for (const g of this.grpc) files.set(g.fileName, g.protoText);
    for (const [name, text] of Object.entries(WKT_FILES)) files.set(name, text);
    return files;
  }

  /** Service definitions and implementations for `server.addService`. */
  grpcServices(): { name: string; definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }[] {
    return this.grpc.map((g) => ({
      name: g.serviceName, definition: g.definition,
      implementation: grpcHandlers(g, {
        exec: this.opts.exec, tokens: this.tokens,
        ...(this.opts.execRowProto ? { execRowProto: this.opts.execRowProto } : {}),
        ...(this.opts.execRowProtoNow ? { execRowProtoNow: this.opts.execRowProtoNow } : {}),
        onInternal: (e, rpc) => this.opts.onInternal?.(e, `${g.serviceName}/${rpc}`),
        onCall: (rpc, status, seconds) => this.opts.onGrpcCall?.(`${g.serviceName}/${rpc}`, status, seconds),
      }),
    }));
  }

  /** The generated services' package definitions merged, for `@grpc/reflection`. */
  reflectionPackageDefinition(): protoLoader.PackageDefinition {
    return Object.assign({}, ...this.grpc.map((g) => g.packageDefinition)) as protoLoader.PackageDefinition;
  }
}
