/**
 * The partition-level SQL protocol of a partitioned database: what the coordinator's router
 * asks of one partition ({@link FragmentOp}) and how values travel. One ring frame of kind
 * `FrameKind.Fragment` carries one op as JSON; the Ok reply is the op's result as JSON. Values
 * are SQLite's five classes; JSON has no bigint, no blob, no -0 and no infinities, so those are
 * tagged: `{"#i":"123"}` (INTEGER), `{"#b":"base64"}` (BLOB), `{"#f":"-0"|"Infinity"|"-Infinity"}`
 * ('#' cannot start a SQL parameter name, so a named-parameter object never looks like a tag).
 * A finite REAL is a JSON number and TEXT a JSON string. Nothing here does I/O.
 */
import { HeliosError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { TableLocation as StorageLocation } from '../storage/index.js';
import { decodeRowMatrix, encodeRowMatrix } from './row-matrix-wire.js';
import type { RowProtoReply } from './row-proto.js';

/** A statement for one partition. `rows`: the INSERT's planned rows for this partition (`[rowid, row]`). */
export interface FragmentStmt {
  readonly sql: string;
  readonly params: Value[] | Record<string, Value>;
  readonly rows?: readonly { readonly rowid: bigint; readonly row: Value[] }[];
}

/**
 * The caller's wire format for a `run` op's reply (see {@link FragmentOp}): `json` the `/v1/sql`
 * body, `proto` a protobuf ExecuteResponse, `row-json` the generated REST API's resource body —
 * the first row as a JSON object keyed by column name — and {@link RowProtoReply} the generated
 * gRPC API's table message (src/shard/row-proto.ts). With `row-json` and `row-proto` no bytes
 * at all mean no row (the caller answers NOT_FOUND).
 */
export type ReplyFormat = 'json' | 'proto' | 'row-json' | RowProtoReply | PartReply;

/**
 * A partition's part of a concatenated fan-out's body in the caller's format (`json` or
 * `proto`): its rows as they go into the body, after a small header (result-parts.ts); the
 * coordinator splices the parts.
 */
export interface PartReply {
  readonly kind: 'part';
  readonly part: 'json' | 'proto';
}

/** A handler result that is already the frame's payload (not wrapped by {@link encodeWire}). */
export class RawReply {
  constructor(readonly bytes: Uint8Array) {}
}

export interface FragmentResult {
  columns: string[];
  rows: Value[][];
  rowsAffected: number;
  lastInsertId: bigint | null;
}

/** Filters a partition applies before a fan-out scan's rows cross the ring (SQL over the table seen as `alias`). */
export interface ScanPushdown {
  readonly alias: string;
  readonly where?: string;
  readonly orderBy?: string;
  readonly limit?: bigint;
}

/**
 * A table's place in its shard's buffer pool (the `locate` op's reply): the storage location
 * (pool owner, root page, column kinds: PagedPartition.tableLocation) and what a `SELECT *` of it
 * returns — the column names and which of them is the rowid alias.
 */
export interface TableLocation extends StorageLocation {
  readonly names: readonly string[];
  readonly rowidColumn: number;
}

/** One table's share of a central write for one partition: rows to (re)write and rowids to remove. */
export interface TableWrites {
  readonly table: string;
  readonly puts: readonly (readonly [bigint, Value[]])[];
  readonly deletes: readonly bigint[];
}

/**
 * One request to one partition.
 * - `run`: the statements in order. With `tx` (a 2PC gid) they join that transaction on this
 *   partition (begun on first use, kept open); without, they run as one atomic auto-commit unit.
 *   Reply: {@link FragmentResult}[]; a failing statement fails the op (`statementIndex` set) and,
 *   without `tx`, undoes the whole op. With `reply` (one auto-commit statement: the router's
 *   single-partition fast path) the reply is instead the response body in the caller's wire
 *   format — REST JSON, a protobuf ExecuteResponse, or one row as a generated REST resource or
 *   gRPC table message — written here and forwarded unchanged by the coordinator (design.md, "Encode once, in the shard").
 * - `scan`: the rows of a table (`[rowid, ...columns]`), inside `tx` when given: all of them, or
 *   a superset of those passing `pushdown` (src/coordinator/pushdown.ts). Reply: Value[][].
 * - `prepare` / `commit` / `abort`: end `tx` on this partition (commit without prepare = one phase).
 * - `resolve`: commit or abort an in-doubt (PREPAREd before a restart) transaction by gid.
 * - `inDoubt`: the gids PREPAREd and unresolved on each of the shard's partitions.
 * - `schema`: the rows of the catalog's system table (`[rowid, type, name, tbl_name, id, sql]`).
 * - `maxRowid`: the largest rowid a table has used here (max of its rows and its AUTOINCREMENT sequence).
 * - `cursorOpen` / `cursorNext` / `cursorClose`: gRPC Query streaming (src/shard/query-cursors.ts).
 *   Open a resumable cursor `cursor` over one SELECT (auto-commit reads; `limit` replaces its
 *   LIMIT/OFFSET; `keys`: send each row's ORDER BY values for a merge), then pull chunks of at
 *   most `chunk.rows` rows / about `chunk.bytes` bytes. Reply: a chunk (src/shard/cursor-chunk.ts),
 *   raw bytes like `run` with `reply`. A chunk marked done closes the cursor; close is idempotent.
 * - `locate`: where a table's rows live in the shard's shared buffer pool ({@link TableLocation}),
 *   for the coordinator's optimistic point reads (src/shard/page-reads.ts); null when the table
 *   has no rowid alias column or the partition is fenced.
 * - `apply`: inside `tx`, writes rows the coordinator computed centrally (src/coordinator/central-write.ts)
 *   straight to storage: no SQL, constraints or triggers run here (the coordinator's run checked
 *   and fired them over the whole tables). An AUTOINCREMENT table's sequence follows the rows put.
 */
export type FragmentOp =
  | { readonly op: 'run'; readonly p: number; readonly tx?: string; readonly stmts: readonly FragmentStmt[]; readonly reply?: ReplyFormat }
  | { readonly op: 'scan'; readonly p: number; readonly tx?: string; readonly table: string; readonly pushdown?: ScanPushdown }
  | { readonly op: 'prepare' | 'commit' | 'abort'; readonly p: number; readonly tx: string }
  | { readonly op: 'resolve'; readonly p: number; readonly gid: string; readonly commit: boolean }
  | { readonly op: 'inDoubt' }
  | { readonly op: 'schema'; readonly p: number }
  | { readonly op: 'maxRowid'; readonly p: number; readonly table: string }
  | { readonly op: 'locate'; readonly p: number; readonly table: string }
  | { readonly op: 'apply'; readonly p: number; readonly tx?: string; readonly writes: readonly TableWrites[] }
  | { readonly op: 'cursorOpen'; readonly p: number; readonly cursor: string; readonly sql: string; readonly params: Value[] | Record<string, Value>; readonly limit?: { readonly limit: bigint | null; readonly offset: bigint }; readonly keys: boolean; readonly chunk: { readonly rows: number; readonly bytes: number } }
  | { readonly op: 'cursorNext'; readonly p: number; readonly cursor: string; readonly chunk: { readonly rows: number; readonly bytes: number } }
  | { readonly op: 'cursorClose'; readonly p: number; readonly cursor: string };

/** The ops whose reply is raw bytes written by the shard (not {@link encodeWire} JSON). */
export function rawReplyOp(op: FragmentOp): boolean {
  return (op.op === 'run' && op.reply !== undefined) || op.op === 'cursorOpen' || op.op === 'cursorNext';
}

function wireValue(v: Value): unknown {
  if (typeof v === 'bigint') return { '#i': v.toString() };
  if (v instanceof Uint8Array) return { '#b': Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { '#f': Object.is(v, -0) ? '-0' : String(v) };
  return v;
}

function valueOf(w: unknown): Value {
  if (w === null || typeof w === 'string' || typeof w === 'number') return w;
  if (typeof w === 'object') {
    const o = w as Record<string, string | undefined>;
    if (o['#i'] !== undefined) return BigInt(o['#i']);
    if (o['#b'] !== undefined) return new Uint8Array(Buffer.from(o['#b'], 'base64'));
    if (o['#f'] !== undefined) return o['#f'] === '-0' ? -0 : Number(o['#f']);
  }
  throw new HeliosError('INTERNAL', `fragment protocol: not a value: ${JSON.stringify(w)}`);
}

/**
 * JSON.stringify with every {@link Value} (anywhere in the structure) tagged — except a member
 * `rows` holding a matrix of values (a result's rows), which goes out of line as a binary block
 * (row-matrix-wire.ts) and is replaced by `{"#r": block index}`. With blocks the message is
 * framed: a 0 byte (JSON never starts with one), u32 JSON length, the JSON, then per block a u32
 * length and its bytes. Without, it is the JSON alone.
 */
export function encodeWire(x: unknown): Uint8Array {
  const run = plainRun(x);
  if (run) {
    try {
      return Buffer.from(JSON.stringify(run));
    } catch {
      // a bigint somewhere else in the op: the replacer path below tags it
    }
  }
  const blocks: Uint8Array[] = [];
  const json = JSON.stringify(x, function (this: unknown, k: string, v: unknown) {
    // JSON.stringify has already called toJSON; bigints and typed arrays arrive raw here.
    const raw = (this as Record<string, unknown>)[k];
    if (k === 'rows' && Array.isArray(raw) && raw.length > 0 && Array.isArray(raw[0])) {
      const block = encodeRowMatrix(raw);
      if (block) return { '#r': blocks.push(block) - 1 };
    }
    if (typeof raw === 'bigint' || raw instanceof Uint8Array || (typeof raw === 'number' && (!Number.isFinite(raw) || Object.is(raw, -0)))) return wireValue(raw as Value);
    return v;
  });
  if (blocks.length === 0) return Buffer.from(json);
  const jsonLen = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(5 + jsonLen + blocks.reduce((n, b) => n + 4 + b.byteLength, 0));
  out[0] = 0;
  out.writeUInt32LE(jsonLen, 1);
  out.write(json, 5, 'utf8');
  let at = 5 + jsonLen;
  for (const b of blocks) {
    out.writeUInt32LE(b.byteLength, at);
    out.set(b, at + 4);
    at += 4 + b.byteLength;
  }
  return out;
}

/**
 * A `run` op whose statements carry no planned rows, with its parameters already tagged: the
 * same JSON as the replacer path, without a replacer call per key — the op every point
 * statement sends, where that call was 7% of the coordinator thread's CPU. Null for any other
 * message.
 */
function plainRun(x: unknown): unknown {
  const op = x as { op?: unknown; stmts?: readonly FragmentStmt[] };
  if (op === null || typeof op !== 'object' || op.op !== 'run' || !Array.isArray(op.stmts)) return null;
  const stmts: { sql: string; params: unknown }[] = [];
  for (const st of op.stmts) {
    if (st.rows !== undefined) return null;
    stmts.push({ sql: st.sql, params: Array.isArray(st.params) ? st.params.map(wireValue) : tagNamed(st.params) });
  }
  return { ...op, stmts };
}

function tagNamed(params: Record<string, Value>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // defineProperty: a parameter spelled "__proto__" stays an own key (the replacer path keeps it too).
  for (const k of Object.keys(params)) Object.defineProperty(out, k, { value: wireValue(params[k]!), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Parses {@link encodeWire}'s output, turning tagged values back into {@link Value}s and row
 * blocks back into rows. A plain JSON.parse and one walk that replaces tagged objects in place:
 * a JSON.parse reviver (called for every key, with its holder) cost several times more on the
 * coordinator's hot path.
 */
export function decodeWire<T>(bytes: Uint8Array): T {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length === 0 || b[0] !== 0) return untag(JSON.parse(b.toString('utf8')), NO_BLOCKS) as T;
  const jsonLen = b.readUInt32LE(1);
  const blocks: Uint8Array[] = [];
  for (let at = 5 + jsonLen; at < b.length; ) {
    const n = b.readUInt32LE(at);
    if (at + 4 + n > b.length) throw new HeliosError('INTERNAL', 'fragment protocol: truncated row block');
    blocks.push(b.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return untag(JSON.parse(b.toString('utf8', 5, 5 + jsonLen)), blocks) as T;
}

const NO_BLOCKS: readonly Uint8Array[] = [];

/** A tagged value's replacement, or `w` itself with its members untagged in place. */
function untag(w: unknown, blocks: readonly Uint8Array[]): unknown {
  if (w === null || typeof w !== 'object') return w;
  if (Array.isArray(w)) {
    for (let i = 0; i < w.length; i++) {
      const x: unknown = w[i];
      if (x !== null && typeof x === 'object') w[i] = untag(x, blocks);
    }
    return w;
  }
  const o = w as Record<string, unknown>;
  let n = 0;
  let only = '';
  for (const k in o) {
    if (++n > 1) break;
    only = k;
  }
  if (n === 1 && (only === '#i' || only === '#b' || only === '#f') && typeof o[only] === 'string') return valueOf(o);
  if (n === 1 && only === '#r' && typeof o[only] === 'number') {
    const block = blocks[o[only] as number];
    if (!block) throw new HeliosError('INTERNAL', `fragment protocol: no row block ${o[only] as number}`);
    return decodeRowMatrix(block);
  }
  for (const k in o) {
    const x = o[k];
    if (x === null || typeof x !== 'object') continue;
    const y = untag(x, blocks);
    if (y === x) continue;
    // A key "__proto__" from JSON.parse is an own data property; plain assignment would set the prototype.
    if (k === '__proto__') Object.defineProperty(o, k, { value: y, writable: true, enumerable: true, configurable: true });
    else o[k] = y;
  }
  return o;
}
