/**
 * The scalar JavaScript reference backend (`simd_acceleration = "none"`, and the last fallback).
 * It is written for obviousness, one row at a time: the property tests hold every other backend
 * to exactly what this file computes. See {@link ./backend.ts} for the conventions.
 */
import type { Backend } from './backend.js';
import { f64Key, hashKey } from './hash.js';
import { MemoryViews } from './memory-views.js';

const LO32 = 0xffffffffn;

export class ScalarBackend implements Backend {
  readonly name = 'none' as const;
  private readonly views: MemoryViews;

  constructor(memory: WebAssembly.Memory) {
    this.views = new MemoryViews(memory);
  }

  private bit(u8: Uint8Array, bitmap: number, i: number): boolean {
    return ((u8[bitmap + (i >>> 3)]! >>> (i & 7)) & 1) === 1;
  }

  /** Writes ceil(rows/8) bytes at `out`, bit i = pick(i); padding bits zero. */
  private writeBits(out: number, rows: number, pick: (i: number) => boolean): void {
    const u8 = this.views.refresh().u8;
    for (let byte = 0; byte * 8 < rows; byte++) {
      let bits = 0;
      for (let j = 0; j < 8 && byte * 8 + j < rows; j++) if (pick(byte * 8 + j)) bits |= 1 << j;
      u8[out + byte] = bits;
    }
  }

  rangeI64(col: number, nulls: number, rows: number, lo: bigint, hi: bigint, negate: boolean, out: number): void {
    const { u8, i64 } = this.views.refresh();
    const base = col >>> 3;
    this.writeBits(out, rows, (i) => {
      if (this.bit(u8, nulls, i)) return false;
      const x = i64[base + i]!;
      return (lo <= x && x <= hi) !== negate;
    });
  }

  rangeF64(col: number, nulls: number, rows: number, lo: number, hi: number, negate: boolean, out: number): void {
    const { u8, f64 } = this.views.refresh();
    const base = col >>> 3;
    this.writeBits(out, rows, (i) => {
      const x = f64[base + i]!;
      if (this.bit(u8, nulls, i) || Number.isNaN(x)) return false;
      return (lo <= x && x <= hi) !== negate;
    });
  }

  inI64(col: number, nulls: number, rows: number, set: number, setLen: number, negate: boolean, out: number): void {
    const { u8, i64 } = this.views.refresh();
    const values = Array.from(i64.subarray(set >>> 3, (set >>> 3) + setLen));
    const base = col >>> 3;
    this.writeBits(out, rows, (i) => !this.bit(u8, nulls, i) && values.includes(i64[base + i]!) !== negate);
  }

  inF64(col: number, nulls: number, rows: number, set: number, setLen: number, negate: boolean, out: number): void {
    const { u8, f64 } = this.views.refresh();
    const values = Array.from(f64.subarray(set >>> 3, (set >>> 3) + setLen));
    const base = col >>> 3;
    this.writeBits(out, rows, (i) => {
      const x = f64[base + i]!;
      if (this.bit(u8, nulls, i) || Number.isNaN(x)) return false;
      return values.some((v) => v === x) !== negate;
    });
  }

  validF64(col: number, nulls: number, rows: number, out: number): void {
    const { u8, f64 } = this.views.refresh();
    const base = col >>> 3;
    this.writeBits(out, rows, (i) => !this.bit(u8, nulls, i) && !Number.isNaN(f64[base + i]!));
  }

  andBits(a: number, b: number, rows: number, out: number): void {
    const av = this.copyBits(a, rows), bv = this.copyBits(b, rows);
    this.writeBits(out, rows, (i) => this.bit(av, 0, i) && this.bit(bv, 0, i));
  }

  orBits(a: number, b: number, rows: number, out: number): void {
    const av = this.copyBits(a, rows), bv = this.copyBits(b, rows);
    this.writeBits(out, rows, (i) => this.bit(av, 0, i) || this.bit(bv, 0, i));
  }

  andNotBits(a: number, b: number, rows: number, out: number): void {
    const av = this.copyBits(a, rows), bv = this.copyBits(b, rows);
    this.writeBits(out, rows, (i) => this.bit(av, 0, i) && !this.bit(bv, 0, i));
  }

