/**
 * The native backend: the optional C++ addon `@heliosdb/simd-native` (built from `native/` at
 * install time when a compiler is there), with AVX2 and AVX-512 code paths chosen by CPU feature
 * detection inside the addon. It gets the memory's bytes through a Uint8Array (which N-API
 * exposes for ArrayBuffer and SharedArrayBuffer alike) and is rebound whenever `memory.grow()`
 * replaced the buffer. The addon also bounds-checks every range it touches (it cannot trap like
 * WASM), but {@link ./kernels.ts} has already validated them.
 */
import { createRequire } from 'node:module';
import type { Backend, BackendName } from './backend.js';

type Isa = 'avx2' | 'avx512';

/** The addon's kernel object: exactly the {@link Backend} calls, over memory it is (re)bound to. */
type NativeKernels = Omit<Backend, 'name'> & { rebind(bytes: Uint8Array): void };

interface NativeAddon {
  cpu(): { avx2: boolean; avx512: boolean };
  Kernels: new (bytes: Uint8Array, isa: Isa) => NativeKernels;
}

let addon: NativeAddon | Error | undefined;

/** The addon, or the Error that says why it is unavailable (cached per thread). */
export function nativeAddon(): NativeAddon | Error {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('@heliosdb/simd-native') as NativeAddon;
    } catch (e) {
      addon = e instanceof Error ? e : new Error(String(e));
    }
  }
  return addon;
}

/** Loads the native backend for `isa`; throws an Error saying why when it cannot. */
export function loadNativeBackend(memory: WebAssembly.Memory, isa: Isa): Backend {
  const a = nativeAddon();
  if (a instanceof Error) throw new Error(`native addon @heliosdb/simd-native not available: ${a.message.split('\n')[0]}`);
  const cpu = a.cpu();
  if (!cpu[isa]) throw new Error(`this CPU lacks ${isa === 'avx512' ? 'AVX-512 (F, BW, VL, DQ)' : 'AVX2'}`);
  let buffer = memory.buffer;
  const k = new a.Kernels(new Uint8Array(buffer), isa);
  const bound = (): NativeKernels => {
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      k.rebind(new Uint8Array(buffer));
    }
    return k;
  };
  const name: BackendName = isa;
  return {
    name,
    rangeI64: (col, nulls, rows, lo, hi, negate, out) => bound().rangeI64(col, nulls, rows, lo, hi, negate, out),
    rangeF64: (col, nulls, rows, lo, hi, negate, out) => bound().rangeF64(col, nulls, rows, lo, hi, negate, out),
    inI64: (col, nulls, rows, set, setLen, negate, out) => bound().inI64(col, nulls, rows, set, setLen, negate, out),
    inF64: (col, nulls, rows, set, setLen, negate, out) => bound().inF64(col, nulls, rows, set, setLen, negate, out),
    validF64: (col, nulls, rows, out) => bound().validF64(col, nulls, rows, out),
    andBits: (a2, b, rows, out) => bound().andBits(a2, b, rows, out),
    orBits: (a2, b, rows, out) => bound().orBits(a2, b, rows, out),
    andNotBits: (a2, b, rows, out) => bound().andNotBits(a2, b, rows, out),
    notBits: (a2, rows, out) => bound().notBits(a2, rows, out),
    popcount: (a2, rows) => bound().popcount(a2, rows),
    sumI64: (col, sel, rows, res) => bound().sumI64(col, sel, rows, res),
    sumF64: (col, sel, rows, res) => bound().sumF64(col, sel, rows, res),
    hashI64: (col, nulls, rows, seed, out) => bound().hashI64(col, nulls, rows, seed, out),
    hashF64: (col, nulls, rows, seed, out) => bound().hashF64(col, nulls, rows, seed, out),
    minI64: (col, sel, rows) => bound().minI64(col, sel, rows),
    maxI64: (col, sel, rows) => bound().maxI64(col, sel, rows),
    minF64: (col, sel, rows) => bound().minF64(col, sel, rows),
    maxF64: (col, sel, rows) => bound().maxF64(col, sel, rows),
  };
}
