/**
 * The "scalar JS loop" baselines: the tightest plain-JavaScript loop for each kernel's job over
 * the same bytes in the same memory (typed arrays, no closures, one pass) — what the executor
 * would run without kernels. Deliberately not the scalar reference backend, which is written
 * for obviousness and would flatter the SIMD backends.
 */
import { hashKey } from '../../src/kernels/hash.js';

export interface Views { u8: Uint8Array; u32: Uint32Array; i32: Int32Array; i64: BigInt64Array; f64: Float64Array }

export function views(mem: WebAssembly.Memory): Views {
  const b = mem.buffer;
  return { u8: new Uint8Array(b), u32: new Uint32Array(b), i32: new Int32Array(b), i64: new BigInt64Array(b), f64: new Float64Array(b) };
}

export function rangeI64Loop(v: Views, col: number, nulls: number, rows: number, lo: bigint, hi: bigint, out: number): void {
  const { u8, i64 } = v;
  const base = col >>> 3;
  for (let i = 0; i < rows; i += 8) {
    let bits = 0;
    const n = Math.min(8, rows - i);
    for (let j = 0; j < n; j++) { const x = i64[base + i + j]!; if (x >= lo && x <= hi) bits |= 1 << j; }
    u8[out + (i >>> 3)] = bits & ~u8[nulls + (i >>> 3)]!;
  }
}

export function rangeF64Loop(v: Views, col: number, nulls: number, rows: number, lo: number, hi: number, out: number): void {
  const { u8, f64 } = v;
  const base = col >>> 3;
  for (let i = 0; i < rows; i += 8) {
    let bits = 0;
    const n = Math.min(8, rows - i);
    for (let j = 0; j < n; j++) { const x = f64[base + i + j]!; if (x >= lo && x <= hi) bits |= 1 << j; }
    u8[out + (i >>> 3)] = bits & ~u8[nulls + (i >>> 3)]!;
  }
}

export function inI64Loop(v: Views, col: number, nulls: number, rows: number, set: readonly bigint[], out: number): void {
  const { u8, i64 } = v;
  const base = col >>> 3;
  for (let i = 0; i < rows; i += 8) {
    let bits = 0;
    const n = Math.min(8, rows - i);
    for (let j = 0; j < n; j++) {
      const x = i64[base + i + j]!;
      for (let k = 0; k < set.length; k++) if (set[k] === x) { bits |= 1 << j; break; }
    }
    u8[out + (i >>> 3)] = bits & ~u8[nulls + (i >>> 3)]!;
  }
}

/** a & b over 32-bit words (rows a multiple of 32). */
export function andLoop(v: Views, a: number, b: number, rows: number, out: number): void {
  const { u32 } = v;
  const words = rows >>> 5, pa = a >>> 2, pb = b >>> 2, po = out >>> 2;
  for (let w = 0; w < words; w++) u32[po + w] = u32[pa + w]! & u32[pb + w]!;
}

export function popcountLoop(v: Views, a: number, rows: number): number {
  const { u32 } = v;
  let n = 0;
  for (let w = 0; w < rows >>> 5; w++) {
    let x = u32[(a >>> 2) + w]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return n;
}

/**
 * Exact SUM of i64 as the kernels compute it: the sums of the positive and of the negative values
 * (what the overflow check needs, sum.ts), here in 32-bit halves held in doubles (exact below
 * 2^21 rows) — the fast plain-JS way; BigInt arithmetic is ~10× slower and flattered the kernels.
 */
export function sumI64Loop(v: Views, col: number, sel: number, rows: number): bigint {
  const { u8, u32, i32 } = v;
  let pLo = 0, pHi = 0, nLo = 0, nHi = 0;
  const w = col >>> 2;
  for (let i = 0; i < rows; i++) {
    if (((u8[sel + (i >>> 3)]! >>> (i & 7)) & 1) === 0) continue;
    const lo = u32[w + 2 * i]!, hi = i32[w + 2 * i + 1]!;
    if (hi < 0) { nLo += lo; nHi += hi; } else { pLo += lo; pHi += hi; }
  }
  return BigInt(pHi + nHi) * 2n ** 32n + BigInt(pLo + nLo);
}

export function sumF64Loop(v: Views, col: number, sel: number, rows: number): number {
  const { u8, f64 } = v;
  let s = 0, c = 0;
  for (let i = 0; i < rows; i++) {
    if (((u8[sel + (i >>> 3)]! >>> (i & 7)) & 1) === 0) continue;
    const x = f64[(col >>> 3) + i]!, t = s + x;
    c += Math.abs(s) > Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}

export function minF64Loop(v: Views, col: number, sel: number, rows: number): number {
  const { u8, f64 } = v;
  let r = Infinity;
  for (let i = 0; i < rows; i++) {
    if ((u8[sel + (i >>> 3)]! >>> (i & 7)) & 1) { const x = f64[(col >>> 3) + i]!; if (x < r) r = x; }
  }
  return r;
}

/** MAX of i64 compared as (signed high word, unsigned low word) — no BigInt per row. */
export function maxI64Loop(v: Views, col: number, sel: number, rows: number): bigint {
  const { u8, u32, i32 } = v;
  let rHi = -(2 ** 31), rLo = 0;
  const w = col >>> 2;
  for (let i = 0; i < rows; i++) {
    if ((u8[sel + (i >>> 3)]! >>> (i & 7)) & 1) {
      const hi = i32[w + 2 * i + 1]!, lo = u32[w + 2 * i]!;
      if (hi > rHi || (hi === rHi && lo > rLo)) { rHi = hi; rLo = lo; }
    }
  }
  return (BigInt(rHi) << 32n) | BigInt(rLo);
}

/** murmur3 of each i64 key's two 32-bit words (read as Uint32), NULL → 0. */
export function hashI64Loop(v: Views, col: number, nulls: number, rows: number, seed: number, out: number): void {
  const { u8, u32 } = v;
  const w = col >>> 2, o = out >>> 2;
  for (let i = 0; i < rows; i++) {
    u32[o + i] = (u8[nulls + (i >>> 3)]! >>> (i & 7)) & 1 ? 0 : hashKey(u32[w + 2 * i]!, u32[w + 2 * i + 1]!, seed);
  }
}
