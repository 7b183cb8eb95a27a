// Key hashing for GROUP BY and hash joins: murmur3_x86_32 of each row's 64-bit key (its two
// little-endian 32-bit words), 4 rows per step in i32x4 lanes. The definition, and the key of an
// f64 (its integer when whole and in i64 range, else its bits), is src/kernels/hash.ts; NULL and
// NaN rows hash to 0.

const C1: i32 = 0xcc9e2d51;
const C2: i32 = 0x1b873593;

// @ts-ignore: decorator
@inline function rotl(v: v128, r: i32): v128 {
  return v128.or(i32x4.shl(v, r), i32x4.shr_u(v, 32 - r));
}

// @ts-ignore: decorator
@inline function block(h: v128, k: v128): v128 {
  k = i32x4.mul(k, i32x4.splat(C1));
  k = i32x4.mul(rotl(k, 15), i32x4.splat(C2));
  h = rotl(v128.xor(h, k), 13);
  // h * 5 as (h << 2) + h: pmulld is a slow, single-pipe op on most x86 cores.
  return i32x4.add(i32x4.add(i32x4.shl(h, 2), h), i32x4.splat(0xe6546b64));
}

/** Hashes of 4 keys held as [lo0 hi0 lo1 hi1] in `a` and [lo2 hi2 lo3 hi3] in `b`. */
// @ts-ignore: decorator
@inline function hash4(a: v128, b: v128, seed: i32): v128 {
  const lo = i8x16.shuffle(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
  const hi = i8x16.shuffle(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
  let h = block(block(i32x4.splat(seed), lo), hi);
  h = v128.xor(h, i32x4.splat(8));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/** Lane masks (all ones) for the 4 rows whose bits are set in `nibble`. */
// @ts-ignore: decorator
@inline function nibbleMask(nibble: i32): v128 {
  const sel = i32x4(1, 2, 4, 8);
  return i32x4.eq(v128.and(i32x4.splat(nibble), sel), sel);
}

// @ts-ignore: decorator
@inline function nullNibble(nulls: usize, i: i32): i32 {
  return (<i32>load<u8>(nulls + (<usize>i >> 3)) >> (i & 4)) & 0xf;
}

export function hashI64(col: usize, nulls: usize, rows: i32, seed: i32, out: usize): void {
  let i = 0;
  // 8 rows per step: one NULL byte, and no lane masks at all when it is 0 (a column without
  // NULLs, or most bytes of one with few) — the mask constant costs V8 4 instructions per use.
  for (; i + 8 <= rows; i += 8) {
    const p = col + (<usize>i << 3), o = out + (<usize>i << 2);
    const h0 = hash4(v128.load(p), v128.load(p, 16), seed), h1 = hash4(v128.load(p, 32), v128.load(p, 48), seed);
    const nb = <i32>load<u8>(nulls + (<usize>i >> 3));
    if (nb == 0) {
      v128.store(o, h0);
      v128.store(o, h1, 16);
    } else {
      v128.store(o, v128.andnot(h0, nibbleMask(nb & 0xf)));
      v128.store(o, v128.andnot(h1, nibbleMask(nb >> 4)), 16);
    }
  }
  for (; i + 4 <= rows; i += 4) {
    const p = col + (<usize>i << 3);
    const h = hash4(v128.load(p), v128.load(p, 16), seed);
    v128.store(out + (<usize>i << 2), v128.andnot(h, nibbleMask(nullNibble(nulls, i))));
  }
  for (; i < rows; i++) {
    const k = i64x2.splat(load<i64>(col + (<usize>i << 3)));
    const h = i32x4.extract_lane(hash4(k, k, seed), 0);
    const isNull = (<i32>load<u8>(nulls + (<usize>i >> 3)) >> (i & 7)) & 1;
    store<u32>(out + (<usize>i << 2), isNull ? 0 : h);
  }
}

const TWO63: f64 = 9223372036854775808.0;

/** The key of a non-NaN f64: its integer when whole and in i64 range (so 1.0 ~ 1, -0 ~ 0). */
// @ts-ignore: decorator
@inline function f64Key(x: f64): i64 {
  return x >= -TWO63 && x < TWO63 && trunc(x) == x ? <i64>x : reinterpret<i64>(x);
}

// 1.5·2^52: adding it to a whole |x| < 2^51 puts x in the low mantissa bits, so the bit
// patterns' difference is x as an i64 (for negative x too).
const MAGIC: f64 = 6755399441055744.0;
const SMALL: f64 = 2251799813685248.0; // 2^51

/**
 * Keys of 2 f64 lanes, vectorized for the common cases: whole numbers below 2^51 in magnitude
 * (via MAGIC) and everything else that is not a whole number (its bits). Whole numbers from
 * 2^51 up to the i64 range are flagged in `big` for the scalar path.
 */
// @ts-ignore: decorator
@inline function key2(x: v128): v128 {
  const useInt = v128.and(f64x2.eq(f64x2.trunc(x), x), f64x2.lt(f64x2.abs(x), f64x2.splat(SMALL)));
  const magic = f64x2.splat(MAGIC);
  return v128.bitselect(i64x2.sub(f64x2.add(x, magic), magic), x, useInt);
}

// @ts-ignore: decorator
@inline function big2(x: v128): v128 {
  const whole = f64x2.eq(f64x2.trunc(x), x);
  const inRange = v128.and(f64x2.ge(x, f64x2.splat(-TWO63)), f64x2.lt(x, f64x2.splat(TWO63)));
  return v128.and(v128.andnot(whole, f64x2.lt(f64x2.abs(x), f64x2.splat(SMALL))), inRange);
}

export function hashF64(col: usize, nulls: usize, rows: i32, seed: i32, out: usize): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const p = col + (<usize>i << 3);
    const x01 = v128.load(p), x23 = v128.load(p, 16);
    let a: v128, b: v128;
    if (v128.any_true(v128.or(big2(x01), big2(x23)))) {
      a = i64x2.replace_lane(i64x2.splat(f64Key(load<f64>(p))), 1, f64Key(load<f64>(p, 8)));
      b = i64x2.replace_lane(i64x2.splat(f64Key(load<f64>(p, 16))), 1, f64Key(load<f64>(p, 24)));
    } else {
      a = key2(x01);
      b = key2(x23);
    }
    const nan = i64x2.bitmask(f64x2.ne(x01, x01)) | (i64x2.bitmask(f64x2.ne(x23, x23)) << 2);
    const h = hash4(a, b, seed);
    v128.store(out + (<usize>i << 2), v128.andnot(h, nibbleMask(nullNibble(nulls, i) | nan)));
  }
  for (; i < rows; i++) {
    const x = load<f64>(col + (<usize>i << 3));
    const k = i64x2.splat(f64Key(x));
    const h = i32x4.extract_lane(hash4(k, k, seed), 0);
    const isNull = ((<i32>load<u8>(nulls + (<usize>i >> 3)) >> (i & 7)) & 1) | (x != x ? 1 : 0);
    store<u32>(out + (<usize>i << 2), isNull ? 0 : h);
  }
}
