/**
 * SQLite's scalar functions (the lazily evaluated ones — coalesce, ifnull, iif, nullif's
 * siblings — are compiled specially in compile-expr.ts). Each takes evaluated arguments and the
 * statement's {@link FnContext} (clock, RNG, connection state).
 */
import type { Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import { DATE_FUNCTIONS } from './date-functions.js';
import { sqlPrintf } from './printf.js';
import {
  MIN_I64, compareValues, textToNumberExact, realToText, textToBlob, toInteger, toNumeric, toReal, toText, typeName,
} from './value.js';

export interface FnContext {
  /** The statement's 'now' as iJD (ms since the julian epoch). */
  readonly now: number;
  random(): bigint;
  lastInsertId(): bigint;
  changes(): bigint;
}

export interface ScalarFn { readonly min: number; readonly max: number; readonly fn: (args: Value[], ctx: FnContext) => Value; readonly pure: boolean }

/** The longest string or blob a function may build (SQLite's SQLITE_MAX_LENGTH, lowered). */
export const MAX_LENGTH = 100_000_000;

export function checkLength(n: number): void {
  if (n > MAX_LENGTH) throw sqlError('string or blob too big');
}

/** Text as C code sees it: up to the first NUL (SQLite functions that use C strings stop there). */
export function cstr(s: string | null): string | null {
  if (s === null) return null;
  const z = s.indexOf('\0');
  return z >= 0 ? s.slice(0, z) : s;
}

const utf8Len = (s: string): number => [...s].length;

function substr(args: Value[]): Value {
  const [x, ys, zs] = args;
  if (x === null || ys === null || (args.length > 2 && zs === null)) return null;
  const isBlob = x instanceof Uint8Array;
  if (isBlob && x.length === 0) return null; // sqlite3_value_blob() of x'' is a NULL pointer
  const chars: string[] | Uint8Array = isBlob ? x : [...cstr(toText(x!))!];
  const len = BigInt(chars.length);
  // A port of SQLite's substrFunc, including its 64-bit wrap-around on extreme arguments.
  const w = (v: bigint): bigint => BigInt.asIntN(64, v);
  let p1 = toInteger(ys!)!;
  let p2 = 1_000_000_000n; // SQLITE_LIMIT_LENGTH
  let negP2 = false;
  if (args.length > 2) {
    p2 = toInteger(zs!)!;
    if (p2 < 0n) { p2 = w(-p2); negP2 = true; }
  }
  if (p1 < 0n) {
    p1 = w(p1 + len);
    if (p1 < 0n) { if (p2 < 0n) p2 = 0n; else p2 = w(p2 + p1); p1 = 0n; }
  } else if (p1 > 0n) p1--;
  else if (p2 > 0n) p2--;
  if (negP2) {
    p1 = w(p1 - p2);
    if (p1 < 0n) { p2 = w(p2 + p1); p1 = 0n; }
  }
  if (p2 < 0n) p2 = 0n;
  if (p1 > len) p1 = len;
  if (p1 + p2 > len) p2 = len - p1;
  const start = Number(p1);
  const end = start + Number(p2);
  if (isBlob) return (chars as Uint8Array).slice(start, end);
  return (chars as string[]).slice(start, end).join('');
}

function trimFn(mode: 'both' | 'left' | 'right') {
  return (args: Value[]): Value => {
    if (args[0] === null || (args.length > 1 && args[1] === null)) return null;
    const s = toText(args[0]!)!;
    const set = args.length > 1 ? [...toText(args[1]!)!] : [' '];
    const chars = [...s];
    let a = 0;
    let b = chars.length;
    if (mode !== 'right') while (a < b && set.includes(chars[a]!)) a++;
    if (mode !== 'left') while (b > a && set.includes(chars[b - 1]!)) b--;
    return chars.slice(a, b).join('');
  };
}

function roundFn(args: Value[]): Value {
  const x = args[0]!;
  if (x === null || (args.length > 1 && args[1] === null)) return null;
  let n = args.length > 1 ? Number(toInteger(args[1]!)!) : 0;
  if (n > 30) n = 30;
  if (n < 0) n = 0;
  const v = toReal(x)!;
  if (typeof x === 'bigint' && n >= 0) return Number(x);
  if (!Number.isFinite(v)) return v;
  if (Math.abs(v) >= 4503599627370496) return v;
  const abs = Math.abs(v);
  let out: number;
  if (n === 0) out = Math.floor(abs + 0.5);
  else {
    // SQLite formats with "%.*f" (adding half a unit in the last place, then truncating) and reads it back.
    const t = (abs + 0.5 * 10 ** -n).toFixed(Math.min(n + 6, 100));
    out = Number(t.slice(0, t.indexOf('.') + 1 + n));
  }
  return v < 0 ? -out : out;
}

function hexFn(args: Value[]): Value {
  const v = args[0]!;
  const bytes = v instanceof Uint8Array ? v : textToBlob(toText(v) ?? '');
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function quoteFn(args: Value[]): Value {
  const v = args[0]!;
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return realToText(v);
  if (typeof v === 'string') return `'${cstr(v)!.replace(/'/g, "''")}'`;
  return `X'${Buffer.from(v).toString('hex').toUpperCase()}'`;
}

function absFn(args: Value[]): Value {
  const v = args[0]!;
  if (v === null) return null;
  if (typeof v === 'bigint') {
    if (v === MIN_I64) throw sqlError('integer overflow');
    return v < 0n ? -v : v;
  }
  if (typeof v === 'number') return Math.abs(v);
  const n = toNumeric(v)!;
  return typeof n === 'bigint' ? Number(n < 0n ? -n : n) : Math.abs(n);
}

function minMax(sign: number) {
  return (args: Value[]): Value => {
    let best: Value = args[0]!;
    if (best === null) return null;
    for (let i = 1; i < args.length; i++) {
      const v = args[i]!;
      if (v === null) return null;
      if (compareValues(v, best) * sign > 0) best = v;
    }
    return best;
  };
}

function instrFn(args: Value[]): Value {
  const [h, n] = args;
  if (h === null || n === null) return null;
  if (h instanceof Uint8Array && n instanceof Uint8Array) {
    const hb = Buffer.from(h);
    return BigInt(hb.indexOf(Buffer.from(n)) + 1);
  }
  const hs = toText(h!)!;
  const ns = toText(n!)!;
  const i = hs.indexOf(ns);
  return i < 0 ? 0n : BigInt(utf8Len(hs.slice(0, i)) + 1);
}

function replaceFn(args: Value[]): Value {
  const [s, f, r] = args;
  if (s === null || f === null || r === null) return null;
  const ss = toText(s!)!;
  const fs = toText(f!)!;
  if (fs === '') return ss;
  const parts = ss.split(fs);
  const rs = toText(r!)!;
  checkLength(ss.length + (parts.length - 1) * Math.max(0, rs.length - fs.length));
  return parts.join(rs);
}

function lengthFn(args: Value[]): Value {
  const v = args[0]!;
  if (v === null) return null;
  if (v instanceof Uint8Array) return BigInt(v.length);
  const s = toText(v)!;
  const z = s.indexOf('\0');
  return BigInt(utf8Len(z >= 0 ? s.slice(0, z) : s));
}

const asciiCase = (up: boolean) => (args: Value[]): Value => {
  const v = args[0]!;
  if (v === null) return null;
  const s = toText(v)!;
  return up ? s.replace(/[a-z]/g, (c) => c.toUpperCase()) : s.replace(/[A-Z]/g, (c) => c.toLowerCase());
};

const f = (min: number, max: number, fn: ScalarFn['fn'], pure = true): ScalarFn => ({ min, max, fn, pure });

export const SCALAR_FUNCTIONS: Record<string, ScalarFn> = {
  abs: f(1, 1, absFn),
  length: f(1, 1, lengthFn),
  octet_length: f(1, 1, (a) => (a[0] === null ? null : BigInt(a[0] instanceof Uint8Array ? a[0].length : Buffer.byteLength(toText(a[0]!)!)))),
  lower: f(1, 1, asciiCase(false)),
  upper: f(1, 1, asciiCase(true)),
  substr: f(2, 3, substr),
  substring: f(2, 3, substr),
  trim: f(1, 2, trimFn('both')),
  ltrim: f(1, 2, trimFn('left')),
  rtrim: f(1, 2, trimFn('right')),
  replace: f(3, 3, replaceFn),
  instr: f(2, 2, instrFn),
  round: f(1, 2, roundFn),
  min: f(1, 1000, minMax(-1)),
  max: f(1, 1000, minMax(1)),
  typeof: f(1, 1, (a) => typeName(a[0]!)),
  hex: f(1, 1, hexFn),
  quote: f(1, 1, quoteFn),
  nullif: f(2, 2, (a) => (a[0] !== null && a[1] !== null && compareValues(a[0]!, a[1]!) === 0 ? null : a[0]!)),
  random: f(0, 0, (_a, ctx) => ctx.random(), false),
  randomblob: f(1, 1, (a) => { const n = Math.max(1, Number(toInteger(a[0]!) ?? 1n)); checkLength(n); const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256); return b; }, false),
  zeroblob: f(1, 1, (a) => { const n = Math.max(0, Number(toInteger(a[0]!) ?? 0n)); checkLength(n); return new Uint8Array(n); }),
  printf: f(1, 1000, (a) => sqlPrintf(a)),
  format: f(1, 1000, (a) => sqlPrintf(a)),
  char: f(0, 1000, (a) => a.map((v) => String.fromCodePoint(Number(toInteger(v) ?? 0n))).join('')),
  unicode: f(1, 1, (a) => { const s = cstr(toText(a[0]!)); return s === null || s === '' ? null : BigInt(s.codePointAt(0)!); }),
  sign: f(1, 1, (a) => {
    const v = a[0]!;
    const n = typeof v === 'bigint' || typeof v === 'number' ? v : typeof v === 'string' ? textToNumberExact(v) : null;
    if (n === null) return null;
    return n > 0 ? 1n : n < 0 ? -1n : 0n;
  }),
  likely: f(1, 1, (a) => a[0]!),
  unlikely: f(1, 1, (a) => a[0]!),
  likelihood: f(2, 2, (a) => a[0]!),
  last_insert_rowid: f(0, 0, (_a, ctx) => ctx.lastInsertId(), false),
  changes: f(0, 0, (_a, ctx) => ctx.changes(), false),
  sqlite_version: f(0, 0, () => '3.45.0'),
  unhex: f(1, 2, (a) => { const s = toText(a[0]!); if (s === null || !/^([0-9a-fA-F]{2})*$/.test(s)) return null; return Uint8Array.from(Buffer.from(s, 'hex')); }),
  glob: f(2, 2, () => null),
  ...Object.fromEntries(Object.entries(DATE_FUNCTIONS).map(([k, fn]) => [k, f(k === 'strftime' ? 1 : 0, 1000, (a, ctx) => fn(a, ctx.now), false)])),
};

