// Selection bitmap algebra. A bitmap for `rows` rows is ceil(rows/8) bytes, bit i (LSB first)
// of byte i/8 for row i. Inputs are read, and outputs written, over exactly those bytes; bits
// past `rows` are written as zero (inputs' padding bits are ignored).
import { lowBits } from './shared';

// @ts-ignore: decorator
@inline function byteCount(rows: i32): i32 {
  return (rows + 7) >> 3;
}

/** Clears the padding bits of the last byte of `out`. */
// @ts-ignore: decorator
@inline function clearPadding(out: usize, rows: i32): void {
  const tail = rows & 7;
  if (tail != 0) {
    const p = out + (<usize>rows >> 3);
    store<u8>(p, <u8>(<i32>load<u8>(p) & lowBits(tail)));
  }
}

/** out = a & b */
export function andBits(a: usize, b: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  // 64 bytes per step in four independent ops (Binaryen does not unroll), then 16, then bytes.
  for (; j + 64 <= n; j += 64) {
    const p = a + j, q = b + j, o = out + j;
    const r0 = v128.and(v128.load(p), v128.load(q)), r1 = v128.and(v128.load(p, 16), v128.load(q, 16));
    const r2 = v128.and(v128.load(p, 32), v128.load(q, 32)), r3 = v128.and(v128.load(p, 48), v128.load(q, 48));
    v128.store(o, r0); v128.store(o, r1, 16); v128.store(o, r2, 32); v128.store(o, r3, 48);
  }
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.and(v128.load(a + j), v128.load(b + j)));
  for (; j < n; j++) store<u8>(out + j, load<u8>(a + j) & load<u8>(b + j));
  clearPadding(out, rows);
}

/** out = a | b */
export function orBits(a: usize, b: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  for (; j + 64 <= n; j += 64) {
    const p = a + j, q = b + j, o = out + j;
    const r0 = v128.or(v128.load(p), v128.load(q)), r1 = v128.or(v128.load(p, 16), v128.load(q, 16));
    const r2 = v128.or(v128.load(p, 32), v128.load(q, 32)), r3 = v128.or(v128.load(p, 48), v128.load(q, 48));
    v128.store(o, r0); v128.store(o, r1, 16); v128.store(o, r2, 32); v128.store(o, r3, 48);
  }
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.or(v128.load(a + j), v128.load(b + j)));
  for (; j < n; j++) store<u8>(out + j, load<u8>(a + j) | load<u8>(b + j));
  clearPadding(out, rows);
}

/** out = a & ~b */
export function andNotBits(a: usize, b: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  for (; j + 64 <= n; j += 64) {
    const p = a + j, q = b + j, o = out + j;
    const r0 = v128.andnot(v128.load(p), v128.load(q)), r1 = v128.andnot(v128.load(p, 16), v128.load(q, 16));
    const r2 = v128.andnot(v128.load(p, 32), v128.load(q, 32)), r3 = v128.andnot(v128.load(p, 48), v128.load(q, 48));
    v128.store(o, r0); v128.store(o, r1, 16); v128.store(o, r2, 32); v128.store(o, r3, 48);
  }
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.andnot(v128.load(a + j), v128.load(b + j)));
  for (; j < n; j++) store<u8>(out + j, load<u8>(a + j) & ~load<u8>(b + j));
  clearPadding(out, rows);
}

/** out = ~a (rows only) */
export function notBits(a: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  for (; j + 64 <= n; j += 64) {
    const p = a + j, o = out + j;
    const r0 = v128.not(v128.load(p)), r1 = v128.not(v128.load(p, 16)), r2 = v128.not(v128.load(p, 32)), r3 = v128.not(v128.load(p, 48));
    v128.store(o, r0); v128.store(o, r1, 16); v128.store(o, r2, 32); v128.store(o, r3, 48);
  }
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.not(v128.load(a + j)));
  for (; j < n; j++) store<u8>(out + j, ~load<u8>(a + j));
  clearPadding(out, rows);
}

/** Number of set bits among the first `rows` bits of `a`. */
export function popcount(a: usize, rows: i32): i32 {
  const full = rows >> 3;
  // 32 bytes per step into four accumulators: one i64.popcnt per 8 bytes is the bound, and four
  // chains let the adds overlap (i8x16.popcnt lowers to a nibble-table sequence in V8 that
  // measured no faster than two scalar popcnts).
  let t0: i64 = 0, t1: i64 = 0, t2: i64 = 0, t3: i64 = 0;
  let j = 0;
  for (; j + 32 <= full; j += 32) {
    const p = a + j;
    t0 += popcnt(load<u64>(p));
    t1 += popcnt(load<u64>(p, 8));
    t2 += popcnt(load<u64>(p, 16));
    t3 += popcnt(load<u64>(p, 24));
  }
  let total = (t0 + t1) + (t2 + t3);
  for (; j + 8 <= full; j += 8) total += popcnt(load<u64>(a + j));
  for (; j < full; j++) total += popcnt(<u32>load<u8>(a + j));
  const tail = rows & 7;
  if (tail != 0) total += popcnt(<u32>load<u8>(a + full) & lowBits(tail));
  return <i32>total;
}
