/**
 * The kernel suite: every raw kernel, per backend, against its plain-JS loop and against memcpy
 * of the bytes it reads, in two regimes —
 *   array: one call over the whole column (pure bandwidth),
 *   page:  one call per 1024-row batch over the same column (what a scan of PAX leaves does,
 *          so the per-call cost of each backend shows).
 */
import type { Backend } from '../../src/kernels/backend.js';
import * as js from './js-loops.js';
import { throughputs } from './timing.js';

export const PAGE_ROWS = 1024;

export interface Layout {
  rows: number;
  i64: number; f64: number; nulls: number; selI: number; selF: number; a: number; b: number;
  out: number; res: number; setI: number; setF: number; copyDst: number; hashOut: number; all: number;
}

export interface Row {
  regime: 'array' | 'page';
  kernel: string;
  bytes: number;
  jsLoop: number | null;
  memcpy: number;
  backends: Record<string, number>;
}

interface KernelCase {
  name: string;
  /** Bytes read for `rows` rows. */
  bytes: (rows: number) => number;
  /** The backend call over rows [start, start + rows) (start a multiple of 8). */
  run: (b: Backend, L: Layout, start: number, rows: number) => void;
  /** The plain-JS equivalent, or null when there is none worth comparing. */
  loop: ((v: js.Views, L: Layout, start: number, rows: number) => void) | null;
}

const IN_I64 = [3n, 17n, 99n, 1000n, -5n];
const IN_F64 = [3, 17.5, 99, 1000, -5];
const col = (rows: number): number => rows * 8 + rows / 8;
const bits = (rows: number): number => rows / 8;

const o8 = (at: number, start: number): number => at + start * 8;
const ob = (at: number, start: number): number => at + start / 8;

