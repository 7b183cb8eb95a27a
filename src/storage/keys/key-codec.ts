/**
 * Order-preserving byte encoding of index keys: comparing two encoded keys with memcmp gives
 * SQLite's order, so index pages compare bytes and never decode.
 *
 * ```
 * entry = part_1 … part_n · rowid (8 bytes, big-endian, sign flipped) · suffix (1 byte per part)
 * part  = NULL     05
 *       | number   10 · f64 order bytes (8) · u16 tie-break        (INTEGER and REAL together)
 *       | TEXT     20 · collated UTF-8, 00 escaped as 00 FF · 00 00
 *       | BLOB     30 · bytes, 00 escaped as 00 FF · 00 00
 *       (every byte of the part inverted when the part is DESC)
 * ```
 * Numbers: an INTEGER i is placed by d = Number(i) (round to nearest) and the exact remainder
 * i - d in the tie-break (|r| <= 1024 for 64-bit integers); a REAL has remainder 0. Rounding is
 * monotonic and |r| < half an ulp of d, so (d, r) orders INTEGERs and REALs exactly, also beyond
 * 2^53, and 5 and 5.0 encode the same (they are equal in SQLite). The suffix after the rowid
 * records which it was (and -0.0), so keys decode to the stored class without affecting order
 * (the rowid before it is unique).
 *
 * Parts are prefix-free (fixed width or terminated), so inverting a DESC part keeps the order and
 * any prefix of parts is a valid range bound.
 */
import { HeliosError } from '../../errors.js';
import type { Collation, IndexKeyPart, Value } from '../api.js';

const T_NULL = 0x05;
const T_NUM = 0x10;
const T_TEXT = 0x20;
const T_BLOB = 0x30;
const S_INT = 0;
const S_REAL = 1;
const S_NEGZERO = 2;
const S_OTHER = 3;

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The encoder's output: one shared scratch buffer (encoding is synchronous and never nested), so
 * an entry costs one allocation — the final copy.
 */
class Out {
  buf: Buffer = Buffer.alloc(256);
  len = 0;
  reset(): this {
    this.len = 0;
    return this;
  }
  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }
  grow(n: number): void {
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** Appends the UTF-8 of `s`, collated in place (ASCII folding and trailing-space trimming are byte-safe in UTF-8). */
  text(s: string, c: Collation): void {
    if (this.len + 3 * s.length + 2 > this.buf.length) this.grow(3 * s.length + 2);
    const start = this.len;
    this.len += this.buf.write(s, start, 'utf8');
    const b = this.buf;
    if (c === 'nocase') {
      for (let i = start; i < this.len; i++) {
        const x = b[i]!;
        if (x >= 0x41 && x <= 0x5a) b[i] = x + 0x20;
      }
    } else if (c === 'rtrim') {
      while (this.len > start && b[this.len - 1] === 0x20) this.len--;
    }
    // escape zero bytes (rare): 00 -> 00 FF
    if (b.indexOf(0, start) >= 0 && b.indexOf(0, start) < this.len) {
      const raw = b.slice(start, this.len);
      this.len = start;
      for (const x of raw) {
        this.byte(x);
        if (x === 0) this.byte(0xff);
      }
    }
  }
  result(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.len));
  }
}
const OUT = new Out();
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const ROWID = new Uint8Array(8);
const ROWID_DV = new DataView(ROWID.buffer);
let SUFFIX = new Uint8Array(16);

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

/** SQLite's NOCASE folds ASCII only; RTRIM ignores trailing spaces. */
export function collate(s: string, c: Collation): string {
  if (c === 'nocase') return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  if (c === 'rtrim') return s.replace(/ +$/, '');
  return s;
}

function escaped(o: Out, b: Uint8Array): void {
  if (b.indexOf(0) < 0) {
    // no zero byte to escape (the common case): one bulk copy
    o.bytes(b);
    o.byte(0);
    o.byte(0);
    return;
  }
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    o.byte(x);
    if (x === 0) o.byte(0xff);
  }
  o.byte(0);
  o.byte(0);
}

function numberPart(o: Out, d: number, r: number): void {
  o.byte(T_NUM);
  f64[0] = d === 0 ? 0 : d;
  // IEEE-754 to an unsigned order: flip all bits of negatives, the sign bit of positives.
  const neg = (u8[7]! & 0x80) !== 0;
  for (let i = 7; i >= 0; i--) o.byte(neg ? ~u8[i]! & 0xff : i === 7 ? u8[i]! ^ 0x80 : u8[i]!);
  const t = r + 0x8000;
  o.byte(t >> 8);
  o.byte(t & 0xff);
}

/** Encodes one part; returns the suffix code for numbers. */
function part(o: Out, v: Value, p: IndexKeyPart): number {
  const start = o.len;
  let suffix = S_OTHER;
  if (v === null) o.byte(T_NULL);
  else if (typeof v === 'bigint') {
    if (v < MIN_I64 || v > MAX_I64) throw new HeliosError('INTERNAL', `storage: integer ${v} is outside 64 bits`);
    const d = Number(v);
    // exact below 2^53 in magnitude: no BigInt arithmetic on the common path
    numberPart(o, d, v >= -MAX_SAFE && v <= MAX_SAFE ? 0 : Number(v - BigInt(d)));
    suffix = S_INT;
  } else if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new HeliosError('INTERNAL', 'storage: NaN cannot be indexed');
    numberPart(o, v, 0);
    suffix = Object.is(v, -0) ? S_NEGZERO : S_REAL;
  } else if (typeof v === 'string') {
    o.byte(T_TEXT);
    o.text(v, p.collation);
    o.byte(0);
    o.byte(0);
  } else if (v instanceof Uint8Array) {
    o.byte(T_BLOB);
    escaped(o, v);
  } else throw new HeliosError('INTERNAL', `storage: cannot index a ${typeof v}`);
  if (p.desc) for (let i = start; i < o.len; i++) o.buf[i] = ~o.buf[i]! & 0xff;
  return suffix;
}