  notBits(a: number, rows: number, out: number): void {
    const av = this.copyBits(a, rows);
    this.writeBits(out, rows, (i) => !this.bit(av, 0, i));
  }

  /** Inputs are copied first so that `out` may alias an input. */
  private copyBits(at: number, rows: number): Uint8Array {
    return this.views.refresh().u8.slice(at, at + ((rows + 7) >>> 3));
  }

  popcount(a: number, rows: number): number {
    const u8 = this.views.refresh().u8;
    let n = 0;
    for (let i = 0; i < rows; i++) if (this.bit(u8, a, i)) n++;
    return n;
  }

  /** Calls `fn(i)` for each selected row, in row order. */
  private forSelected(sel: number, rows: number, fn: (i: number) => void): void {
    const u8 = this.views.refresh().u8;
    for (let i = 0; i < rows; i++) if (this.bit(u8, sel, i)) fn(i);
  }

  sumI64(col: number, sel: number, rows: number, res: number): void {
    const { i64 } = this.views.refresh();
    const base = col >>> 3;
    let ph = 0n, pl = 0n, nh = 0n, nl = 0n;
    this.forSelected(sel, rows, (i) => {
      const v = i64[base + i]!;
      if (v > 0n) { ph += v >> 32n; pl += v & LO32; } else { nh += v >> 32n; nl += v & LO32; }
    });
    const r = res >>> 3;
    i64[r] = ph;
    i64[r + 1] = BigInt.asIntN(64, pl);
    i64[r + 2] = nh;
    i64[r + 3] = BigInt.asIntN(64, nl);
  }

  sumF64(col: number, sel: number, rows: number, res: number): void {
    const { f64 } = this.views.refresh();
    const base = col >>> 3;
    const s = new Float64Array(8), c = new Float64Array(8);
    this.forSelected(sel, rows, (i) => {
      const lane = i & 7, x = f64[base + i]!, sl = s[lane]!;
      const t = sl + x;
      const z = t - sl;
      c[lane] = c[lane]! + ((sl - (t - z)) + (x - z));
      s[lane] = t;
    });
    f64.set(s, res >>> 3);
    f64.set(c, (res >>> 3) + 8);
  }

  hashI64(col: number, nulls: number, rows: number, seed: number, out: number): void {
    const { u8, dv } = this.views.refresh();
    for (let i = 0; i < rows; i++) {
      const h = this.bit(u8, nulls, i) ? 0 : hashKey(dv.getUint32(col + 8 * i, true), dv.getUint32(col + 8 * i + 4, true), seed);
      dv.setUint32(out + 4 * i, h, true);
    }
  }

  hashF64(col: number, nulls: number, rows: number, seed: number, out: number): void {
    const { u8, dv, f64 } = this.views.refresh();
    for (let i = 0; i < rows; i++) {
      const x = f64[(col >>> 3) + i]!;
      let h = 0;
      if (!this.bit(u8, nulls, i) && !Number.isNaN(x)) {
        const [lo, hi] = f64Key(x);
        h = hashKey(lo, hi, seed);
      }
      dv.setUint32(out + 4 * i, h, true);
    }
  }

  minI64(col: number, sel: number, rows: number): bigint {
    const { i64 } = this.views.refresh();
    let r = 0x7fffffffffffffffn;
    this.forSelected(sel, rows, (i) => { const v = i64[(col >>> 3) + i]!; if (v < r) r = v; });
    return r;
  }

  maxI64(col: number, sel: number, rows: number): bigint {
    const { i64 } = this.views.refresh();
    let r = -0x8000000000000000n;
    this.forSelected(sel, rows, (i) => { const v = i64[(col >>> 3) + i]!; if (v > r) r = v; });
    return r;
  }

  minF64(col: number, sel: number, rows: number): number {
    const { f64 } = this.views.refresh();
    let r = Infinity;
    this.forSelected(sel, rows, (i) => { const v = f64[(col >>> 3) + i]!; if (v < r) r = v; });
    return r;
  }

  maxF64(col: number, sel: number, rows: number): number {
    const { f64 } = this.views.refresh();
    let r = -Infinity;
    this.forSelected(sel, rows, (i) => { const v = f64[(col >>> 3) + i]!; if (v > r) r = v; });
    return r;
  }
}
