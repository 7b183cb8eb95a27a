/**
 * JavaScript values in and out of the embedded library, following the contract's value table
 * (shared/contract.md, "Values") the way a JS caller expects rather than JSON's way:
 *
 * | JS parameter            | binds as | result value (SQL → JS)                              |
 * |-------------------------|----------|------------------------------------------------------|
 * | null / undefined        | NULL     | NULL → null                                          |
 * | integral number, bigint | INTEGER  | INTEGER → number; bigint beyond ±(2^53−1) (lossless) |
 * | fractional number       | REAL     | REAL → number                                        |
 * | boolean                 | 1 / 0    | —                                                    |
 * | string                  | TEXT     | TEXT → string                                        |
 * | Uint8Array (Buffer)     | BLOB     | BLOB → Uint8Array                                    |
 *
 * With `integers: 'bigint'` every INTEGER comes back as a bigint. A NaN or ±Infinity parameter
 * binds NULL, as REAL NaN does in SQLite. Anything else (a Date, a plain object, a function) is
 * rejected with BAD_REQUEST naming the parameter: silently binding `[object Object]` would store
 * garbage.
 */
import { HeliosError } from '../errors.js';
import type { Value } from '../storage/api.js';
import type { ExecResult } from './database.js';

/** A value a statement parameter may take. */
export type SqlParam = null | undefined | number | bigint | boolean | string | Uint8Array;
/** `?`/`?NNN` parameters as an array; `:name`/`@name`/`$name` as an object (keys without the sigil). */
export type SqlParams = readonly SqlParam[] | Readonly<Record<string, SqlParam>>;
/** A value in a result row. */
export type SqlValue = null | number | bigint | string | Uint8Array;

export type IntegerMode = 'number' | 'bigint';

export function toValue(p: SqlParam, where: string): Value {
  switch (typeof p) {
    case 'undefined':
      return null;
    case 'number':
      if (Number.isInteger(p)) return BigInt(p);
      return Number.isFinite(p) ? p : null;
    case 'bigint':
      if (p > 0x7fffffffffffffffn || p < -0x8000000000000000n) throw new HeliosError('BAD_REQUEST', `${where}: ${p} does not fit a 64-bit INTEGER`);
      return p;
    case 'boolean':
      return p ? 1n : 0n;
    case 'string':
      return p;
    case 'object':
      if (p === null) return null;
      if (p instanceof Uint8Array) return p;
  }
  const got = typeof p === 'object' ? (p as object).constructor?.name ?? 'object' : typeof p;
  throw new HeliosError('BAD_REQUEST', `${where}: cannot bind a ${got}; expected null, a number, bigint, boolean, string or Uint8Array`);
}

export function toValues(params: SqlParams | undefined): Value[] | Record<string, Value> {
  if (params === undefined) return [];
  if (Array.isArray(params)) return (params as readonly SqlParam[]).map((p, i) => toValue(p, `params[${i}]`));
  if (typeof params !== 'object' || params === null || params instanceof Uint8Array) {
    throw new HeliosError('BAD_REQUEST', 'params: expected an array (for ?) or an object (for :name), got ' + (params === null ? 'null' : typeof params));
  }
  const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
  for (const [k, v] of Object.entries(params as Record<string, SqlParam>)) out[k.replace(/^[:@$]/, '')] = toValue(v, `params.${k}`);
  return out;
}

export function fromValue(v: Value, integers: IntegerMode): SqlValue {
  if (typeof v !== 'bigint' || integers === 'bigint') return v;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

/** An engine result as the library returns it (INTEGERs per `integers`). */
export function toExecResult(r: { columns: string[]; rows: Value[][]; rowsAffected: number; lastInsertId: bigint | null }, integers: IntegerMode): ExecResult {
  return {
    columns: r.columns,
    rows: r.rows.map((row) => row.map((v) => fromValue(v, integers))),
    rowsAffected: r.rowsAffected,
    lastInsertId: r.lastInsertId === null ? null : (fromValue(r.lastInsertId, integers) as number | bigint),
  };
}

/** Rows as objects keyed by column name (a later duplicate column name wins). */
export function rowObjects<T extends object>(r: ExecResult): T[] {
  return r.rows.map((row) => {
    const o: Record<string, SqlValue> = {};
    r.columns.forEach((c, k) => (o[c] = row[k] as SqlValue));
    return o as T;
  });
}