/** The encoded key parts alone (a prefix of an entry; also a range bound). */
export function encodePrefix(values: readonly Value[], parts: readonly IndexKeyPart[]): Uint8Array {
  if (values.length > parts.length) throw new HeliosError('INTERNAL', `storage: key has ${values.length} values, the index ${parts.length} parts`);
  const o = OUT.reset();
  for (let i = 0; i < values.length; i++) part(o, values[i]!, parts[i]!);
  return o.result();
}

/** A complete index entry for the row's key values and rowid. */
export function encodeEntry(values: readonly Value[], parts: readonly IndexKeyPart[], rowid: bigint): { entry: Uint8Array; prefixLen: number } {
  const o = OUT.reset();
  const n = parts.length;
  if (SUFFIX.length < n) SUFFIX = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) SUFFIX[i] = part(o, values[i]!, parts[i]!);
  const prefixLen = o.len;
  ROWID_DV.setBigInt64(0, rowid, false);
  ROWID[0] = ROWID[0]! ^ 0x80;
  o.bytes(ROWID);
  for (let i = 0; i < n; i++) o.byte(SUFFIX[i]!);
  return { entry: o.result(), prefixLen };
}

/** The smallest byte string greater than every string starting with `p` (null: none exists). */
export function prefixSuccessor(p: Uint8Array): Uint8Array | null {
  let n = p.length;
  while (n > 0 && p[n - 1] === 0xff) n--;
  if (n === 0) return null;
  const s = p.slice(0, n);
  s[n - 1]!++;
  return s;
}

/** The rowid of an entry, without decoding its values (it sits before the one-byte-per-part suffix). */
export function rowidOfEntry(entry: Uint8Array, partCount: number): bigint {
  const at = entry.length - partCount - 8;
  // Big-endian with the sign bit flipped → little-endian two's complement in a reused buffer:
  // no DataView and no BigInt arithmetic per entry (this runs once per index entry scanned).
  // Assumes a little-endian host, as every platform Node ships for is.
  for (let i = 0; i < 8; i++) ROWID_LE[7 - i] = entry[at + i]!;
  ROWID_LE[7] = ROWID_LE[7]! ^ 0x80;
  return ROWID_LE_I64[0]!;
}
const ROWID_LE = new Uint8Array(8);
const ROWID_LE_I64 = new BigInt64Array(ROWID_LE.buffer);

/** Decodes an entry back to its values (collation-folded TEXT as stored) and rowid. */
export function decodeEntry(entry: Uint8Array, parts: readonly IndexKeyPart[]): { values: Value[]; rowid: bigint; prefixLen: number } {
  let at = 0;
  const raw: { tag: number; d?: number; r?: number; bytes?: Uint8Array }[] = [];
  for (const p of parts) {
    const inv = p.desc ? 0xff : 0;
    const tag = entry[at++]! ^ inv;
    if (tag === T_NULL) raw.push({ tag });
    else if (tag === T_NUM) {
      for (let i = 7; i >= 0; i--) u8[i] = entry[at++]! ^ inv;
      if (u8[7]! & 0x80) u8[7] = u8[7]! ^ 0x80;
      else for (let i = 0; i < 8; i++) u8[i] = ~u8[i]! & 0xff;
      const d = f64[0]!;
      const r = (((entry[at]! ^ inv) << 8) | (entry[at + 1]! ^ inv)) - 0x8000;
      at += 2;
      raw.push({ tag, d, r });
    } else if (tag === T_TEXT || tag === T_BLOB) {
      const out: number[] = [];
      for (;;) {
        const x = entry[at++]! ^ inv;
        if (x === 0) {
          const y = entry[at++]! ^ inv;
          if (y === 0) break;
          out.push(0);
        } else out.push(x);
      }
      raw.push({ tag, bytes: Uint8Array.from(out) });
    } else throw new HeliosError('INTERNAL', `storage corruption: bad index key tag ${tag}`);
  }
  const prefixLen = at;
  const rowid = BigInt.asIntN(64, new DataView(entry.buffer, entry.byteOffset + at, 8).getBigUint64(0, false) ^ (1n << 63n));
  at += 8;
  const values: Value[] = raw.map((x, i) => {
    if (x.tag === T_NULL) return null;
    if (x.tag === T_TEXT) return dec.decode(x.bytes!);
    if (x.tag === T_BLOB) return x.bytes!;
    const s = entry[at + i];
    if (s === S_INT) return BigInt(x.d!) + BigInt(x.r!);
    if (s === S_NEGZERO) return -0;
    return x.d!;
  });
  return { values, rowid, prefixLen };
}

/** True when any of the first `n` values is NULL (such keys never conflict in a UNIQUE index). */
export function hasNull(values: readonly Value[]): boolean {
  for (const v of values) if (v === null) return true;
  return false;
}
