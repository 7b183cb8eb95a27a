// Helpers shared by the kernel files. Everything here is inlined; nothing allocates and no
// function touches memory outside the byte ranges its caller passed in.

/** i64x2 lane selectors: lane 0 tests bit 0 of a 2-bit group, lane 1 tests bit 1. */
// @ts-ignore: decorator
@inline export function laneMask2(bits: i32): v128 {
  const sel = i64x2(1, 2);
  return i64x2.eq(v128.and(i64x2.splat(<i64>bits), sel), sel);
}

/** Bits [i, rows) of a bitmap byte are padding: this keeps only the low `n` bits (1..8). */
// @ts-ignore: decorator
@inline export function lowBits(n: i32): i32 {
  return (1 << n) - 1;
}
