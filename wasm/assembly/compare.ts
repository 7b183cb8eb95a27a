// Selection kernels: a column and a predicate in, a selection bitmap out.
//
// Every comparison the SQL layer needs reduces (in src/kernels/constants.ts) to one closed range
// test `lo <= x <= hi`, optionally negated, on the column's own type. Output bit i is set when
// row i is not NULL (null bit clear), the value is not NaN (f64; NaN is read as NULL) and the
// test holds. Output bits past `rows` in the last byte are written as zero.
//
// Layout: the column is `rows` 8-byte little-endian values at `col`; the null bitmap has bit i
// (LSB first) of byte i/8 set for a NULL row. Exactly ceil(rows/8) bytes of `out` are written.
import { lowBits } from './shared';

export function rangeI64(col: usize, nulls: usize, rows: i32, lo: i64, hi: i64, negate: i32, out: usize): void {
  const vlo = i64x2.splat(lo);
  const vhi = i64x2.splat(hi);
  const flip = negate ? 0xff : 0;
  let i = 0;
  for (; i + 8 <= rows; i += 8) {
    const p = col + (<usize>i << 3);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    const ma = v128.and(i64x2.ge_s(a, vlo), i64x2.le_s(a, vhi));
    const mb = v128.and(i64x2.ge_s(b, vlo), i64x2.le_s(b, vhi));
    const mc = v128.and(i64x2.ge_s(c, vlo), i64x2.le_s(c, vhi));
    const md = v128.and(i64x2.ge_s(d, vlo), i64x2.le_s(d, vhi));
    const bits = i64x2.bitmask(ma) | (i64x2.bitmask(mb) << 2) | (i64x2.bitmask(mc) << 4) | (i64x2.bitmask(md) << 6);
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>((bits ^ flip) & ~n));
  }
  if (i < rows) {
    let bits = 0;
    for (let j = 0; i + j < rows; j++) {
      const x = load<i64>(col + (<usize>(i + j) << 3));
      if (x >= lo && x <= hi) bits |= 1 << j;
    }
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>((bits ^ flip) & ~n & lowBits(rows - i)));
  }
}

/** f64 range test; NaN fails both `lo <= x` and `x <= hi`, and is excluded from the negation too. */
// @ts-ignore: decorator
@inline function rangeMaskF64(v: v128, vlo: v128, vhi: v128, negate: bool): v128 {
  const inside = v128.and(f64x2.ge(v, vlo), f64x2.le(v, vhi));
  return negate ? v128.andnot(f64x2.eq(v, v), inside) : inside;
}

export function rangeF64(col: usize, nulls: usize, rows: i32, lo: f64, hi: f64, negate: i32, out: usize): void {
  const vlo = f64x2.splat(lo);
  const vhi = f64x2.splat(hi);
  const neg = negate != 0;
  let i = 0;
  for (; i + 8 <= rows; i += 8) {
    const p = col + (<usize>i << 3);
    const ma = rangeMaskF64(v128.load(p), vlo, vhi, neg);
    const mb = rangeMaskF64(v128.load(p, 16), vlo, vhi, neg);
    const mc = rangeMaskF64(v128.load(p, 32), vlo, vhi, neg);
    const md = rangeMaskF64(v128.load(p, 48), vlo, vhi, neg);
    const bits = i64x2.bitmask(ma) | (i64x2.bitmask(mb) << 2) | (i64x2.bitmask(mc) << 4) | (i64x2.bitmask(md) << 6);
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>(bits & ~n));
  }
  if (i < rows) {
    let bits = 0;
    for (let j = 0; i + j < rows; j++) {
      const x = load<f64>(col + (<usize>(i + j) << 3));
      const inside = x >= lo && x <= hi;
      if (neg ? !inside && x == x : inside) bits |= 1 << j;
    }
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>(bits & ~n & lowBits(rows - i)));
  }
}

/**
 * x IN (set): `set` holds `setLen` i64 values (8-aligned). Negated: not NULL and in none.
 * Full 8-row chunks load their 4 vectors once and loop over the set, so the loop overhead is
 * paid per set value per 8 rows rather than per 2 rows.
 */