export const CASES: KernelCase[] = [
  { name: 'compare i64 (x BETWEEN lo AND hi)', bytes: col,
    run: (b, L, s, n) => b.rangeI64(o8(L.i64, s), ob(L.nulls, s), n, 100n, 1n << 40n, false, ob(L.out, s)),
    loop: (v, L, s, n) => js.rangeI64Loop(v, o8(L.i64, s), ob(L.nulls, s), n, 100n, 1n << 40n, ob(L.out, s)) },
  { name: 'compare f64 (x > c)', bytes: col,
    run: (b, L, s, n) => b.rangeF64(o8(L.f64, s), ob(L.nulls, s), n, 0.5, Infinity, false, ob(L.out, s)),
    loop: (v, L, s, n) => js.rangeF64Loop(v, o8(L.f64, s), ob(L.nulls, s), n, 0.5, Infinity, ob(L.out, s)) },
  { name: 'in-list i64 (5 values)', bytes: col,
    run: (b, L, s, n) => b.inI64(o8(L.i64, s), ob(L.nulls, s), n, L.setI, IN_I64.length, false, ob(L.out, s)),
    loop: (v, L, s, n) => js.inI64Loop(v, o8(L.i64, s), ob(L.nulls, s), n, IN_I64, ob(L.out, s)) },
  { name: 'in-list f64 (5 values)', bytes: col,
    run: (b, L, s, n) => b.inF64(o8(L.f64, s), ob(L.nulls, s), n, L.setF, IN_F64.length, false, ob(L.out, s)),
    loop: null },
  { name: 'not-null f64 (NULL or NaN)', bytes: col,
    run: (b, L, s, n) => b.validF64(o8(L.f64, s), ob(L.nulls, s), n, ob(L.out, s)), loop: null },
  { name: 'and', bytes: (n) => 2 * bits(n),
    run: (b, L, s, n) => b.andBits(ob(L.a, s), ob(L.b, s), n, ob(L.out, s)),
    loop: (v, L, s, n) => js.andLoop(v, ob(L.a, s), ob(L.b, s), n, ob(L.out, s)) },
  { name: 'or', bytes: (n) => 2 * bits(n), run: (b, L, s, n) => b.orBits(ob(L.a, s), ob(L.b, s), n, ob(L.out, s)), loop: null },
  { name: 'and-not', bytes: (n) => 2 * bits(n), run: (b, L, s, n) => b.andNotBits(ob(L.a, s), ob(L.b, s), n, ob(L.out, s)), loop: null },
  { name: 'not', bytes: bits, run: (b, L, s, n) => b.notBits(ob(L.a, s), n, ob(L.out, s)), loop: null },
  { name: 'popcount (COUNT)', bytes: bits,
    run: (b, L, s, n) => { b.popcount(ob(L.a, s), n); },
    loop: (v, L, s, n) => { js.popcountLoop(v, ob(L.a, s), n); } },
  { name: 'sum i64', bytes: col,
    run: (b, L, s, n) => b.sumI64(o8(L.i64, s), ob(L.selI, s), n, L.res),
    loop: (v, L, s, n) => { js.sumI64Loop(v, o8(L.i64, s), ob(L.selI, s), n); } },
  { name: 'sum f64 (half the rows)', bytes: col,
    run: (b, L, s, n) => b.sumF64(o8(L.f64, s), ob(L.selF, s), n, L.res),
    loop: (v, L, s, n) => { js.sumF64Loop(v, o8(L.f64, s), ob(L.selF, s), n); } },
  { name: 'sum f64 (every row)', bytes: col,
    run: (b, L, s, n) => b.sumF64(o8(L.f64, s), ob(L.all, s), n, L.res),
    loop: (v, L, s, n) => { js.sumF64Loop(v, o8(L.f64, s), ob(L.all, s), n); } },
  { name: 'hash i64 (GROUP BY keys)', bytes: col,
    run: (b, L, s, n) => b.hashI64(o8(L.i64, s), ob(L.nulls, s), n, 42, L.hashOut + 4 * s),
    loop: (v, L, s, n) => js.hashI64Loop(v, o8(L.i64, s), ob(L.nulls, s), n, 42, L.hashOut + 4 * s) },
  { name: 'hash f64 (GROUP BY keys)', bytes: col,
    run: (b, L, s, n) => b.hashF64(o8(L.f64, s), ob(L.nulls, s), n, 42, L.hashOut + 4 * s), loop: null },
  { name: 'min i64', bytes: col, run: (b, L, s, n) => { b.minI64(o8(L.i64, s), ob(L.selI, s), n); }, loop: null },
  { name: 'max i64', bytes: col,
    run: (b, L, s, n) => { b.maxI64(o8(L.i64, s), ob(L.selI, s), n); },
    loop: (v, L, s, n) => { js.maxI64Loop(v, o8(L.i64, s), ob(L.selI, s), n); } },
  { name: 'min f64', bytes: col,
    run: (b, L, s, n) => { b.minF64(o8(L.f64, s), ob(L.selF, s), n); },
    loop: (v, L, s, n) => { js.minF64Loop(v, o8(L.f64, s), ob(L.selF, s), n); } },
  { name: 'max f64', bytes: col, run: (b, L, s, n) => { b.maxF64(o8(L.f64, s), ob(L.selF, s), n); }, loop: null },
];

/** Calls `call(start, rows)` once per batch of the regime over all `total` rows. */
function regimeCall(regime: 'array' | 'page', total: number, call: (start: number, rows: number) => void): () => void {
  if (regime === 'array') return () => call(0, total);
  return () => { for (let s = 0; s < total; s += PAGE_ROWS) call(s, Math.min(PAGE_ROWS, total - s)); };
}

export function runSuite(mem: WebAssembly.Memory, L: Layout, list: Backend[], minMs: number, report: (r: Row) => void, only?: RegExp): void {
  const v = js.views(mem);
  const u8 = new Uint8Array(mem.buffer);
  for (const regime of ['array', 'page'] as const) {
    for (const c of CASES) {
      if (only !== undefined && !only.test(c.name)) continue;
      const bytes = c.bytes(L.rows);
      const copy = regimeCall(regime, L.rows, (s, n) => {
        const from = o8(L.i64, s), len = c.bytes(n);
        u8.copyWithin(L.copyDst, from, from + len);
      });
      const loop = c.loop === null ? null : regimeCall(regime, L.rows, (s, n) => c.loop!(v, L, s, n));
      const runs = list.map((b) => regimeCall(regime, L.rows, (s, n) => c.run(b, L, s, n)));
      const t = throughputs([copy, ...(loop === null ? [] : [loop]), ...runs], bytes, minMs);
      const memcpy = t[0]!;
      const jsLoop = loop === null ? null : t[1]!;
      const backends: Record<string, number> = {};
      list.forEach((b, k) => { backends[b.name] = t[k + (loop === null ? 1 : 2)]!; });
      report({ regime, kernel: c.name, bytes, jsLoop, memcpy, backends });
    }
  }
}
