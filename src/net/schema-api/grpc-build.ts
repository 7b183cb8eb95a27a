/**
 * The generated gRPC services at run time: from each table's `.proto` text (proto-gen.ts) to a
 * protobufjs Root, a grpc-js {@link grpc.ServiceDefinition} with handlers that translate each
 * RPC into an {@link Operation}, and a package definition whose `fileDescriptorProtos` are the
 * repaired ones of descriptors.ts, ready for `@grpc/reflection`.
 *
 * Wire decoding follows proto-loader with `{keepCase, longs: String, defaults: false}`: int64
 * arrives as a decimal string, bytes as a Buffer, and an unset field is absent. A field without
 * `optional` has no presence in proto3, so its absence means the zero value (0, "", false).
 *
 * Encode once for Get: with {@link HandlerOptions.execRowProto}, `Get<Message>` asks for the
 * `row-proto` reply (src/shard/row-proto.ts, layout {@link GrpcTableApi.getReply}), so the shard
 * writes the message bytes and the reply serializer passes them through untouched; every other
 * RPC, and a Get whose statement did not run on one partition, is shaped here from values.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { HeliosError, badRequest } from '../../errors.js';
import { errorMessage, grpcStatusOf } from '../error-map.js';
import { updateColumns, filterColumns, type ColumnModel, type TableModel } from './api-model.js';
import { descriptorsFor } from './descriptors.js';
import { runGetEncoded, runGetNow, runOperation, type Operation, type OperationResult, type Row } from './operations.js';
import type { PageTokens } from './page-token.js';
import { generateProto, protoFileName } from './proto-gen.js';
import { fromProtoValue, omittable, toProtoValue, type ProtoScalar } from './proto-types.js';
import type { ApiValue, ExecFn, ExecRowProtoFn, ExecRowProtoNowFn } from './types.js';
import { rowProtoMessage, rowProtoReply, type RowProtoReply } from '../../coordinator/index.js';

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: false };

export interface GrpcTableApi {
  model: TableModel;
  fileName: string;
  protoText: string;
  root: protobuf.Root;
  /** `orders.OrderService`. */
  serviceName: string;
  definition: grpc.ServiceDefinition;
  /** proto-loader's package definition, with reflection-ready file descriptors. */
  packageDefinition: protoLoader.PackageDefinition;
  /**
   * The table message's layout for the shard (`row-proto`): built once per model, so it follows
   * DDL with the model; null when the table has no Get (no single-column primary key).
   */
  getReply: RowProtoReply | null;
}

/** Parses a table's generated proto into a resolved Root that also holds the imported well-known types. */
export function rootOf(protoText: string): protobuf.Root {
  const root = protobuf.parse(protoText, { keepCase: true }).root;
  for (const f of ['google/protobuf/empty.proto', 'google/protobuf/field_mask.proto']) {
    root.addJSON((protobuf.common.get(f) as { nested: protobuf.INamespace['nested'] }).nested!);
  }
  root.resolveAll();
  return root;
}

