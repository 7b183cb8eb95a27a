// Aggregates over a selection. `sel` is the effective selection: the caller (src/kernels) has
// already removed NULL rows (and NaN rows for f64), so these kernels read no null bitmap.
//
// COUNT is a popcount of `sel`. SUM results are not final values: they are the exact pieces the
// TypeScript layer combines identically for every backend (see src/kernels/sum.ts):
//   sumI64 → 4 i64 at `res`: Σhi and Σlo (as u64) of the positive values, then of the negative
//            values, where v = hi·2^32 + lo with lo in [0, 2^32). Exact for rows < 2^31.
//   sumF64 → 16 f64 at `res`: the Kahan–Babuška–Neumaier (s, c) of 8 lanes, lane = row & 7,
//            s[0..7] then c[0..7], each lane summed in row order from (+0, +0).
import { laneMask2 } from './shared';

export function sumI64(col: usize, sel: usize, rows: i32, res: usize): void {
  const zero = i64x2.splat(0);
  const lo32 = i64x2.splat(0xffffffff);
  let posHi = zero, posLo = zero, negHi = zero, negLo = zero;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    for (let k = 0; k < 8; k += 2) {
      const v = v128.and(v128.load(col + (<usize>(i + k) << 3)), laneMask2(bits >> k));
      const pos = v128.and(v, i64x2.gt_s(v, zero));
      const neg = i64x2.sub(v, pos);
      posHi = i64x2.add(posHi, i64x2.shr_s(pos, 32));
      posLo = i64x2.add(posLo, v128.and(pos, lo32));
      negHi = i64x2.add(negHi, i64x2.shr_s(neg, 32));
      negLo = i64x2.add(negLo, v128.and(neg, lo32));
    }
  }
  let ph = i64x2.extract_lane(posHi, 0) + i64x2.extract_lane(posHi, 1);
  let pl = i64x2.extract_lane(posLo, 0) + i64x2.extract_lane(posLo, 1);
  let nh = i64x2.extract_lane(negHi, 0) + i64x2.extract_lane(negHi, 1);
  let nl = i64x2.extract_lane(negLo, 0) + i64x2.extract_lane(negLo, 1);
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

/** One KBN step on 2 lanes, applied only where `m` is set (unselected lanes keep their state). */
// @ts-ignore: decorator
@inline function kbn2(s: v128, c: v128, x: v128, m: v128, outC: usize): v128 {
  const t = f64x2.add(s, x);
  const big = f64x2.gt(f64x2.abs(s), f64x2.abs(x));
  const err = v128.bitselect(f64x2.add(f64x2.sub(s, t), x), f64x2.add(f64x2.sub(x, t), s), big);
  v128.store(outC, v128.bitselect(f64x2.add(c, err), c, m));
  return v128.bitselect(t, s, m);
}

/** Scalar KBN step on lane `lane` of the state at `res` — the same operations as kbn2. */
// @ts-ignore: decorator
@inline function kbn1(res: usize, lane: i32, x: f64): void {
  const ps = res + (<usize>lane << 3);
  const s = load<f64>(ps);
  const t = s + x;
  const err = abs(s) > abs(x) ? (s - t) + x : (x - t) + s;
  store<f64>(ps, t);
  store<f64>(ps + 64, load<f64>(ps + 64) + err);
}

export function sumF64(col: usize, sel: usize, rows: i32, res: usize): void {
  // The c lanes live in `res` (kbn2 stores them) so the loop carries only the s lanes.
  const zero = f64x2.splat(0);
  for (let k = 0; k < 16; k += 2) v128.store(res + (<usize>k << 3), zero);
  let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
  const c = res + 64;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    const p = col + (<usize>i << 3);
    s0 = kbn2(s0, v128.load(c), v128.load(p), laneMask2(bits), c);
    s1 = kbn2(s1, v128.load(c, 16), v128.load(p, 16), laneMask2(bits >> 2), c + 16);
    s2 = kbn2(s2, v128.load(c, 32), v128.load(p, 32), laneMask2(bits >> 4), c + 32);
    s3 = kbn2(s3, v128.load(c, 48), v128.load(p, 48), laneMask2(bits >> 6), c + 48);
  }
  v128.store(res, s0);
  v128.store(res, s1, 16);
  v128.store(res, s2, 32);
  v128.store(res, s3, 48);
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    kbn1(res, i & 7, load<f64>(col + (<usize>i << 3)));
  }
}

/** MIN of the selected values; i64.MAX_VALUE when none is selected (the caller counts first). */
export function minI64(col: usize, sel: usize, rows: i32): i64 {
  let best = i64x2.splat(i64.MAX_VALUE);
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    for (let k = 0; k < 8; k += 2) {
      const v = v128.load(col + (<usize>(i + k) << 3));
      const take = v128.and(laneMask2(bits >> k), i64x2.lt_s(v, best));
      best = v128.bitselect(v, best, take);
    }
  }
  let r = min(i64x2.extract_lane(best, 0), i64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = min(r, load<i64>(col + (<usize>i << 3)));
  }
  return r;
}

/** MAX of the selected values; i64.MIN_VALUE when none is selected. */
export function maxI64(col: usize, sel: usize, rows: i32): i64 {
  let best = i64x2.splat(i64.MIN_VALUE);
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    for (let k = 0; k < 8; k += 2) {
      const v = v128.load(col + (<usize>(i + k) << 3));
      const take = v128.and(laneMask2(bits >> k), i64x2.gt_s(v, best));
      best = v128.bitselect(v, best, take);
    }
  }
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
  const inf = f64x2.splat(Infinity);
  let best = inf;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    for (let k = 0; k < 8; k += 2) {
      const v = v128.bitselect(v128.load(col + (<usize>(i + k) << 3)), inf, laneMask2(bits >> k));
      best = f64x2.pmin(best, v);
    }
  }
  let r = min(f64x2.extract_lane(best, 0), f64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = min(r, load<f64>(col + (<usize>i << 3)));
  }
  return r;
}

/** MAX of the selected f64 values; -Infinity when none. Zero sign as for minF64. */
export function maxF64(col: usize, sel: usize, rows: i32): f64 {
  const ninf = f64x2.splat(-Infinity);
  let best = ninf;
  const full = rows & ~7;
  for (let i = 0; i < full; i += 8) {
    const bits = <i32>load<u8>(sel + (<usize>i >> 3));
    if (bits == 0) continue;
    for (let k = 0; k < 8; k += 2) {
      const v = v128.bitselect(v128.load(col + (<usize>(i + k) << 3)), ninf, laneMask2(bits >> k));
      best = f64x2.pmax(best, v);
    }
  }
  let r = max(f64x2.extract_lane(best, 0), f64x2.extract_lane(best, 1));
  for (let i = full; i < rows; i++) {
    if (((<i32>load<u8>(sel + (<usize>i >> 3)) >> (i & 7)) & 1) == 0) continue;
    r = max(r, load<f64>(col + (<usize>i << 3)));
  }
  return r;
}
