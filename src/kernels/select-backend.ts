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
 * Below this many rows a native backend hands a column kernel to WASM too. Measured (rangeI64,
 * 2-core EPYC under load, node 20): 116 rows — a leaf of the 8 KiB-page orders table — 674 ns
 * per N-API call vs 85 ns into WASM; 1024 rows 851 vs 861 ns; 4096 rows 2.2 vs 2.8 µs; 16384
 * rows 8.4 vs 14.6 µs. So a call costs ~0.6 µs more; the break-even is where the native
 * kernel's speed-up pays that: ~720 rows for sum i64 (WASM ~8 GB/s vs AVX-512 ~45), ~1000 for
 * hashes, ~1300 for REAL sums and MIN/MAX, ~2000 for comparisons (bench/kernels array regime).
 * 1024 keeps page batches (~116 rows at 8 KiB pages) in WASM and anything larger native.
 */
export const NATIVE_MIN_ROWS = 1024;

/**
 * Loads one backend by name. A native backend takes its bitmap algebra (and/or/andNot/not/
 * popcount) from WASM when WASM loads: those kernels touch only ceil(rows/8) bytes, so per call
 * the N-API transition costs more than the work, and a WASM call costs ~10–100 ns
 * (bench/kernels, page regime). Its column kernels go to WASM below {@link NATIVE_MIN_ROWS}
 * rows (a page-sized batch) for the same reason. Results are the same either way (the backends
 * are held bit-identical by test/kernels/backends-agree).
 */
export function loadBackend(name: BackendName, memory: WebAssembly.Memory): Backend {
  switch (name) {
    case 'avx512': case 'avx2': {
      const native = loadNativeBackend(memory, name);
      let wasm: Backend;
      try { wasm = loadWasmBackend(memory); } catch { return native; }
      const m = NATIVE_MIN_ROWS;
      return {
        name: native.name,
        rangeI64: (col, nulls, rows, lo, hi, negate, out) => (rows < m ? wasm : native).rangeI64(col, nulls, rows, lo, hi, negate, out),
        rangeF64: (col, nulls, rows, lo, hi, negate, out) => (rows < m ? wasm : native).rangeF64(col, nulls, rows, lo, hi, negate, out),
        inI64: (col, nulls, rows, set, setLen, negate, out) => (rows < m ? wasm : native).inI64(col, nulls, rows, set, setLen, negate, out),
        inF64: (col, nulls, rows, set, setLen, negate, out) => (rows < m ? wasm : native).inF64(col, nulls, rows, set, setLen, negate, out),
        validF64: (col, nulls, rows, out) => (rows < m ? wasm : native).validF64(col, nulls, rows, out),
        sumI64: (col, sel, rows, res) => (rows < m ? wasm : native).sumI64(col, sel, rows, res),
        sumF64: (col, sel, rows, res) => (rows < m ? wasm : native).sumF64(col, sel, rows, res),
        hashI64: (col, nulls, rows, seed, out) => (rows < m ? wasm : native).hashI64(col, nulls, rows, seed, out),
        hashF64: (col, nulls, rows, seed, out) => (rows < m ? wasm : native).hashF64(col, nulls, rows, seed, out),
        minI64: (col, sel, rows) => (rows < m ? wasm : native).minI64(col, sel, rows),
        maxI64: (col, sel, rows) => (rows < m ? wasm : native).maxI64(col, sel, rows),
        minF64: (col, sel, rows) => (rows < m ? wasm : native).minF64(col, sel, rows),
        maxF64: (col, sel, rows) => (rows < m ? wasm : native).maxF64(col, sel, rows),
        andBits: wasm.andBits, orBits: wasm.orBits, andNotBits: wasm.andNotBits, notBits: wasm.notBits,
        popcount: wasm.popcount,
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
