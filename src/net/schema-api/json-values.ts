/**
 * SQL values ↔ JSON, per the contract's value table:
 *
 *   NULL → null; INTEGER → number, or a decimal string beyond ±(2^53−1); REAL → number (NaN and
 *   ±Infinity → null); TEXT → string; BLOB → {"base64": "..."}.
 *
 * And back, for request bodies: an integral JSON number binds INTEGER, a fraction REAL,
 * true/false 1/0, a string TEXT, {"base64"} a BLOB. Integers beyond 2^53 must arrive as strings
 * (JSON.parse has already rounded a bare one); column affinity turns such a string back into an
 * INTEGER on insert and in comparisons with the column, as SQLite does.
 */
import { badRequest } from '../../errors.js';
import type { Row } from './operations.js';
import type { ApiValue } from './types.js';

export type JsonValue = null | number | string | { base64: string };

export function valueToJson(v: ApiValue): JsonValue {
  if (v === null) return null;
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') return v;
  return { base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
}

export function rowToJson(row: Row): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(row)) o[k] = valueToJson(v);
  return o;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A JSON request value as a SQL value; `where` names it in the error. */
export function jsonToValue(j: unknown, where: string): ApiValue {
  if (j === null) return null;
  if (typeof j === 'boolean') return j ? 1n : 0n;
  if (typeof j === 'number') {
    if (!Number.isFinite(j)) throw badRequest(`${where}: not a finite number`);
    return Number.isInteger(j) ? BigInt(j) : j;
  }
  if (typeof j === 'string') return j;
  if (typeof j === 'object' && !Array.isArray(j)) {
    const keys = Object.keys(j);
    const b = (j as Record<string, unknown>)['base64'];
    if (keys.length === 1 && typeof b === 'string' && BASE64.test(b) && b.length % 4 === 0) return new Uint8Array(Buffer.from(b, 'base64'));
  }
  throw badRequest(`${where}: expected null, a number, a string, true/false or {"base64": "..."}`);
}
