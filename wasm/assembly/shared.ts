// Helpers shared by the kernel files. Everything here is inlined; nothing allocates and no
// function touches memory outside the byte ranges its caller passed in.

/**
 * Lane masks for one selection byte: `splat` is i64x2.splat(byte); pair k (0..3) of the byte's
 * rows uses `sel` = i64x2(1, 2), (4, 8), (16, 32), (64, 128) and gets all ones in the lanes whose row bit is set. Splatting
 * once per byte and testing against constant bit pairs costs 2 ops per pair. Callers unroll the
 * four pairs by hand: Binaryen does not unroll loops, and a loop over k would select the
 * constant at run time.
 */
// @ts-ignore: decorator
@inline export function pairMask(splat: v128, sel: v128): v128 {
  return i64x2.eq(v128.and(splat, sel), sel);
}

/**
 * Lane masks for one selection byte without vector constants: `pairBits(byte)` is
 * i64x2(byte, byte >> 1) (once per byte), and `laneMask(pb, k)` shifts row 2k's bit into lane 0's
 * sign and row 2k+1's into lane 1's, then compares with zero — 2 ops per pair (psllq, pcmpgtq)
 * and no constant. pairMask's i64x2(1, 2)… constants are rematerialized by V8 at every use
 * (pcmpeqd, 2 shifts, movq, pinsrq: 5 instructions each; `node --print-wasm-code`), so this
 * form takes ~20 instructions off each 8 rows of an aggregate. `k` must be a constant.
 */
// @ts-ignore: decorator
@inline export function pairBits(bits: i32): v128 {
  return i64x2.replace_lane(i64x2.splat(<i64>bits), 1, <i64>(bits >> 1));
}

// @ts-ignore: decorator
@inline export function laneMask(pb: v128, k: i32): v128 {
  return i64x2.lt_s(i64x2.shl(pb, 63 - 2 * k), i64x2.splat(0));
}

/** Bits [i, rows) of a bitmap byte are padding: this keeps only the low `n` bits (1..8). */
// @ts-ignore: decorator
@inline export function lowBits(n: i32): i32 {
  return (1 << n) - 1;
}
