/**
 * The shard protocol: the frame kinds a shard understands and how their payloads are encoded.
 * Frames travel over the rings of `src/ring` (header = FlatBuffers, payload = bytes); the ring
 * treats `kind` and `flags` as opaque numbers, and this file gives them meaning. The coordinator
 * imports this file to speak to shards; nothing here does I/O.
 *
 * Every request frame gets exactly one response frame with the same `requestId`: kind
 * {@link FrameKind.Ok} with a kind-specific payload, or {@link FrameKind.Error} with an
 * {@link ErrorData} JSON payload.
 */
import type { ErrorData } from '../errors.js';

export const FrameKind = {
  // requests (coordinator → shard)
  /** Payload: none. Response: {@link ShardStatus} JSON. A real round trip, used by /v1/status. */
  Status: 1,
  /** Payload: arbitrary bytes. Response: the same bytes. For the ring benchmark and health probes. */
  Echo: 2,
  /** Payload: none. The shard finishes its batch, makes its WALs durable, closes and exits. */
  Shutdown: 3,
  // 4–8 were the per-request SQL frames of the unpartitioned engine; the router's Fragment replaced them.
  /** Payload: a `FragmentOp` (fragment-protocol.ts) as tagged JSON. Response: its result, the same way. The router's frame. */
  Fragment: 9,
  // responses (shard → coordinator)
  Ok: 100,
  Error: 101,
  /** Sent once by a shard when it has opened (recovered) its partitions and takes work. Payload: {@link ShardStatus}. */
  Ready: 102,
} as const;
export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

export interface ShardStatus {
  shard: number;
  partitions: number[];
  uptimeMs: number;
  /** Frames the shard has taken from its request ring so far. */
  framesProcessed: number;
  /** Frames it took in its last batch (what "drain all" found). */
  lastBatchSize: number;
  /** The scan-kernel backend (avx512, avx2, wasm or none). */
  kernels: string;
}

/** One column as the generated APIs see it (src/shard/schema-describe.ts). */
export interface SchemaColumn {
  name: string;
  /** Declared type text ('' for none). */
  type: string;
  nullable: boolean;
  /** The DEFAULT clause's SQL text, or null. */
  default: string | null;
  primaryKey: boolean;
  autoIncrement: boolean;
  /** Stable for the life of the column: its ordinal at creation (columns are never dropped). */
  fieldNumber: number;
}

export interface SchemaTable {
  name: string;
  columns: SchemaColumn[];
  /** The declared primary-key columns (empty: none; the rowid then). */
  primaryKey: string[];
  indexes: { name: string; columns: string[]; unique: boolean }[];
}

/** The catalog as the generated APIs see it (`Coordinator.schema()`). `version` changes whenever the catalog does. */
export interface CatalogSchema {
  version: string;
  tables: SchemaTable[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

export function encodeError(e: ErrorData): Uint8Array {
  return encodeJson(e);
}

export const EMPTY = new Uint8Array(0);
