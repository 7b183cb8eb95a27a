// Aggregates over a selection. `sel` is the effective selection: the caller (src/kernels) has
// already removed NULL rows (and NaN rows for f64), so these kernels read no null bitmap.
//
// COUNT is a popcount of `sel`. SUM results are not final values: they are the exact pieces the
// TypeScript layer combines identically for every backend (see src/kernels/sum.ts):
//   sumI64 → 4 i64 at `res`: Σhi and Σlo (as u64) of the positive values, then of the negative
//            values, where v = hi·2^32 + lo with lo in [0, 2^32). Exact for rows < 2^31.
//   sumF64 → 16 f64 at `res`: the compensated (s, c) of 8 lanes, lane = row & 7, s[0..7]
//            then c[0..7], each lane summed in row order from (+0, +0) with TwoSum steps.
import { laneMask, pairBits } from './shared';

export function sumI64(col: usize, sel: usize, rows: i32, res: usize): void {
  // Only logical shifts: i64x2.shr_s has no SSE instruction and V8 emulates it. A negative
  // value's high word is taken unsigned and corrected by 2^32 per negative value at the end.
  // Sums over all selected values and over the negative ones; the positive part is their
  // difference (exact: every sum here is below 2^63 for rows < 2^31). One op per row pair
  // fewer than splitting into positive and negative parts, and fewer live registers.
  const zero = i64x2.splat(0);
  const lo32 = i64x2.splat(0xffffffff);
  let allHi = zero, allLo = zero, negHiU = zero, negLo = zero, negCount = zero;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const pb = pairBits(bits);
    const p = col + (<usize>i << 3);
    {
      const v = v128.and(v128.load(p, 0), laneMask(pb, 0));
      const neg = v128.and(v, i64x2.lt_s(v, zero));
      allHi = i64x2.add(allHi, i64x2.shr_u(v, 32));
      allLo = i64x2.add(allLo, v128.and(v, lo32));
      negHiU = i64x2.add(negHiU, i64x2.shr_u(neg, 32));
      negLo = i64x2.add(negLo, v128.and(neg, lo32));
      negCount = i64x2.sub(negCount, i64x2.lt_s(v, zero));
    }
    {
      const v = v128.and(v128.load(p, 16), laneMask(pb, 1));
      const neg = v128.and(v, i64x2.lt_s(v, zero));
      allHi = i64x2.add(allHi, i64x2.shr_u(v, 32));
      allLo = i64x2.add(allLo, v128.and(v, lo32));
      negHiU = i64x2.add(negHiU, i64x2.shr_u(neg, 32));
      negLo = i64x2.add(negLo, v128.and(neg, lo32));
      negCount = i64x2.sub(negCount, i64x2.lt_s(v, zero));
    }
    {
      const v = v128.and(v128.load(p, 32), laneMask(pb, 2));
      const neg = v128.and(v, i64x2.lt_s(v, zero));
      allHi = i64x2.add(allHi, i64x2.shr_u(v, 32));
      allLo = i64x2.add(allLo, v128.and(v, lo32));
      negHiU = i64x2.add(negHiU, i64x2.shr_u(neg, 32));
      negLo = i64x2.add(negLo, v128.and(neg, lo32));
      negCount = i64x2.sub(negCount, i64x2.lt_s(v, zero));
    }
    {
      const v = v128.and(v128.load(p, 48), laneMask(pb, 3));
      const neg = v128.and(v, i64x2.lt_s(v, zero));
      allHi = i64x2.add(allHi, i64x2.shr_u(v, 32));
      allLo = i64x2.add(allLo, v128.and(v, lo32));
      negHiU = i64x2.add(negHiU, i64x2.shr_u(neg, 32));
      negLo = i64x2.add(negLo, v128.and(neg, lo32));
      negCount = i64x2.sub(negCount, i64x2.lt_s(v, zero));
    }
  }
  const aHi = i64x2.extract_lane(allHi, 0) + i64x2.extract_lane(allHi, 1);
  const aLo = i64x2.extract_lane(allLo, 0) + i64x2.extract_lane(allLo, 1);
  const nHiU = i64x2.extract_lane(negHiU, 0) + i64x2.extract_lane(negHiU, 1);
  let nl = i64x2.extract_lane(negLo, 0) + i64x2.extract_lane(negLo, 1);
  let ph = aHi - nHiU;
  let pl = aLo - nl;
  let nh = nHiU - ((i64x2.extract_lane(negCount, 0) + i64x2.extract_lane(negCount, 1)) << 32);
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    const v = load<i64>(col + (<usize>i << 3));
    if (v > 0) { ph += v >> 32; pl += v & 0xffffffff; }
    else { nh += v >> 32; nl += v & 0xffffffff; }
  }
  store<i64>(res, ph);
  store<i64>(res, pl, 8);
  store<i64>(res, nh, 16);
  store<i64>(res, nl, 24);
}

