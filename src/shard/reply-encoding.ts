/**
 * One statement's result as the caller's response body (design.md, "Encode once"): the `/v1/sql`
 * JSON, a protobuf ExecuteResponse, a generated REST resource or gRPC table message, or a
 * fan-out part. Written in the shard for the `run` op with `reply`, and by the coordinator for the
 * point reads it answers from the shard's pages (page-reads.ts) — one encoder, so both paths
 * give the same bytes.
 */
import type { FragmentResult, ReplyFormat } from './fragment-protocol.js';
import { firstRowToJson, resultToJson } from './json-codec.js';
import { encodeExecuteResponse } from './grpc-codec.js';
import { encodeResultPart } from './result-parts.js';
import { encodeFirstRowProto } from './row-proto.js';

export function encodeReplyBody(r: FragmentResult, format: ReplyFormat): Uint8Array {
  if (typeof format === 'object' && format.kind === 'part') return encodeResultPart(r, format.part);
  if (typeof format === 'object') return encodeFirstRowProto(r, format);
  if (format === 'proto') return encodeExecuteResponse(r);
  // Buffer.from, not TextEncoder: a small string is written into Node's shared pool slab rather
  // than a new ArrayBuffer of its own (a third of the encoding's cost for a one-row body).
  return Buffer.from(format === 'json' ? resultToJson(r) : firstRowToJson(r), 'utf8');
}
