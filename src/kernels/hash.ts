/**
 * The key hash shared by every backend (see Backend.hashI64): murmur3_x86_32 of a 64-bit key's
 * two little-endian 32-bit words. This file is the scalar definition; the SIMD backends compute
 * the same function four (WASM, 128-bit) or eight (AVX2/AVX-512) rows at a time.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3_x86_32 of the 8 bytes (lo word, then hi word) with `seed`, as an unsigned 32-bit. */
export function hashKey(lo: number, hi: number, seed: number): number {
  let h = mixBlock(mixBlock(seed | 0, lo), hi);
  h ^= 8;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO63 = 2 ** 63;
const dv = new DataView(new ArrayBuffer(8));

/** The 64-bit key of an f64 value (not NaN): its integer when whole and in i64 range, else its bits. */
export function f64Key(x: number): [lo: number, hi: number] {
  if (Number.isInteger(x) && x >= -TWO63 && x < TWO63) dv.setBigInt64(0, BigInt(x), true);
  else dv.setFloat64(0, x, true);
  return [dv.getUint32(0, true), dv.getUint32(4, true)];
}
