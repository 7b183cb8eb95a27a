/**
 * Scan kernels: filters and aggregates over the fixed-width (i64/f64) column arrays of PAX leaf
 * pages, run in place in a shard's buffer-pool `WebAssembly.Memory`.
 *
 * What it owns: one interface ({@link Kernels}) over three interchangeable backends —
 *   - `avx512` / `avx2`: the optional C++ addon in `native/` (native-backend.ts),
 *   - `wasm`: WASM SIMD built from `wasm/assembly/` (wasm-backend.ts),
 *   - `none`: the scalar JavaScript reference (scalar-backend.ts),
 * chosen by `[performance] simd_acceleration` (select-backend.ts). Besides filters (comparisons,
 * BETWEEN, IN, bitmap algebra) and aggregates (COUNT, SUM/TOTAL/AVG, MIN, MAX) it gives GROUP BY
 * and join key hashes and the row numbers of a selection. Results never depend on the
 * backend: the property tests (test/kernels/) hold every backend bit-for-bit to the reference.
 *
 * What it may import: `src/errors.ts` only (a leaf layer). The SQL executor uses it; storage
 * hands it `FixedColumnView`s (src/storage/api.ts), which are {@link ColumnRef}s as they are
 * (test/kernels checks that at compile time; this file does not import storage).
 *
 * Usage, per shard and batch:
 * ```ts
 * const k = createKernels({ memory: pool.memory, scratch: pool.scratch, backend: cfg.simd_acceleration });
 * log.info({ backend: k.backend }, 'scan kernels');           // and export k.backend as a metric
 * const col = batch.fixedColumn(2);                           // { kind, memory, byteOffset, nullBitmapOffset }
 * if (col) {
 *   const sel = k.and(k.compare(col, batch.length, '>', 2.5), k.inList(other, batch.length, [1n, 7n]));
 *   k.sum(col, batch.length, sel, acc);                       // acc: SumAccumulator, per group
 *   k.reset();                                                // frees the batch's selections
 * }
 * ```
 *
 * Semantics (SQLite's): NULL is never selected and never aggregated; f64 NaN is read as NULL
 * (storage never stores NaN; a NaN found anyway is skipped, not propagated). Comparisons against
 * constants are exact across INTEGER/REAL (constants.ts). SUM/TOTAL/AVG go through
 * {@link SumAccumulator} (sum.ts), which reproduces SQLite's integer-overflow rule exactly and
 * sums REALs in a fixed 8-lane compensated order that every backend reproduces.
 *
 * Read next: kernels.ts (the object), constants.ts (predicate exactness), sum.ts (sum rules),
 * backend.ts (the backend contract), docs/kernels.md (the guided tour and measurements).
 */
import { HeliosError } from '../errors.js';
import { Kernels } from './kernels.js';
import { selectBackend, SIMD_ACCELERATION_VALUES, type SimdAcceleration } from './select-backend.js';

export { Kernels, type ColumnRef, type HashArray, type Selection } from './kernels.js';
export { hashKey } from './hash.js';
export { MemoryViews } from './memory-views.js';
export { SumAccumulator, type SumData } from './sum.js';
export type { BackendName } from './backend.js';
export type { CompareOp, SqlConstant } from './constants.js';
export { SIMD_ACCELERATION_VALUES, type SimdAcceleration } from './select-backend.js';

export interface KernelOptions {
  /** The shard's buffer-pool memory (shared or not); kernels read and write only inside it. */
  readonly memory: WebAssembly.Memory;
  /** A region of `memory` no page uses, for selections and results (≥ 256 KiB recommended). */
  readonly scratch: { readonly byteOffset: number; readonly byteLength: number };
  /** `[performance] simd_acceleration`. */
  readonly backend: SimdAcceleration;
  /** Where the choice and every fallback are reported (default: nowhere). */
  readonly log?: (message: string) => void;
}

/** Creates the kernels for one memory. Never fails for lack of SIMD: it falls back to scalar. */
export function createKernels(opts: KernelOptions): Kernels {
  if (!SIMD_ACCELERATION_VALUES.includes(opts.backend)) {
    throw new HeliosError('INTERNAL', `kernels: simd_acceleration must be one of ${SIMD_ACCELERATION_VALUES.join(', ')}, got ${JSON.stringify(opts.backend)}`);
  }
  const backend = selectBackend(opts.backend, opts.memory, opts.log ?? (() => {}));
  return new Kernels(backend, opts.memory, opts.scratch);
}
