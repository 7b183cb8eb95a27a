/**
 * A result's rows (`Value[][]`) as one flat binary block, for the fragment protocol's replies
 * (fragment-protocol.ts puts the block beside the JSON that describes the rest of the reply).
 *
 * Why not JSON: a fan-out moves every matching row of every partition to the coordinator, and
 * as JSON each INTEGER became a tagged object holding a decimal string on both sides — about
 * 3 µs and a few hundred bytes of garbage per row, most of a 10,000-row fan-out's time. Here a
 * row costs a few buffer writes and reads and the values it holds.
 *
 * Layout, little-endian: u32 row count; per row u32 value count; per value a tag byte and its
 * payload:
 *
 *   0 NULL       –
 *   1 INTEGER    i32            (a value in [-2^31, 2^31): the common case, half the bytes)
 *   2 INTEGER    i64
 *   3 REAL       f64            (any double: -0, ±Infinity and NaN's bits as they are)
 *   4 TEXT       u32 length, UTF-8 bytes
 *   5 BLOB       u32 length, bytes
 */
import { HeliosError } from '../errors.js';
import type { Value } from '../storage/api.js';

const NULL = 0;
const INT32 = 1;
const INT64 = 2;
const REAL = 3;
const TEXT = 4;
const BLOB = 5;

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

/** A growable output buffer. */
class Out {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, size));
  }
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

/**
 * `rows` as a block, or null when it is not a matrix of {@link Value}s (the caller keeps JSON
 * for it: the protocol carries other arrays named `rows` too).
 */
export function encodeRowMatrix(rows: readonly unknown[]): Uint8Array | null {
  const out = new Out(16 + rows.length * 64);
  out.buf.writeUInt32LE(rows.length, 0);
  out.at = 4;
  for (const row of rows) {
    if (!Array.isArray(row)) return null;
    out.room(4 + row.length * 9);
    out.buf.writeUInt32LE(row.length, out.at);
    out.at += 4;
    for (const v of row as unknown[]) {
      if (!writeValue(out, v)) return null;
    }
  }
  return out.buf.subarray(0, out.at);
}

/** Appends one value; false when `v` is not a {@link Value}. */
function writeValue(out: Out, v: unknown): boolean {
  if (v === null) {
    out.room(1);
    out.buf[out.at++] = NULL;
  } else if (typeof v === 'bigint') {
    if (v >= I32_MIN && v <= I32_MAX) {
      out.room(5);
      out.buf[out.at] = INT32;
      out.buf.writeInt32LE(Number(v), out.at + 1);
      out.at += 5;
    } else {
      out.room(9);
      out.buf[out.at] = INT64;
      out.buf.writeBigInt64LE(v, out.at + 1);
      out.at += 9;
    }
  } else if (typeof v === 'number') {
    out.room(9);
    out.buf[out.at] = REAL;
    out.buf.writeDoubleLE(v, out.at + 1);
    out.at += 9;
  } else if (typeof v === 'string') {
    out.room(5 + v.length * 3); // UTF-8 never takes more than 3 bytes per UTF-16 unit
    out.buf[out.at] = TEXT;
    const n = out.buf.write(v, out.at + 5, 'utf8');
    out.buf.writeUInt32LE(n, out.at + 1);
    out.at += 5 + n;
  } else if (v instanceof Uint8Array) {
    out.room(5 + v.byteLength);
    out.buf[out.at] = BLOB;
    out.buf.writeUInt32LE(v.byteLength, out.at + 1);
    out.buf.set(v, out.at + 5);
    out.at += 5 + v.byteLength;
  } else {
    return false;
  }
  return true;
}

/** The rows of a block written by {@link encodeRowMatrix}. */
export function decodeRowMatrix(block: Uint8Array): Value[][] {
  try {
    return readRows(Buffer.from(block.buffer, block.byteOffset, block.byteLength));
  } catch (e) {
    throw e instanceof RangeError ? bad('truncated') : e; // Buffer's reads past the end
  }
}

const bad = (what: string): HeliosError => new HeliosError('INTERNAL', `fragment protocol: row block ${what}`);

function readRows(b: Buffer): Value[][] {
  const end = b.length;
  if (end < 4) throw bad('too short');
  const count = b.readUInt32LE(0);
  let at = 4;
  const rows: Value[][] = new Array<Value[]>(count);
  for (let r = 0; r < count; r++) {
    if (at + 4 > end) throw bad('truncated');
    const width = b.readUInt32LE(at);
    at += 4;
    const row = new Array<Value>(width);
    for (let c = 0; c < width; c++) {
      if (at >= end) throw bad('truncated');
      const tag = b[at]!;
      switch (tag) {
        case NULL:
          row[c] = null;
          at += 1;
          break;
        case INT32:
          row[c] = BigInt(b.readInt32LE(at + 1));
          at += 5;
          break;
        case INT64:
          row[c] = b.readBigInt64LE(at + 1);
          at += 9;
          break;
        case REAL:
          row[c] = b.readDoubleLE(at + 1);
          at += 9;
          break;
        case TEXT: {
          const n = b.readUInt32LE(at + 1);
          if (at + 5 + n > end) throw bad('truncated');
          row[c] = b.toString('utf8', at + 5, at + 5 + n);
          at += 5 + n;
          break;
        }
        case BLOB: {
          const n = b.readUInt32LE(at + 1);
          if (at + 5 + n > end) throw bad('truncated');
          row[c] = new Uint8Array(b.subarray(at + 5, at + 5 + n)); // a copy: the frame's bytes are reused
          at += 5 + n;
          break;
        }
        default:
          throw bad(`has an unknown value tag ${tag}`);
      }
    }
    rows[r] = row;
  }
  if (at !== end) throw bad('has trailing bytes');
  return rows;
}
