/**
 * Stand-in coordinators for the API load bench (bench-only code, no product flag): the real
 * REST and gRPC servers of src/net run over them through `startServer`'s `makeCoordinator`.
 *
 *   ConstantCoordinator    answers every call with fixed bytes captured from the real server:
 *                          no ring, no shard, no SQL. What is left is the cost of this HTTP/1.1
 *                          and HTTP/2 stack plus src/net — the ceiling on this machine. It
 *                          answers synchronously wherever ours can (execProtoNow,
 *                          execEncodedNow), so both take the same src/net path.
 *   ReencodingCoordinator  the real shards, but the "encode once" path turned off: /v1/sql,
 *                          Database/Execute and the generated Gets (REST `row-json`, gRPC
 *                          `row-proto`) go through `exec()` (the shard returns values, the main
 *                          thread decodes them into JS values) and the main thread encodes the
 *                          reply again (JSON or protobuf): the path every request took before.
 */
import { readFileSync } from 'node:fs';
import { unavailable } from '../../src/errors.js';
import { Coordinator, type CatalogSchema, type CoordinatorOptions, type ShardRuntimeStats, type StructuredResult } from '../../src/coordinator/index.js';
import { decodeExecuteResponse, decodeStatement, encodeExecuteResponse } from '../../src/shard/grpc-codec.js';
import { firstRowToJson, parseJsonBody, resultToJson, sqlBody } from '../../src/shard/json-codec.js';
import type { ReplyFormat } from '../../src/shard/fragment-protocol.js';
import { encodeFirstRowProto } from '../../src/shard/row-proto.js';
import type { ShardStatus } from '../../src/shard/protocol.js';
import type { Value } from '../../src/storage/api.js';

/** What the constant server answers, written by the runner (base64 for bytes). */
export interface ConstantAnswers {
  /** /v1/sql reply for a point read, and for the large query (matched by its exact request body). */
  json: { point: string; large: string; largeRequest: string };
  /** Database/Execute reply bytes (ExecuteResponse), same split. */
  proto: { point: string; large: string; largeRequest: string };
  /** The catalog the generated APIs are built from. */
  schema: CatalogSchema;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Two fixed replies: `large` for one exact request body, `point` for everything else. */
class FixedReplies {
  private readonly point: Uint8Array;
  private readonly large: Uint8Array;
  private readonly largeRequest: Buffer;

  constructor(a: { point: string; large: string; largeRequest: string }) {
    this.point = b64(a.point);
    this.large = b64(a.large);
    this.largeRequest = Buffer.from(a.largeRequest, 'base64');
  }

  reply(body: Uint8Array): Uint8Array {
    if (body.byteLength !== this.largeRequest.byteLength) return this.point;
    return this.largeRequest.equals(body) ? this.large : this.point;
  }
}

export class ConstantCoordinator extends Coordinator {
  private readonly json: FixedReplies;
  private readonly proto: FixedReplies;
  private readonly catalog: CatalogSchema;
  private readonly row: StructuredResult;
  private readonly rowJson: Uint8Array;
  private up = false;

  constructor(o: CoordinatorOptions, answersFile: string) {
    super(o);
    const a = JSON.parse(readFileSync(answersFile, 'utf8')) as ConstantAnswers;
    this.json = new FixedReplies(a.json);
    this.proto = new FixedReplies(a.proto);
    this.catalog = a.schema;
    const r = decodeExecuteResponse(b64(a.proto.point));
    // One row: what GetOrder, CreateOrder (INSERT … RETURNING *) and a point SELECT all return.
    this.row = { columns: r.columns, rows: r.rows, rowsAffected: 1, lastInsertId: null };
    this.rowJson = encoder.encode(firstRowToJson(this.row));
  }

  override async start(): Promise<void> {
    this.up = true;
  }
  override isReady(): boolean {
    return this.up;
  }
  override drain(): void {
    this.up = false;
  }
  override async stop(): Promise<void> {
    this.up = false;
  }
  override async status(): Promise<ShardStatus[]> {
    return [];
  }
  override runtimeStats(): ShardRuntimeStats[] {
    return [];
  }
  override sql(body: Uint8Array): Promise<Uint8Array> {
    return this.up ? Promise.resolve(this.json.reply(body)) : Promise.reject(unavailable('draining'));
  }
  override batch(body: Uint8Array): Promise<Uint8Array> {
    return this.sql(body);
  }
  override execProto(body: Uint8Array): Promise<Uint8Array> {
    return this.up ? Promise.resolve(this.proto.reply(body)) : Promise.reject(unavailable('draining'));
  }
  /** Answers in the call's tick, as ours does for a point read from the pages: same path, same cost. */
  override execProtoNow(body: Uint8Array): Uint8Array | undefined {
    return this.up ? this.proto.reply(body) : undefined;
  }
  override async exec(): Promise<StructuredResult> {
    return this.row;
  }
  override execEncodedNow(_sql: string, _params: readonly Value[], reply: ReplyFormat): Uint8Array | undefined {
    return this.up ? this.encodedRow(reply) : undefined;
  }
  override async execEncoded(_sql: string, _params: readonly Value[], reply: ReplyFormat): Promise<StructuredResult | Uint8Array> {
    return this.encodedRow(reply) ?? this.row;
  }
  /** The generated Gets ask for the shard-encoded row: answer it as bytes too, as ours does. */
  private encodedRow(reply: ReplyFormat): Uint8Array | undefined {
    if (typeof reply === 'object' && reply.kind === 'row-proto') return encodeFirstRowProto(this.row, reply);
    return reply === 'row-json' ? this.rowJson : undefined;
  }
  override async schema(): Promise<CatalogSchema> {
    return this.catalog;
  }
}

const encoder = new TextEncoder();

export class ReencodingCoordinator extends Coordinator {
  override async sql(body: Uint8Array): Promise<Uint8Array> {
    const { sql, params } = sqlBody(parseJsonBody(body), 'body');
    if (!Array.isArray(params)) throw new Error('bench: the re-encoding variant takes positional parameters only');
    const r = await this.exec(sql, params as Value[]);
    return encoder.encode(resultToJson(r));
  }

  override async execProto(body: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    const st = decodeStatement(body);
    if (!Array.isArray(st.params)) throw new Error('bench: the re-encoding variant takes positional parameters only');
    return encodeExecuteResponse(await this.exec(st.sql, st.params, timeoutMs));
  }

  /** Never at hand already encoded: every call takes the re-encoding path above. */
  override execProtoNow(): undefined {
    return undefined;
  }
  override execEncodedNow(): undefined {
    return undefined;
  }

  /** Values, whatever format is asked for: the generated APIs then shape the row in the main thread. */
  override execEncoded(sql: string, params: readonly Value[], _reply: ReplyFormat, timeoutMs?: number): Promise<StructuredResult> {
    return this.exec(sql, params, timeoutMs);
  }
}
