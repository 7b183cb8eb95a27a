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
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.and(v128.load(a + j), v128.load(b + j)));
  for (; j < n; j++) store<u8>(out + j, load<u8>(a + j) & load<u8>(b + j));
  clearPadding(out, rows);
}

/** out = a | b */
export function orBits(a: usize, b: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.or(v128.load(a + j), v128.load(b + j)));
  for (; j < n; j++) store<u8>(out + j, load<u8>(a + j) | load<u8>(b + j));
  clearPadding(out, rows);
}

/** out = a & ~b */
export function andNotBits(a: usize, b: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.andnot(v128.load(a + j), v128.load(b + j)));
  for (; j < n; j++) store<u8>(out + j, load<u8>(a + j) & ~load<u8>(b + j));
  clearPadding(out, rows);
}

/** out = ~a (rows only) */
export function notBits(a: usize, rows: i32, out: usize): void {
  const n = byteCount(rows);
  let j = 0;
  for (; j + 16 <= n; j += 16) v128.store(out + j, v128.not(v128.load(a + j)));
  for (; j < n; j++) store<u8>(out + j, ~load<u8>(a + j));
  clearPadding(out, rows);
}

/** Number of set bits among the first `rows` bits of `a`. */
export function popcount(a: usize, rows: i32): i32 {
  const full = rows >> 3;
  let total: i64 = 0;
  let j = 0;
  for (; j + 8 <= full; j += 8) total += popcnt(load<u64>(a + j));
  for (; j < full; j++) total += popcnt(<u32>load<u8>(a + j));
  const tail = rows & 7;
  if (tail != 0) total += popcnt(<u32>load<u8>(a + full) & lowBits(tail));
  return <i32>total;
}
