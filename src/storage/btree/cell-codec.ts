/**
 * Cells: the byte form of one value inside a page heap (and of row values in WAL records).
 *
 * ```
 * tag 0 NULL          (1 byte; only in WAL rows — pages keep NULLs in bitmaps / a 0 slot)
 * tag 1 INTEGER       [1][i64 LE]
 * tag 2 REAL          [2][f64 LE]          (-0.0 kept bit-exact)
 * tag 3 TEXT          [3][u32 len][utf-8]
 * tag 4 BLOB          [4][u32 len][bytes]
 * tag 0x83 / 0x84     TEXT / BLOB in overflow pages: [tag][u32 total len][u32 first overflow page]
 * ```
 */
import { HeliosError } from '../../errors.js';
import type { Value } from '../api.js';

export const TAG_NULL = 0;
export const TAG_INT = 1;
export const TAG_REAL = 2;
export const TAG_TEXT = 3;
export const TAG_BLOB = 4;
export const OVERFLOW_BIT = 0x80;
export const OVERFLOW_REF_LEN = 9;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });
const scratch = new DataView(new ArrayBuffer(8));

export function encodeText(s: string): Uint8Array {
  return enc.encode(s);
}
export function decodeText(b: Uint8Array): string {
  return decodeTextRange(b, 0, b.length);
}

/**
 * UTF-8 bytes `b[start, end)` → string. Short ASCII strings (most keys, codes, statuses) are
 * built directly: TextDecoder's per-call cost dominated full scans of TEXT columns.
 */
export function decodeTextRange(b: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_TEXT) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return dec.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return dec.decode(b.subarray(start, end));
}
const SHORT_TEXT = 48;

/** Encodes a non-NULL value as a cell. TEXT/BLOB payloads over `maxInline` are the caller's job. */
export function encodeCell(v: Value): Uint8Array {
  if (typeof v === 'bigint') {
    const c = new Uint8Array(9);
    c[0] = TAG_INT;
    new DataView(c.buffer).setBigInt64(1, v, true);
    return c;
  }
  if (typeof v === 'number') {
    const c = new Uint8Array(9);
    c[0] = TAG_REAL;
    new DataView(c.buffer).setFloat64(1, v, true);
    return c;
  }
  if (typeof v === 'string') return textCell(v);
  if (v instanceof Uint8Array) return lenCell(TAG_BLOB, v);
  throw new HeliosError('INTERNAL', `storage: cannot store a value of type ${v === null ? 'null' : typeof v}`);
}

/**
 * A TEXT cell, encoded straight into the cell. Sized for ASCII first: if every UTF-16 unit was
 * consumed into `length` bytes the text was ASCII and the cell is exact; otherwise re-encode.
 */
function textCell(v: string): Uint8Array {
  const n = v.length;
  const c = new Uint8Array(5 + n);
  const { read } = enc.encodeInto(v, c.subarray(5));
  if (read !== n) return lenCell(TAG_TEXT, enc.encode(v));
  c[0] = TAG_TEXT;
  c[1] = n & 0xff;
  c[2] = (n >>> 8) & 0xff;
  c[3] = (n >>> 16) & 0xff;
  c[4] = n >>> 24;
  return c;
}

export function lenCell(tag: number, payload: Uint8Array): Uint8Array {
  const c = new Uint8Array(5 + payload.length);
  c[0] = tag;
  new DataView(c.buffer).setUint32(1, payload.length, true);
  c.set(payload, 5);
  return c;
}

export function checkValue(v: unknown): asserts v is Value {
  if (v === null || typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new HeliosError('INTERNAL', 'storage: NaN cannot be stored (the SQL layer stores NULL)');
    return;
  }
  throw new HeliosError('INTERNAL', `storage: ${typeof v} is not a storage value (null, bigint, number, string, Uint8Array)`);
}

/** Byte length of the cell starting at `off`. */
export function cellLength(b: Uint8Array, dv: DataView, off: number): number {
  const tag = b[off]!;
  if (tag === TAG_INT || tag === TAG_REAL) return 9;
  if (tag & OVERFLOW_BIT) return OVERFLOW_REF_LEN;
  if (tag === TAG_NULL) return 1;
  return 5 + dv.getUint32(off + 1, true);
}

/**
 * An inline cell is at most a quarter page (larger values go to overflow chains); a longer length
 * is corruption — or a torn page seen by another thread's optimistic read, which must then fail
 * rather than copy up to the whole pool.
 */
const MAX_INLINE = 65536 / 4;

/** The byte length of the TEXT or BLOB cell at `off`, checked against {@link MAX_INLINE}. */
function inlineLength(dv: DataView, off: number): number {
  const n = dv.getUint32(off + 1, true);
  if (n > MAX_INLINE) throw new HeliosError('INTERNAL', `storage corruption: an inline cell of ${n} bytes`);
  return n;
}

/** Decodes an inline cell (not an overflow reference). */
export function decodeCell(b: Uint8Array, dv: DataView, off: number): Value {
  const tag = b[off]!;
  switch (tag) {
    case TAG_NULL:
      return null;
    case TAG_INT:
      return dv.getBigInt64(off + 1, true);
    case TAG_REAL:
      return dv.getFloat64(off + 1, true);
    case TAG_TEXT:
      return decodeTextRange(b, off + 5, off + 5 + inlineLength(dv, off));
    case TAG_BLOB:
      return b.slice(off + 5, off + 5 + inlineLength(dv, off));
    default:
      throw new HeliosError('INTERNAL', `storage corruption: unknown cell tag ${tag}`);
  }
}

export function i64Bits(v: bigint): bigint {
  scratch.setBigInt64(0, v, true);
  return scratch.getBigInt64(0, true);
}
