/**
 * SQLite's value semantics over the storage classes (NULL null, INTEGER bigint, REAL number,
 * TEXT string, BLOB Uint8Array): type affinity, conversions (text→number prefixes, %!.15g
 * formatting of reals), comparison and collation, and the keys used to hash values for GROUP BY,
 * DISTINCT, IN-sets and hash joins. Everything here is pure.
 */
import type { Value } from '../storage/api.js';

export type Affinity = 'integer' | 'real' | 'numeric' | 'text' | 'blob' | 'none';
export type CollationName = 'BINARY' | 'NOCASE' | 'RTRIM';

export const MAX_I64 = 9223372036854775807n;
export const MIN_I64 = -9223372036854775808n;

/** The affinity of a declared column type (SQLite §3.1 "Determination Of Column Affinity"). */
export function affinityOfType(decl: string): Affinity {
  const t = decl.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'text';
  if (t.includes('BLOB') || t === '') return 'blob';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'real';
  return 'numeric';
}

export const isNumericAff = (a: Affinity): boolean => a === 'integer' || a === 'real' || a === 'numeric';

export function typeName(v: Value): 'null' | 'integer' | 'real' | 'text' | 'blob' {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint': return 'integer';
    case 'number': return 'real';
    case 'string': return 'text';
    default: return 'blob';
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
export const blobToText = (b: Uint8Array): string => decoder.decode(b);
export const textToBlob = (s: string): Uint8Array => encoder.encode(s);

/** A REAL as SQLite prints it ("%!.15g"): 1.0, 0.1, 1.0e+20, 1.23456789012346e+17, Inf. */
export function realToText(x: number): string {
  if (Number.isNaN(x)) return '';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return '0.0'; // -0.0 prints as 0.0 too
  const exp = x.toExponential(14); // d.dddddddddddddde±X : 15 significant digits
  const m = /^(-?)(\d)\.(\d+)e([+-])(\d+)$/.exec(exp)!;
  const e = Number(m[5]) * (m[4] === '-' ? -1 : 1);
  const digits = (m[2]! + m[3]!).replace(/0+$/, '') || '0';
  if (e < -4 || e >= 15) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : `${digits}.0`;
    const ae = Math.abs(e);
    return `${m[1]}${mant}e${e < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  let s: string;
  if (e >= 0) {
    const intPart = digits.slice(0, e + 1).padEnd(e + 1, '0');
    const frac = digits.slice(e + 1);
    s = `${intPart}.${frac || '0'}`;
  } else {
    s = `0.${'0'.repeat(-e - 1)}${digits}`;
  }
  return m[1] + s;
}

export function toText(v: Value): string | null {
  if (v === null) return null;
  switch (typeof v) {
    case 'string': return v;
    case 'bigint': return v.toString();
    case 'number': return realToText(v);
    default: return blobToText(v);
  }
}

/** A REAL that holds an integer value exactly inside the i64 range, as that integer. */
export function realToExactInt(x: number): bigint | null {
  if (!Number.isInteger(x) || x < -9223372036854775808 || x >= 9223372036854775808) return null;
  return BigInt(x);
}

const NUM_RE = /^[ \t\n\r\f\v]*([+-]?)(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t\n\r\f\v]*$/;
const PREFIX_RE = /^[ \t\n\r\f\v]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const INT_PREFIX_RE = /^[ \t\n\r\f\v]*([+-]?\d+)/;

function parseIntText(s: string): bigint | null {
  const v = BigInt(s);
  return v > MAX_I64 || v < MIN_I64 ? null : v;
}

/**
 * Text that is entirely a number (surrounding spaces allowed) as INTEGER or REAL, else null.
 * Used by NUMERIC/INTEGER/REAL affinity.
 */
export function textToNumberExact(s: string): bigint | number | null {
  const m = NUM_RE.exec(s);
  if (!m) return null;
  const body = s.trim();
  if (!m[3] && !body.includes('.')) {
    const i = parseIntText(body);
    if (i !== null) return i;
  }
  return Number(body);
}

/** Numeric value of a text for arithmetic: its longest numeric prefix (0 when none). */
export function textToNumberPrefix(s: string): bigint | number {
  const m = PREFIX_RE.exec(s);
  if (!m) return 0n;
  const body = m[1]!;
  if (/^[+-]?\d+$/.test(body)) {
    const i = parseIntText(body);
    return i ?? Number(body);
  }
  return Number(body);
}

/** Applies a column's affinity to a value being stored or compared (SQLite §3). */
export function applyAffinity(v: Value, aff: Affinity): Value {
  if (v === null) return null;
  switch (aff) {
    case 'text':
      return typeof v === 'bigint' || typeof v === 'number' ? toText(v) : v;
    case 'integer': case 'numeric': case 'real': {
      let n: Value = v;
      if (typeof v === 'string') {
        const x = textToNumberExact(v);
        if (x === null) return v;
        n = x;
      } else if (typeof v !== 'number' && typeof v !== 'bigint') return v;
      if (aff === 'real') return typeof n === 'bigint' ? Number(n) : n;
      if (typeof n === 'number') {
        const i = realToExactInt(n);
        if (i !== null && i !== MIN_I64) return i;
      }
      return n;
    }
    default: return v;
  }
}

/** A value as a number for arithmetic (NULL stays NULL). */
export function toNumeric(v: Value): bigint | number | null {
  if (v === null) return null;
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (typeof v === 'string') return textToNumberPrefix(v);
  return textToNumberPrefix(blobToText(v));
}

/** CAST(x AS INTEGER). */
export function toInteger(v: Value): bigint | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return realToI64(v);
  const s = typeof v === 'string' ? v : blobToText(v);
  const m = INT_PREFIX_RE.exec(s);
  if (!m) return 0n;
  const b = BigInt(m[1]!);
  return b > MAX_I64 ? MAX_I64 : b < MIN_I64 ? MIN_I64 : b;
}

/** REAL → INTEGER the way sqlite3VdbeIntValue does it: truncation, saturating at the i64 range. */
export function realToI64(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x <= -9223372036854775808) return MIN_I64;
  if (x >= 9223372036854775807) return MAX_I64;
  return BigInt(Math.trunc(x));
}

/** CAST(x AS REAL). */
export function toReal(v: Value): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const s = typeof v === 'string' ? v : blobToText(v);
  const m = PREFIX_RE.exec(s);
  return m ? Number(m[1]) : 0;
}

/** CAST(x AS NUMERIC). */
export function toNumericCast(v: Value): bigint | number | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return v; // CAST of a REAL to NUMERIC is a no-op
  const n = textToNumberPrefix(typeof v === 'string' ? v : blobToText(v));
  if (typeof n === 'number') {
    const i = realToExactInt(n);
    if (i !== null && Math.abs(n) < 9007199254740992 * 1024) return i;
  }
  return n;
}

/** Compares an INTEGER with a REAL exactly (also beyond 2^53). */
export function cmpIntReal(b: bigint, x: number): number {
  if (Number.isNaN(x)) return 1;
  const nb = Number(b);
  if (nb < x) return -1;
  if (nb > x) return 1;
  if (x >= 9223372036854775808) return -1;
  if (x < -9223372036854775808) return 1;
  const bx = BigInt(x);
  return b < bx ? -1 : b > bx ? 1 : 0;
}

function classRank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'bigint': case 'number': return 1;
    case 'string': return 2;
    default: return 3;
  }
}

function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : s;
}
export { asciiLower };

function cmpStr(a: string, b: string): number {
  // SQLite compares UTF-8 bytes (memcmp); UTF-16 code-unit order differs only for surrogates.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && ca <= 0xdfff) ca += 0x2000; else if (ca >= 0xe000) ca -= 0x800;
      if (cb >= 0xd800 && cb <= 0xdfff) cb += 0x2000; else if (cb >= 0xe000) cb -= 0x800;
      return ca < cb ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareText(a: string, b: string, coll: CollationName): number {
  if (coll === 'NOCASE') return cmpStr(asciiLower(a), asciiLower(b));
  if (coll === 'RTRIM') return cmpStr(a.replace(/ +$/, ''), b.replace(/ +$/, ''));
  return cmpStr(a, b);
}

function compareBlob(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

/** SQLite's total order: NULL < numbers < TEXT (by collation) < BLOB. */
export function compareValues(a: Value, b: Value, coll: CollationName = 'BINARY'): number {
  const ra = classRank(a);
  const rb = classRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return 0;
    case 1: {
      if (typeof a === 'bigint') {
        if (typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
        return cmpIntReal(a, b as number);
      }
      if (typeof b === 'bigint') return -cmpIntReal(b, a as number);
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    }
    case 2: return compareText(a as string, b as string, coll);
    default: return compareBlob(a as Uint8Array, b as Uint8Array);
  }
}

/** A string equal for two values exactly when they compare equal under `coll` (NULLs equal each other). */
export function valueKey(v: Value, coll: CollationName = 'BINARY'): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'bigint': return 'i' + v.toString();
    case 'number': {
      const i = realToExactInt(v);
      if (i !== null) return 'i' + i.toString();
      return 'r' + v.toString();
    }
    case 'string':
      return 's' + (coll === 'NOCASE' ? asciiLower(v) : coll === 'RTRIM' ? v.replace(/ +$/, '') : v);
    default: return 'b' + Buffer.from(v).toString('hex');
  }
}

/** The truth value of a condition: NULL → null, else nonzero. */
export function truth(v: Value): boolean | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  const n = toNumeric(v);
  return n !== 0n && n !== 0;
}

export const boolValue = (b: boolean | null): Value => (b === null ? null : b ? 1n : 0n);

/** Normalises a computed REAL: NaN is never a value (it becomes NULL). */
export const real = (x: number): Value => (Number.isNaN(x) ? null : x);
