/**
 * A stored row as a generated table message (the per-table gRPC API's `Order`, `Customer`, …):
 * the value → protobuf field rules, shared by the coordinator's path (net's `toProtoValue`,
 * which hands protobufjs an object) and the shard's encode-once path (the `row-proto` reply
 * format, written here by hand and forwarded unchanged by grpc-js). One set of rules, so both
 * paths accept the same values and fail with the same error.
 *
 * The rules, per field type (SQLite is dynamically typed, so a stored value may not fit):
 *
 *   int64   INTEGER; a REAL with no fraction part inside int64's range
 *   double  REAL; INTEGER (as the nearest double)
 *   string  TEXT; INTEGER or REAL as their decimal text    (String(v): 1e+21, NaN, Infinity)
 *   bytes   BLOB; TEXT as its UTF-8 bytes
 *   bool    INTEGER or REAL, true when not zero
 *   NULL    the field is left unset, whatever its type
 *
 * Anything else fails with SQL_ERROR naming the column and the value's class, rather than
 * inventing a value.
 *
 * The message bytes are what protobufjs 7 writes for the generated `.proto` from the object
 * net's `rowToMessage` builds: fields in field-number order, and every non-NULL value written,
 * zero values included. protobufjs's encoder tests only `!= null` (src/encoder.js), not proto3's
 * implicit presence, so a non-`optional` field holding 0, "" or false is written too; a decoder
 * reads that exactly as an omitted field, and writing it keeps the two paths byte-identical.
 * One exception: TEXT holding a lone UTF-16 surrogate (only memory partitions keep one; files
 * store UTF-8) is written as U+FFFD, where protobufjs writes bytes that are not UTF-8.
 *
 * The layout travels with each request as one short string (see {@link rowProtoReply}), so the
 * shard needs no copy of the generated API: `<field number><type letter><column name>` per
 * column, comma-separated, in the columns' table order, e.g. `1iid,2icustomer_id,3sstatus`.
 * Type letters: i int64, d double, s string, b bytes, t bool. Column names are protobuf
 * identifiers (a table whose names are not has no gRPC API), so they never hold a comma.
 *
 * May import: src/errors.ts, src/storage/api.ts (types), ./protobuf-wire.ts.
 */
import { HeliosError, sqlError } from '../errors.js';
import type { Value } from '../storage/api.js';
import { ProtoWriter } from './protobuf-wire.js';

export type ProtoScalar = 'int64' | 'double' | 'string' | 'bytes' | 'bool';

/** A field value in wire terms: int64 → bigint, double → number, string, bytes, bool. */
export type ProtoFieldValue = bigint | number | string | Uint8Array | boolean;

function mismatch(col: string, v: Value, t: ProtoScalar): HeliosError {
  const shown = v instanceof Uint8Array ? `a BLOB of ${v.byteLength} bytes` : typeof v === 'bigint' ? `INTEGER ${v}` : typeof v === 'number' ? `REAL ${v}` : `TEXT ${JSON.stringify(String(v).slice(0, 40))}`;
  return sqlError(`column ${col} holds ${shown}, which its gRPC type ${t} cannot carry`);
}

const utf8 = new TextEncoder();
const TWO_63 = 2 ** 63;

/**
 * A stored value as the field value of type `t`, or undefined for NULL (the field stays unset).
 * Throws SQL_ERROR naming `col` when the value does not fit (see the module doc).
 */
export function protoFieldValue(col: string, v: Value, t: ProtoScalar): ProtoFieldValue | undefined {
  if (v === null) return undefined;
  switch (t) {
    case 'int64':
      if (typeof v === 'bigint') return v;
      // A REAL beyond int64 (SQLite keeps 1e20 REAL even in an INTEGER column) would wrap.
      if (typeof v === 'number' && Number.isInteger(v) && v >= -TWO_63 && v < TWO_63) return BigInt(v);
      throw mismatch(col, v, t);
    case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      throw mismatch(col, v, t);
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'bigint' || typeof v === 'number') return String(v);
      throw mismatch(col, v, t);
    case 'bytes':
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return utf8.encode(v);
      throw mismatch(col, v, t);
    case 'bool':
      if (typeof v === 'bigint') return v !== 0n;
      if (typeof v === 'number') return v !== 0;
      throw mismatch(col, v, t);
  }
}

/** One field of a table message: the result column it comes from, its number and type. */
export interface RowProtoField {
  readonly column: string;
  readonly number: number;
  readonly scalar: ProtoScalar;
}