/** The exact rounding error of t = s + x on 2 lanes (Knuth's TwoSum, no branch). */
// @ts-ignore: decorator
@inline function twoSumErr(s: v128, x: v128, t: v128): v128 {
  const z = f64x2.sub(t, s);
  return f64x2.add(f64x2.sub(s, f64x2.sub(t, z)), f64x2.sub(x, z));
}

/** Scalar TwoSum step on lane `lane` of the state at `res` — the same operations as twoSumErr. */
// @ts-ignore: decorator
@inline function twoSum1(res: usize, lane: i32, x: f64): void {
  const ps = res + (<usize>lane << 3);
  const s = load<f64>(ps);
  const t = s + x;
  const z = t - s;
  store<f64>(ps, t);
  store<f64>(ps + 64, load<f64>(ps + 64) + ((s - (t - z)) + (x - z)));
}

export function sumF64(col: usize, sel: usize, rows: i32, res: usize): void {
  // Partly selected bytes zero the unselected x: adding +0 to s gives t = s (s is never -0),
  // z = +0 and an error term of exactly +0 while s is finite, so s and c stay bit-identical to
  // stepping only the selected rows. Their error terms need no mask: once a lane's s is ±Inf or
  // NaN, its c is already NaN (the step that made s non-finite computed t - z = Inf - Inf), and
  // NaN + anything is NaN — only the NaN's payload may differ, which the rule leaves unspecified
  // (sumFinalize then returns rSum alone). Fully selected bytes — every row of an unfiltered
  // aggregate — skip the masking.
  const zero = f64x2.splat(0);
  let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
  let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const p = col + (<usize>i << 3);
    let x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    if (bits != 0xff) {
      const pb = pairBits(bits);
      x0 = v128.and(x0, laneMask(pb, 0));
      x1 = v128.and(x1, laneMask(pb, 1));
      x2 = v128.and(x2, laneMask(pb, 2));
      x3 = v128.and(x3, laneMask(pb, 3));
    }
    let t = f64x2.add(s0, x0);
    c0 = f64x2.add(c0, twoSumErr(s0, x0, t)); s0 = t;
    t = f64x2.add(s1, x1);
    c1 = f64x2.add(c1, twoSumErr(s1, x1, t)); s1 = t;
    t = f64x2.add(s2, x2);
    c2 = f64x2.add(c2, twoSumErr(s2, x2, t)); s2 = t;
    t = f64x2.add(s3, x3);
    c3 = f64x2.add(c3, twoSumErr(s3, x3, t)); s3 = t;
  }
  v128.store(res, s0);
  v128.store(res, s1, 16);
  v128.store(res, s2, 32);
  v128.store(res, s3, 48);
  v128.store(res, c0, 64);
  v128.store(res, c1, 80);
  v128.store(res, c2, 96);
  v128.store(res, c3, 112);
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    twoSum1(res, i & 7, load<f64>(col + (<usize>i << 3)));
  }
}

// @ts-ignore: decorator
@inline function minI64x2(a: v128, b: v128): v128 {
  return v128.bitselect(b, a, i64x2.lt_s(b, a));
}

// @ts-ignore: decorator
@inline function maxI64x2(a: v128, b: v128): v128 {
  return v128.bitselect(b, a, i64x2.gt_s(b, a));
}

/** MIN of the selected values; i64.MAX_VALUE when none is selected (the caller counts first). */
export function minI64(col: usize, sel: usize, rows: i32): i64 {
  // Four independent accumulators (one per row pair) keep the compare-select chains short.
  let best0 = i64x2.splat(i64.MAX_VALUE), best1 = best0, best2 = best0, best3 = best0;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const pb = pairBits(bits);
    {
      const v = v128.load(col + (<usize>(i + 0) << 3));
      const take = v128.and(laneMask(pb, 0), i64x2.lt_s(v, best0));
      best0 = v128.bitselect(v, best0, take);
    }
    {
      const v = v128.load(col + (<usize>(i + 2) << 3));
      const take = v128.and(laneMask(pb, 1), i64x2.lt_s(v, best1));
      best1 = v128.bitselect(v, best1, take);
    }
    {
      const v = v128.load(col + (<usize>(i + 4) << 3));
      const take = v128.and(laneMask(pb, 2), i64x2.lt_s(v, best2));
      best2 = v128.bitselect(v, best2, take);
    }
    {
      const v = v128.load(col + (<usize>(i + 6) << 3));
      const take = v128.and(laneMask(pb, 3), i64x2.lt_s(v, best3));
      best3 = v128.bitselect(v, best3, take);
    }
  }
  const best = minI64x2(minI64x2(best0, best1), minI64x2(best2, best3));
  let r = min(i64x2.extract_lane(best, 0), i64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = min(r, load<i64>(col + (<usize>i << 3)));
  }
  return r;
}