/** Everything gRPC needs for one table (the model must have no `grpcProblem`). */
export function buildGrpcTable(model: TableModel): GrpcTableApi {
  if (model.grpcProblem) throw new HeliosError('INTERNAL', `table ${model.pkg} has no gRPC API: ${model.grpcProblem}`);
  const protoText = generateProto(model);
  const root = rootOf(protoText);
  const pkgDef = protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS);
  const files = descriptorsFor(model, root);
  for (const entry of Object.values(pkgDef)) {
    if ('fileDescriptorProtos' in entry) (entry as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos = files;
    else for (const method of Object.values(entry)) {
      for (const t of [method.requestType, method.responseType]) (t as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos = files;
    }
  }
  const serviceName = `${model.pkg}.${model.service}`;
  const definition = pkgDef[serviceName] as grpc.ServiceDefinition;
  const service = root.lookupService(serviceName);
  for (const [name, m] of Object.entries(definition)) {
    // Replies are built by rowToMessage with exactly the field types (int64 as decimal strings,
    // which the encoder parses): encoding them directly skips proto-loader's fromObject copy,
    // 3 of the ~12 µs a GetOrder costs here (bench/api).
    // A Uint8Array reply is the message already encoded by the shard (encode once): sent as is.
    const type = service.methods[name]!.resolvedResponseType!;
    (m as { responseSerialize: (o: object) => Buffer }).responseSerialize = (o) => {
      const bytes = o instanceof Uint8Array ? o : type.encode(o).finish();
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    };
    // grpc-js answers a deserializer that throws with INTERNAL, which the contract keeps for
    // bugs: garbage bytes are the client's mistake. Hand the handler a marker instead, which it
    // turns into INVALID_ARGUMENT (BAD_REQUEST) naming the RPC.
    const decode = m.requestDeserialize;
    (m as { requestDeserialize: (b: Buffer) => unknown }).requestDeserialize = (b) => {
      try {
        return decode(b);
      } catch (e) {
        return { [MALFORMED]: e instanceof Error ? e.message : String(e) };
      }
    };
  }
  const getReply = model.pk ? rowProtoReply(model.columns.map((c) => ({ column: c.name, number: c.fieldNumber, scalar: c.scalar }))) : null;
  return { model, fileName: protoFileName(model), protoText, root, serviceName, definition, packageDefinition: pkgDef, getReply };
}

type Msg = Record<string, unknown>;

/** Marks a request whose bytes did not decode (see buildGrpcTable). */
const MALFORMED = Symbol('malformed request');

const ZERO: Record<ProtoScalar, ApiValue> = { int64: 0n, double: 0, string: '', bytes: new Uint8Array(0), bool: 0n };

const has = (o: Msg, k: string): boolean => Object.hasOwn(o, k) && o[k] !== undefined && o[k] !== null;

/** A field's SQL value: present → converted; absent → NULL if it has presence, else the zero value. */
function fieldValue(o: Msg, c: { name: string; scalar: ProtoScalar }, hasPresence: boolean): ApiValue {
  if (has(o, c.name)) return fromProtoValue(c.name, o[c.name], c.scalar);
  return hasPresence ? null : ZERO[c.scalar];
}

/** The operation an RPC's decoded request asks for. */
export function grpcOperation(m: TableModel, rpc: string, req: Msg): Operation {
  const pk = m.pk;
  if (rpc === `Create${m.message}`) {
    return { kind: 'create', values: m.columns.filter((c) => !omittable(c) || has(req, c.name)).map((c) => [c.name, fieldValue(req, c, false)]) };
  }
  if (rpc === `List${m.plural}`) {
    return {
      kind: 'list', filters: filterColumns(m).filter((c) => has(req, c.name)).map((c) => [c.name, fieldValue(req, c, true)]),
      orderBy: String(req['order_by'] ?? ''), pageToken: String(req['page_token'] ?? ''), pageSize: Number(req['page_size'] ?? 0),
    };
  }
  const custom = m.methods.find((x) => x.name === rpc);
  if (custom) return { kind: 'custom', method: custom, params: custom.fields.map((f) => fieldValue(req, f, true)) };
  if (!pk) throw new HeliosError('INTERNAL', `no RPC ${rpc} on ${m.service}`);
  const id = fieldValue(req, pk, false);
  if (rpc === `Get${m.message}`) return { kind: 'get', id };
  if (rpc === `Delete${m.message}`) return { kind: 'delete', id };
  if (rpc === `Update${m.message}`) return { kind: 'update', id, set: updateSet(m, pk, req) };
  throw new HeliosError('INTERNAL', `no RPC ${rpc} on ${m.service}`);
}

/** AIP-134: the mask's columns (unset → NULL; `*` = every column), or without a mask every set field. */
function updateSet(m: TableModel, pk: ColumnModel, req: Msg): [string, ApiValue][] {
  const cols = updateColumns(m).filter((c) => c !== pk);
  const paths = ((req['update_mask'] as { paths?: string[] } | undefined)?.paths ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (paths.length === 0) return cols.filter((c) => has(req, c.name)).map((c) => [c.name, fieldValue(req, c, true)]);
  if (paths.includes('*')) {
    if (paths.length > 1) throw badRequest('update_mask: "*" must be the only path');
    return cols.map((c) => [c.name, fieldValue(req, c, true)]);
  }
  const out: [string, ApiValue][] = [];
  for (const p of paths) {
    if (p === pk.name) throw badRequest(`update_mask: the primary key ${p} cannot be changed`);
    const c = cols.find((x) => x.name === p);
    if (!c) throw badRequest(`update_mask: no column ${JSON.stringify(p)} in ${m.pkg}`);
    if (out.some(([n]) => n === c.name)) throw badRequest(`update_mask: ${p} is given twice`);
    out.push([c.name, fieldValue(req, c, true)]);
  }
  return out;
}

/** A row as the table message object (NULL → field unset). */
export function rowToMessage(m: TableModel, row: Row): Msg {
  const o: Msg = {};
  for (const c of m.columns) {
    if (!Object.hasOwn(row, c.name)) continue;
    const v = toProtoValue(c.name, row[c.name] ?? null, c.scalar);
    if (v !== undefined) o[c.name] = v;
  }
  return o;
}

export function grpcReply(m: TableModel, result: OperationResult): Msg {
  switch (result.kind) {
    case 'row':
      return rowToMessage(m, result.row);
    case 'rows': {
      const out: Msg = { [m.pkg]: result.rows.map((r) => rowToMessage(m, r)) };
      if (result.nextPageToken !== '') out['next_page_token'] = result.nextPageToken;
      return out;
    }
    case 'empty':
      return {};
  }
}

/** A failure as the contract's gRPC status; unexpected faults are reported to `onInternal`. */
export function grpcError(e: unknown, onInternal?: (e: unknown) => void): Partial<grpc.StatusObject> {
  const err = HeliosError.from(e);
  if (err.code === 'INTERNAL') onInternal?.(e);
  return { code: grpcStatusOf(err), details: `${err.code}: ${errorMessage(err)}` };
}

export interface HandlerOptions {
  exec: ExecFn;
  /** Get through the shard's `row-proto` encoding (encode once); without it Get uses `exec`. */
  execRowProto?: ExecRowProtoFn;
  /**
   * Get's `row-proto` message when the coordinator has it at hand now (a point read from the
   * shard's pages): answered in the call's own tick. On a miss Get goes through `execRowProto`
   * told so (`pagesTried`), so the pages are not read twice.
   */
  execRowProtoNow?: ExecRowProtoNowFn;
  tokens: PageTokens;
  /** Called with unexpected (INTERNAL) failures, for the log. */
  onInternal?: (e: unknown, rpc: string) => void;
  /** Called once per finished call with the status name (`OK`, `NOT_FOUND`, …), for metrics. */
  onCall?: (rpc: string, status: string, seconds: number) => void;
}

/** The implementation object for `server.addService(api.definition, …)`. */
export function grpcHandlers(api: GrpcTableApi, opts: HandlerOptions): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  const { execRowProto, execRowProtoNow } = opts;
  const getReply = api.getReply;
  const encodedGet = execRowProto && getReply
    ? (op: Extract<Operation, { kind: 'get' }>, pagesTried: boolean) => runGetEncoded(api.model, op, (sql, params) => execRowProto(sql, params, getReply, pagesTried), opts.tokens)
    : null;
  /** Get's message now, or undefined (then the pages were tried); throws NOT_FOUND for no row. */
  const getNow = execRowProtoNow && getReply
    ? (op: Extract<Operation, { kind: 'get' }>) => runGetNow(api.model, op, (sql, params) => execRowProtoNow(sql, params, getReply), opts.tokens)
    : null;
  for (const rpc of Object.keys(api.definition)) {
    impl[rpc] = ((call: grpc.ServerUnaryCall<Msg, Msg | Uint8Array>, cb: grpc.sendUnaryData<Msg | Uint8Array>) => {
      const t0 = performance.now();
      const done = (err: Partial<grpc.StatusObject> | null, reply?: Msg | Uint8Array): void => {
        opts.onCall?.(rpc, err ? grpc.status[err.code ?? grpc.status.UNKNOWN] : 'OK', (performance.now() - t0) / 1000);
        if (err) cb(err);
        else cb(null, reply);
      };
      const fail = (e: unknown): void => done(grpcError(e, (x) => opts.onInternal?.(x, rpc)));
      const malformed = (call.request as { [MALFORMED]?: string })[MALFORMED];
      if (malformed !== undefined) {
        fail(badRequest(`${api.serviceName}/${rpc}: malformed protobuf request (${malformed})`));
        return;
      }
      let op: Operation;
      try {
        op = grpcOperation(api.model, rpc, call.request);
      } catch (e) {
        fail(e);
        return;
      }
      let pagesTried = false;
      if (op.kind === 'get' && getNow) {
        let reply: Uint8Array | undefined;
        try {
          const now = getNow(op);
          reply = now === undefined ? undefined : rowProtoMessage(now);
        } catch (e) {
          fail(e);
          return;
        }
        if (reply !== undefined) {
          done(null, reply);
          return;
        }
        pagesTried = true;
      }
      const run = op.kind === 'get' && encodedGet ? encodedGet(op, pagesTried) : runOperation(api.model, op, opts.exec, opts.tokens);
      run.then((res) => {
        let reply: Msg | Uint8Array;
        try {
          reply = res instanceof Uint8Array ? rowProtoMessage(res) : grpcReply(api.model, res);
        } catch (e) {
          fail(e);
          return;
        }
        done(null, reply);
      }, fail);
    }) as grpc.handleUnaryCall<Msg, Msg | Uint8Array>;
  }
  return impl;
}
