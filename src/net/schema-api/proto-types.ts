/**
 * Which protobuf scalar (and which JSON schema) carries a column, from its declared SQL type.
 *
 * The contract fixes INTEGER → int64, REAL → double, TEXT → string, BLOB → bytes and
 * BOOLEAN → bool. Every other declared type follows SQLite's affinity rules (datatype3.html
 * §3.1, first match wins): contains "INT" → int64; "CHAR", "CLOB" or "TEXT" → string; "BLOB" or
 * no type → bytes; "REAL", "FLOA" or "DOUB" → double; anything else is NUMERIC affinity.
 * NUMERIC columns map to double, with two exceptions recognised by name because that is what
 * people store there: BOOL/BOOLEAN → bool, and DATE/TIME/DATETIME/TIMESTAMP → string (SQLite's
 * date functions produce ISO-8601 text, which NUMERIC affinity leaves as text).
 *
 * SQLite is dynamically typed, so a stored value may not fit its column's proto type (TEXT in an
 * INTEGER column). {@link toProtoValue} converts what it can losslessly and otherwise fails with
 * SQL_ERROR naming the column, rather than inventing a value; the rules live below net, in
 * src/shard/row-proto.ts (re-exported by the coordinator), because the shard applies them too.
 */
import { HeliosError } from '../../errors.js';
import { protoFieldValue, type ProtoScalar } from '../../coordinator/index.js';
import type { ApiColumn, ApiValue } from './types.js';

export type { ProtoScalar };

export function protoScalarOf(declaredType: string): ProtoScalar {
  const t = declaredType.toUpperCase().trim();
  const base = t.replace(/\s*\(.*$/, '');
  if (base === 'BOOLEAN' || base === 'BOOL') return 'bool';
  if (t.includes('INT')) return 'int64';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'string';
  if (t.includes('BLOB') || t === '') return 'bytes';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'double';
  if (base === 'DATE' || base === 'TIME' || base === 'DATETIME' || base === 'TIMESTAMP') return 'string';
  return 'double';
}

/** Whether a column is auto-assigned on insert: AUTOINCREMENT or an INTEGER PRIMARY KEY (rowid alias). */
export function autoAssigned(c: ApiColumn): boolean {
  return c.autoIncrement || (c.primaryKey && c.declaredType.trim().toUpperCase() === 'INTEGER');
}

/** Whether a create request may omit the column (contract: nullable, defaulted or auto-assigned). */
export function omittable(c: ApiColumn): boolean {
  return c.nullable || c.hasDefault || autoAssigned(c);
}

/** Whether the resource message marks the column `optional` (presence = not NULL). */
export function nullableInMessage(c: ApiColumn): boolean {
  return c.nullable && !c.primaryKey;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A stored value as the protobufjs object field of type `t` (int64 as a decimal string, bytes as
 * a Buffer), or undefined for NULL (the field is left unset). The rules, and the SQL_ERROR for a
 * value that does not fit, are {@link protoFieldValue}'s: the shard's encode-once Get
 * (src/shard/row-proto.ts) applies the same ones.
 */
export function toProtoValue(col: string, v: ApiValue, t: ProtoScalar): string | number | boolean | Buffer | undefined {
  const f = protoFieldValue(col, v, t);
  if (typeof f === 'bigint') return f.toString();
  if (f instanceof Uint8Array) return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  return f;
}

/** A decoded protobufjs field value (longs: String, bytes: Buffer) as a SQL parameter. */
export function fromProtoValue(col: string, v: unknown, t: ProtoScalar): ApiValue {
  switch (t) {
    case 'int64': {
      const n = typeof v === 'string' || typeof v === 'number' ? BigInt(v) : typeof v === 'bigint' ? v : null;
      if (n === null || n < INT64_MIN || n > INT64_MAX) throw new HeliosError('BAD_REQUEST', `field ${col}: not an int64`);
      return n;
    }
    case 'double':
      return Number(v);
    case 'string':
      return String(v);
    case 'bytes':
      return v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(0);
    case 'bool':
      return v === true ? 1n : 0n;
  }
}