/**
 * The `row-proto` reply format of a `run` op (src/shard/fragment-protocol.ts): the statement's
 * first row as a table message, `layout` saying which columns go to which fields. Build it once
 * per table model with {@link rowProtoReply}: it is about 12 bytes per column on the ring.
 */
export interface RowProtoReply {
  readonly kind: 'row-proto';
  readonly layout: string;
}

const LETTER: Record<ProtoScalar, string> = { int64: 'i', double: 'd', string: 's', bytes: 'b', bool: 't' };
const SCALAR: Record<string, ProtoScalar> = { i: 'int64', d: 'double', s: 'string', b: 'bytes', t: 'bool' };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The reply format for a table message whose fields are `fields`, in the table's column order. */
export function rowProtoReply(fields: readonly RowProtoField[]): RowProtoReply {
  const parts = fields.map((f) => {
    if (!NAME.test(f.column)) throw new HeliosError('INTERNAL', `row-proto: column name ${JSON.stringify(f.column)} is not a protobuf identifier`);
    if (!Number.isInteger(f.number) || f.number < 1 || f.number > 536870911) throw new HeliosError('INTERNAL', `row-proto: bad field number ${f.number} for ${f.column}`);
    return `${f.number}${LETTER[f.scalar]}${f.column}`;
  });
  return { kind: 'row-proto', layout: parts.join(',') };
}

/** A parsed layout: fields in column order, and the order to write them in (by field number). */
interface Layout {
  readonly fields: readonly RowProtoField[];
  readonly writeOrder: readonly number[];
}

/**
 * Parsed layouts by their text. A table's layout changes only with DDL, so a shard sees a
 * handful; the bound only stops a stream of distinct layouts (many tables, or many DDLs) from
 * growing it without end.
 */
const layouts = new Map<string, Layout>();
const MAX_LAYOUTS = 512;

function parseLayout(text: string): Layout {
  let l = layouts.get(text);
  if (l) return l;
  const fields: RowProtoField[] = text === '' ? [] : text.split(',').map((part) => {
    const m = /^(\d+)([idsbt])([A-Za-z_][A-Za-z0-9_]*)$/.exec(part);
    if (!m) throw new HeliosError('INTERNAL', `row-proto: bad layout entry ${JSON.stringify(part)}`);
    return { column: m[3]!, number: Number(m[1]), scalar: SCALAR[m[2]!]! };
  });
  const writeOrder = fields.map((_, i) => i).sort((a, b) => fields[a]!.number - fields[b]!.number);
  l = { fields, writeOrder };
  if (layouts.size >= MAX_LAYOUTS) layouts.clear();
  layouts.set(text, l);
  return l;
}

/** The first byte of a `row-proto` reply that holds a row; no bytes at all means no row. */
export const ROW_PRESENT = 1;

/**
 * The first row of a result as the table message `reply` describes, behind the
 * {@link ROW_PRESENT} byte; no bytes when there is no row. The marker keeps "no row" apart from
 * a row whose message is empty (every field NULL or missing from the result). A field whose
 * column is not in the result is left unset, as net's `rowToMessage` does; of two result
 * columns with one name, the last wins, as it does there. Values are checked in column order
 * (the first misfit is the one reported, on both paths), then written in field-number order.
 */
export function encodeFirstRowProto(r: { readonly columns: readonly string[]; readonly rows: readonly (readonly Value[])[] }, reply: RowProtoReply): Uint8Array {
  const row = r.rows[0];
  if (row === undefined) return new Uint8Array(0);
  const { fields, writeOrder } = parseLayout(reply.layout);
  const values: (ProtoFieldValue | undefined)[] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const at = r.columns.lastIndexOf(f.column);
    values[i] = at < 0 ? undefined : protoFieldValue(f.column, row[at] ?? null, f.scalar);
  }
  const w = new ProtoWriter(64);
  w.varint(ROW_PRESENT);
  for (const i of writeOrder) {
    const v = values[i];
    if (v === undefined) continue;
    const n = fields[i]!.number;
    switch (typeof v) {
      case 'bigint': w.int64(n, v); break;
      case 'number': w.double(n, v); break;
      case 'string': w.string(n, v); break;
      case 'boolean': w.bool(n, v); break;
      default: w.bytes(n, v);
    }
  }
  return w.finish();
}

/** The message inside a non-empty `row-proto` reply (a view, no copy). */
export function rowProtoMessage(reply: Uint8Array): Uint8Array {
  if (reply.byteLength === 0 || reply[0] !== ROW_PRESENT) throw new HeliosError('INTERNAL', 'row-proto: the reply holds no row marker');
  return reply.subarray(1);
}
