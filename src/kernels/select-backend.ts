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
 * Loads one backend by name. A native backend takes its bitmap algebra (and/or/andNot/not/
 * popcount) from WASM when WASM loads: those kernels touch only ceil(rows/8) bytes, so per call
 * the N-API transition (~50–100 ns) costs more than the work, and a WASM call costs ~10 ns
 * (bench/kernels, page regime). Results are the same either way; only the column kernels are
 * native.
 */
export function loadBackend(name: BackendName, memory: WebAssembly.Memory): Backend {
  switch (name) {
    case 'avx512': case 'avx2': {
      const native = loadNativeBackend(memory, name);
      let wasm: Backend;
      try { wasm = loadWasmBackend(memory); } catch { return native; }
      return {
        ...native,
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