export function inI64(col: usize, nulls: usize, rows: i32, set: usize, setLen: i32, negate: i32, out: usize): void {
  const flip = negate ? 0xff : 0;
  let i = 0;
  for (; i + 8 <= rows; i += 8) {
    const p = col + (<usize>i << 3);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    let ha = i64x2.splat(0), hb = ha, hc = ha, hd = ha;
    for (let k = 0; k < setLen; k++) {
      const v = v128.load64_splat(set + (<usize>k << 3));
      ha = v128.or(ha, i64x2.eq(a, v));
      hb = v128.or(hb, i64x2.eq(b, v));
      hc = v128.or(hc, i64x2.eq(c, v));
      hd = v128.or(hd, i64x2.eq(d, v));
    }
    const bits = i64x2.bitmask(ha) | (i64x2.bitmask(hb) << 2) | (i64x2.bitmask(hc) << 4) | (i64x2.bitmask(hd) << 6);
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>((bits ^ flip) & ~n));
  }
  if (i < rows) {
    let bits = 0;
    for (let j = 0; i + j < rows; j++) {
      const x = load<i64>(col + (<usize>(i + j) << 3));
      for (let k = 0; k < setLen; k++) {
        if (load<i64>(set + (<usize>k << 3)) == x) { bits |= 1 << j; break; }
      }
    }
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>((bits ^ flip) & ~n & lowBits(rows - i)));
  }
}

/** x IN (set) over f64: equality is IEEE (-0 = +0, NaN equals nothing and is never selected). */
export function inF64(col: usize, nulls: usize, rows: i32, set: usize, setLen: i32, negate: i32, out: usize): void {
  let i = 0;
  for (; i + 8 <= rows; i += 8) {
    const p = col + (<usize>i << 3);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    let ha = i64x2.splat(0), hb = ha, hc = ha, hd = ha;
    for (let k = 0; k < setLen; k++) {
      const v = v128.load64_splat(set + (<usize>k << 3));
      ha = v128.or(ha, f64x2.eq(a, v));
      hb = v128.or(hb, f64x2.eq(b, v));
      hc = v128.or(hc, f64x2.eq(c, v));
      hd = v128.or(hd, f64x2.eq(d, v));
    }
    let bits = i64x2.bitmask(ha) | (i64x2.bitmask(hb) << 2) | (i64x2.bitmask(hc) << 4) | (i64x2.bitmask(hd) << 6);
    if (negate) {
      const valid = i64x2.bitmask(f64x2.eq(a, a)) | (i64x2.bitmask(f64x2.eq(b, b)) << 2)
        | (i64x2.bitmask(f64x2.eq(c, c)) << 4) | (i64x2.bitmask(f64x2.eq(d, d)) << 6);
      bits = ~bits & valid;
    }
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>(bits & ~n));
  }
  if (i < rows) {
    let bits = 0;
    let valid = 0;
    for (let j = 0; i + j < rows; j++) {
      const x = load<f64>(col + (<usize>(i + j) << 3));
      if (x == x) valid |= 1 << j;
      for (let k = 0; k < setLen; k++) {
        if (load<f64>(set + (<usize>k << 3)) == x) { bits |= 1 << j; break; }
      }
    }
    if (negate) bits = ~bits & valid;
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>(bits & ~n & lowBits(rows - i)));
  }
}

/** Rows that are neither NULL nor NaN: the selection f64 aggregates run over. */
export function validF64(col: usize, nulls: usize, rows: i32, out: usize): void {
  for (let i = 0; i < rows; i += 8) {
    let bits = 0;
    const m = min(8, rows - i);
    let j = 0;
    for (; j + 2 <= m; j += 2) {
      const v = v128.load(col + (<usize>(i + j) << 3));
      bits |= i64x2.bitmask(f64x2.eq(v, v)) << j;
    }
    if (j < m) {
      const x = load<f64>(col + (<usize>(i + j) << 3));
      if (x == x) bits |= 1 << j;
    }
    const n = <i32>load<u8>(nulls + (<usize>i >> 3));
    store<u8>(out + (<usize>i >> 3), <u8>(bits & ~n & lowBits(m)));
  }
}
