/**
 * Choosing a backend from `[performance] simd_acceleration`. Each request names a preference
 * chain; the first backend that loads wins, and every one skipped leaves a line in `log` saying
 * why (no addon, CPU lacks the ISA, no wasm file, no SIMD). The scalar reference always loads,
 * so the choice never fails and never changes results — only speed.
 *
 *   auto    avx512 → avx2 → wasm → none (the fastest that loads: see docs/kernels.md for the
 *                                        measurements behind this order)
 *   avx512  avx512 → avx2 → wasm → none
 *   avx2    avx2 → wasm → none
 *   neon    wasm → none                 (no NEON path is built; WASM SIMD maps onto NEON)
 *   wasm    wasm → none
 *   none    none
 */
import { HeliosError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import { loadNativeBackend } from './native-backend.js';
import { ScalarBackend } from './scalar-backend.js';
import { loadWasmBackend } from './wasm-backend.js';

export type SimdAcceleration = 'auto' | 'avx2' | 'avx512' | 'neon' | 'wasm' | 'none';

export const SIMD_ACCELERATION_VALUES: readonly SimdAcceleration[] = ['auto', 'avx2', 'avx512', 'neon', 'wasm', 'none'];

const CHAINS: Record<SimdAcceleration, readonly BackendName[]> = {
  auto: ['avx512', 'avx2', 'wasm', 'none'],
  avx512: ['avx512', 'avx2', 'wasm', 'none'],
  avx2: ['avx2', 'wasm', 'none'],
  neon: ['wasm', 'none'],
  wasm: ['wasm', 'none'],
  none: ['none'],
};

/**
 * Below these many rows a native backend hands a kernel to WASM. The break-even is where the
 * native kernel's speed-up pays for the extra cost of an N-API call over a WASM call: ~60 ns
 * (micro-benchmark of single calls, 2-core EPYC under load, node 20: popcount of 116 rows
 * 62 ns native vs 6 ns WASM; sum i64 of 519 rows 196 vs 539 ns). With the array-regime speeds
 * of bench/kernels (GB/s, WASM → AVX-512), rows = 60 ns ÷ (1/wasm − 1/native) ÷ 8 bytes:
 *
 *   compare  36 → 85    ~470 rows        sum i64   11 → 55    ~100 rows
 *   IN       20 → 33    ~370 rows        sum f64   19 → 48    ~150 rows
 *   MIN/MAX i64  26 → 72   ~310 rows     hash       9 → 44     ~90 rows
 *   MIN/MAX f64  46 → 70  ~1000 rows     (WASM MIN/MAX got faster in the third session)
 *   bitmaps (rows/8 bytes): popcount 30 → 177, and/or 71 → 160   ~17–31 Ki rows
 *
 * Rounded up to powers of two; MIN/MAX f64 one more doubling, because bench/kernels' page regime
 * (1024-row calls) measured WASM ahead of both native sets there (40 vs 33–35 GB/s). A leaf batch of the default 32 KiB page (~520 rows of the
 * orders table) thus runs its aggregates natively and its comparisons at the break-even.
 */
export const NATIVE_MIN_ROWS = { compare: 512, in: 512, minMaxI64: 512, minMaxF64: 2048, sum: 128, hash: 128, bitmap: 32768 } as const;

/**
 * Loads one backend by name. A native backend sends each call under its kernel's
 * {@link NATIVE_MIN_ROWS} to WASM (when WASM loads), where a call costs less than the work
 * saved. Results are the same either way (the backends are held bit-identical by
 * test/kernels/backends-agree).
 */
export function loadBackend(name: BackendName, memory: WebAssembly.Memory): Backend {
  switch (name) {
    case 'avx512': case 'avx2': {
      const native = loadNativeBackend(memory, name);
      let wasm: Backend;
      try { wasm = loadWasmBackend(memory); } catch { return native; }
      const { compare: c, in: i, minMaxI64: mi, minMaxF64: mf, sum: s, hash: h, bitmap: bm } = NATIVE_MIN_ROWS;
      return {
        name: native.name,
        rangeI64: (col, nulls, rows, lo, hi, negate, out) => (rows < c ? wasm : native).rangeI64(col, nulls, rows, lo, hi, negate, out),
        rangeF64: (col, nulls, rows, lo, hi, negate, out) => (rows < c ? wasm : native).rangeF64(col, nulls, rows, lo, hi, negate, out),
        inI64: (col, nulls, rows, set, setLen, negate, out) => (rows < i ? wasm : native).inI64(col, nulls, rows, set, setLen, negate, out),
        inF64: (col, nulls, rows, set, setLen, negate, out) => (rows < i ? wasm : native).inF64(col, nulls, rows, set, setLen, negate, out),
        validF64: (col, nulls, rows, out) => (rows < c ? wasm : native).validF64(col, nulls, rows, out),
        sumI64: (col, sel, rows, res) => (rows < s ? wasm : native).sumI64(col, sel, rows, res),
        sumF64: (col, sel, rows, res) => (rows < s ? wasm : native).sumF64(col, sel, rows, res),
        hashI64: (col, nulls, rows, seed, out) => (rows < h ? wasm : native).hashI64(col, nulls, rows, seed, out),
        hashF64: (col, nulls, rows, seed, out) => (rows < h ? wasm : native).hashF64(col, nulls, rows, seed, out),
        minI64: (col, sel, rows) => (rows < mi ? wasm : native).minI64(col, sel, rows),
        maxI64: (col, sel, rows) => (rows < mi ? wasm : native).maxI64(col, sel, rows),
        minF64: (col, sel, rows) => (rows < mf ? wasm : native).minF64(col, sel, rows),
        maxF64: (col, sel, rows) => (rows < mf ? wasm : native).maxF64(col, sel, rows),
        andBits: (a, b, rows, out) => (rows < bm ? wasm : native).andBits(a, b, rows, out),
        orBits: (a, b, rows, out) => (rows < bm ? wasm : native).orBits(a, b, rows, out),
        andNotBits: (a, b, rows, out) => (rows < bm ? wasm : native).andNotBits(a, b, rows, out),
        notBits: (a, rows, out) => (rows < bm ? wasm : native).notBits(a, rows, out),
        popcount: (a, rows) => (rows < bm ? wasm : native).popcount(a, rows),
      };
    }
    case 'wasm': return loadWasmBackend(memory);
    case 'none': return new ScalarBackend(memory);
  }
}

/**
 * The first backend of `requested`'s chain that loads. `loader` is replaceable so tests can make
 * a backend fail to load.
 */
export function selectBackend(requested: SimdAcceleration, memory: WebAssembly.Memory, log: (msg: string) => void,
  loader: (name: BackendName, memory: WebAssembly.Memory) => Backend = loadBackend): Backend {
  const chain = CHAINS[requested];
  if (chain === undefined) {
    throw new HeliosError('INTERNAL', `kernels: simd_acceleration must be one of ${SIMD_ACCELERATION_VALUES.join(', ')}, got ${JSON.stringify(requested)}`);
  }
  if (requested === 'neon') log('kernels: simd_acceleration = "neon": no native NEON backend is built; trying WASM SIMD');
  for (const name of chain) {
    try {
      const b = loader(name, memory);
      log(`kernels: simd_acceleration = "${requested}" → backend "${b.name}"`);
      return b;
    } catch (e) {
      log(`kernels: backend "${name}" unavailable (${e instanceof Error ? e.message : String(e)}); falling back`);
    }
  }
  // Unreachable: the scalar backend cannot fail to load.
  throw new HeliosError('INTERNAL', 'kernels: no backend could be loaded');
}
