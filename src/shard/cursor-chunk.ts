/**
 * The reply of the cursor ops (fragment-protocol.ts `cursorOpen`/`cursorNext`): one chunk of a
 * query's rows, already encoded as gRPC `QueryResponse` bytes by the shard, with what the
 * coordinator needs to forward, cut or merge them without decoding a value.
 *
 *   u8   flags         bit 0: done (no row left; the shard has dropped the cursor)
 *   u8×3 reserved (0)
 *   u32  rows          n
 *   u32  metaLength    m
 *   m bytes            meta, fragment-protocol JSON: { columns?, order?, keys? }
 *                      (columns and order on the open reply; keys = each row's ORDER BY values)
 *   u32×n              end offset of each row in the body
 *   body               row i = body[end(i−1) … end(i)): one `rows` field (2) of QueryResponse —
 *                      a tag, a length and a Row — so any run of rows, concatenated after the
 *                      `columns` fields (1), is a valid QueryResponse
 *
 * Little-endian throughout. Nothing here does I/O.
 */
import type { Value } from '../storage/api.js';
import type { SortKey } from '../sql/index.js';
import { decodeWire, encodeWire } from './fragment-protocol.js';
import { writeValue } from './grpc-codec.js';
import { ProtoWriter } from './protobuf-wire.js';

export interface ChunkMeta {
  readonly columns?: readonly string[];
  readonly order?: readonly SortKey[];
  readonly keys?: readonly Value[][];
}

export interface Chunk {
  readonly done: boolean;
  readonly rows: number;
  readonly meta: ChunkMeta;
  /** End offset of each row in {@link body}. */
  readonly ends: Uint32Array;
  readonly body: Uint8Array;
}

const HEADER = 12;

/** Encodes rows as QueryResponse `rows` fields, remembering where each ends. */
export class ChunkWriter {
  private readonly w = new ProtoWriter(1 << 16);
  private readonly endList: number[] = [];

  get rows(): number {
    return this.endList.length;
  }

  get bytes(): number {
    return this.w.pos;
  }

  add(row: readonly Value[]): void {
    this.w.message(2, (m) => {
      for (const v of row) writeValue(m, 1, v);
    });
    this.endList.push(this.w.pos);
  }

  /** The rows written so far as one run of QueryResponse `rows` fields (no chunk header). */
  body(): Uint8Array {
    return this.w.finish();
  }

  finish(done: boolean, meta: ChunkMeta): Uint8Array {
    const metaBytes = meta.columns || meta.order || meta.keys ? encodeWire(meta) : new Uint8Array(0);
    const body = this.w.finish();
    const n = this.endList.length;
    const out = new Uint8Array(HEADER + metaBytes.length + 4 * n + body.length);
    const dv = new DataView(out.buffer);
    out[0] = done ? 1 : 0;
    dv.setUint32(4, n, true);
    dv.setUint32(8, metaBytes.length, true);
    out.set(metaBytes, HEADER);
    let at = HEADER + metaBytes.length;
    for (const e of this.endList) {
      dv.setUint32(at, e, true);
      at += 4;
    }
    out.set(body, at);
    return out;
  }
}

export function decodeChunk(bytes: Uint8Array): Chunk {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(4, true);
  const m = dv.getUint32(8, true);
  const meta = m === 0 ? {} : decodeWire<ChunkMeta>(bytes.subarray(HEADER, HEADER + m));
  const endsAt = HEADER + m;
  const ends = new Uint32Array(n);
  for (let i = 0; i < n; i++) ends[i] = dv.getUint32(endsAt + 4 * i, true);
  return { done: (bytes[0]! & 1) === 1, rows: n, meta, ends, body: bytes.subarray(endsAt + 4 * n) };
}

/** Row i's bytes (one QueryResponse `rows` field). */
export function rowBytes(c: Chunk, i: number): Uint8Array {
  return c.body.subarray(i === 0 ? 0 : c.ends[i - 1]!, c.ends[i]!);
}

/** Rows [from, to) as one run of bytes. */
export function rowRun(c: Chunk, from: number, to: number): Uint8Array {
  return c.body.subarray(from === 0 ? 0 : c.ends[from - 1]!, to === 0 ? 0 : c.ends[to - 1]!);
}