/** MAX of the selected values; i64.MIN_VALUE when none is selected. */
export function maxI64(col: usize, sel: usize, rows: i32): i64 {
  // Four independent accumulators (one per row pair) keep the compare-select chains short.
  let best0 = i64x2.splat(i64.MIN_VALUE), best1 = best0, best2 = best0, best3 = best0;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const pb = pairBits(bits);
    {
      const v = v128.load(col + (<usize>(i + 0) << 3));
      const take = v128.and(laneMask(pb, 0), i64x2.gt_s(v, best0));
      best0 = v128.bitselect(v, best0, take);
    }
    {
      const v = v128.load(col + (<usize>(i + 2) << 3));
      const take = v128.and(laneMask(pb, 1), i64x2.gt_s(v, best1));
      best1 = v128.bitselect(v, best1, take);
    }
    {
      const v = v128.load(col + (<usize>(i + 4) << 3));
      const take = v128.and(laneMask(pb, 2), i64x2.gt_s(v, best2));
      best2 = v128.bitselect(v, best2, take);
    }
    {
      const v = v128.load(col + (<usize>(i + 6) << 3));
      const take = v128.and(laneMask(pb, 3), i64x2.gt_s(v, best3));
      best3 = v128.bitselect(v, best3, take);
    }
  }
  const best = maxI64x2(maxI64x2(best0, best1), maxI64x2(best2, best3));
  let r = max(i64x2.extract_lane(best, 0), i64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = max(r, load<i64>(col + (<usize>i << 3)));
  }
  return r;
}

/**
 * MIN of the selected f64 values (no NaN among them); +Infinity when none. The sign of a zero
 * result is not meaningful here: the caller re-reads the first selected zero (SQLite keeps the
 * first of equal values).
 */
export function minF64(col: usize, sel: usize, rows: i32): f64 {
  // Unselected lanes become all-ones bits (a NaN): the lane masks of the inverted byte, or'ed
  // in — no select of ±Infinity. f64x2.pmin(best, NaN) keeps best (NaN is never less or
  // greater), so they drop out.
  const inf = f64x2.splat(Infinity);
  // Four independent accumulators (one per row pair) keep the compare-select chains short.
  let best0 = inf, best1 = best0, best2 = best0, best3 = best0;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const pb = pairBits(~bits);
    {
      const v = v128.or(v128.load(col + (<usize>(i + 0) << 3)), laneMask(pb, 0));
      best0 = f64x2.pmin(best0, v);
    }
    {
      const v = v128.or(v128.load(col + (<usize>(i + 2) << 3)), laneMask(pb, 1));
      best1 = f64x2.pmin(best1, v);
    }
    {
      const v = v128.or(v128.load(col + (<usize>(i + 4) << 3)), laneMask(pb, 2));
      best2 = f64x2.pmin(best2, v);
    }
    {
      const v = v128.or(v128.load(col + (<usize>(i + 6) << 3)), laneMask(pb, 3));
      best3 = f64x2.pmin(best3, v);
    }
  }
  const best = f64x2.pmin(f64x2.pmin(best0, best1), f64x2.pmin(best2, best3));
  let r = min(f64x2.extract_lane(best, 0), f64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = min(r, load<f64>(col + (<usize>i << 3)));
  }
  return r;
}

/** MAX of the selected f64 values; -Infinity when none. Zero sign as for minF64. */
export function maxF64(col: usize, sel: usize, rows: i32): f64 {
  // Unselected lanes become all-ones bits (a NaN): the lane masks of the inverted byte, or'ed
  // in — no select of ±Infinity. f64x2.pmax(best, NaN) keeps best (NaN is never less or
  // greater), so they drop out.
  const ninf = f64x2.splat(-Infinity);
  // Four independent accumulators (one per row pair) keep the compare-select chains short.
  let best0 = ninf, best1 = best0, best2 = best0, best3 = best0;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const pb = pairBits(~bits);
    {
      const v = v128.or(v128.load(col + (<usize>(i + 0) << 3)), laneMask(pb, 0));
      best0 = f64x2.pmax(best0, v);
    }
    {
      const v = v128.or(v128.load(col + (<usize>(i + 2) << 3)), laneMask(pb, 1));
      best1 = f64x2.pmax(best1, v);
    }
    {
      const v = v128.or(v128.load(col + (<usize>(i + 4) << 3)), laneMask(pb, 2));
      best2 = f64x2.pmax(best2, v);
    }
    {
      const v = v128.or(v128.load(col + (<usize>(i + 6) << 3)), laneMask(pb, 3));
      best3 = f64x2.pmax(best3, v);
    }
  }
  const best = f64x2.pmax(f64x2.pmax(best0, best1), f64x2.pmax(best2, best3));
  let r = max(f64x2.extract_lane(best, 0), f64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = max(r, load<f64>(col + (<usize>i << 3)));
  }
  return r;
}
