/**
 * The library's one adapter to the shard protocol: an `ExecuteRequest` with positional or named
 * parameters, in the protobuf the shard already reads for gRPC (src/shard/grpc-codec.ts). The
 * coordinator's `exec` takes positional values only; named ones (`:name`) travel in the request's
 * `named_params` map, so the library encodes the request itself and goes through `execProto`.
 */
import { writeValue } from '../shard/grpc-codec.js';
import { ProtoWriter } from '../shard/protobuf-wire.js';
import type { Value } from '../storage/api.js';

export { decodeExecuteResponse } from '../shard/grpc-codec.js';

export function encodeStatement(sql: string, params: readonly Value[] | Readonly<Record<string, Value>>): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, sql);
  if (Array.isArray(params)) {
    for (const p of params as readonly Value[]) writeValue(w, 2, p);
  } else {
    for (const [k, v] of Object.entries(params as Record<string, Value>)) {
      w.message(3, (e) => {
        e.string(1, k);
        writeValue(e, 2, v);
      });
    }
  }
  return w.finish();
}
