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

/** Bits [i, rows) of a bitmap byte are padding: this keeps only the low `n` bits (1..8). */
// @ts-ignore: decorator
@inline export function lowBits(n: i32): i32 {
  return (1 << n) - 1;
}
