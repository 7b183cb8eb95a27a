/**
 * The backend seam: the raw kernels every implementation (scalar JS, WASM SIMD, native AVX2 /
 * AVX-512) provides, over byte offsets into one memory. Callers above this file never see a
 * backend directly; {@link ./kernels.ts} validates every offset and length first, so a backend
 * may assume its arguments are in bounds, 8-aligned where they address 8-byte values, and
 * `rows` in [0, 2^31).
 *
 * Conventions (identical for every backend — the property tests hold them to it):
 * - A column is `rows` little-endian 8-byte values at `col`; `nulls` is its null bitmap (bit i,
 *   LSB first, set = row i is NULL); only ceil(rows/8) bitmap bytes are read.
 * - A selection (`out`, `sel`, `a`, `b`) is ceil(rows/8) bytes in the same bit order. Kernels that
 *   write one write exactly those bytes and leave the padding bits of the last byte zero.
 * - f64 NaN is treated as NULL: never selected, never aggregated.
 * - Aggregates take the *effective* selection: NULL (and NaN) rows already removed.
 */

export type BackendName = 'avx512' | 'avx2' | 'wasm' | 'none';

export interface Backend {
  readonly name: BackendName;
  /** Bit i = (not NULL) and lo <= x[i] <= hi, or its negation among non-NULL rows. */
  rangeI64(col: number, nulls: number, rows: number, lo: bigint, hi: bigint, negate: boolean, out: number): void;
  /** As rangeI64 over f64 with IEEE comparisons; NaN rows are never selected (negated or not). */
  rangeF64(col: number, nulls: number, rows: number, lo: number, hi: number, negate: boolean, out: number): void;
  /** Bit i = (not NULL) and x[i] equals one of the `setLen` i64 values at `set` (or none, negated). */
  inI64(col: number, nulls: number, rows: number, set: number, setLen: number, negate: boolean, out: number): void;
  /** As inI64 with IEEE equality (-0 = +0); NaN rows never selected. */
  inF64(col: number, nulls: number, rows: number, set: number, setLen: number, negate: boolean, out: number): void;
  /** Bit i = row i is neither NULL nor NaN. */
  validF64(col: number, nulls: number, rows: number, out: number): void;
  andBits(a: number, b: number, rows: number, out: number): void;
  orBits(a: number, b: number, rows: number, out: number): void;
  /** out = a & ~b */
  andNotBits(a: number, b: number, rows: number, out: number): void;
  notBits(a: number, rows: number, out: number): void;
  popcount(a: number, rows: number): number;
  /**
   * Writes 4 i64 at `res`: Σhi, Σlo of the selected positive values, then Σhi, Σlo of the selected
   * negative values, with v = hi·2^32 + lo, lo in [0, 2^32) (the Σlo words are read unsigned).
   */
  sumI64(col: number, sel: number, rows: number, res: number): void;
  /**
   * Writes 16 f64 at `res`: s[0..7] then c[0..7], the compensated-sum state of 8 lanes
   * (lane = row & 7), each summing its selected values in row order from (+0, +0) with
   * `t = s + x; z = t - s; c += (s - (t - z)) + (x - z); s = t` (Knuth's TwoSum: the exact
   * rounding error of s + x, the same value Kahan–Babuška–Neumaier's branch computes, without
   * the branch). Invariant the vector code relies on: s and c are never -0 (a sum is -0 only if
   * both addends are), so adding +0 for an unselected row leaves them bit-identical.
   */
  sumF64(col: number, sel: number, rows: number, res: number): void;
  /**
   * Writes `rows` u32 at `out` (4-aligned): the GROUP BY / join hash of each row's key with
   * `seed` — murmur3_x86_32 of the key's 8 little-endian bytes. The key of an i64 is the value;
   * the key of an f64 that is a whole number in [-2^63, 2^63) is that integer (so 1.0 groups
   * with 1, -0 with 0, as SQLite's numeric equality wants), else its IEEE bits. NULL (and NaN)
   * rows hash to 0; callers tell them apart by the null bitmap.
   */
  hashI64(col: number, nulls: number, rows: number, seed: number, out: number): void;
  hashF64(col: number, nulls: number, rows: number, seed: number, out: number): void;
  /** i64 MAX when nothing is selected. */
  minI64(col: number, sel: number, rows: number): bigint;
  /** i64 MIN when nothing is selected. */
  maxI64(col: number, sel: number, rows: number): bigint;
  /** +Infinity when nothing is selected; the sign of a zero result is unspecified. */
  minF64(col: number, sel: number, rows: number): number;
  /** -Infinity when nothing is selected; the sign of a zero result is unspecified. */
  maxF64(col: number, sel: number, rows: number): number;
}
