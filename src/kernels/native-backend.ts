/**
 * The native backend: the optional C++ addon `@heliosdb/simd-native` (built from `native/` at
 * install time when a compiler is there), with AVX2 and AVX-512 code paths chosen by CPU feature
 * detection inside the addon. It gets the memory's bytes through a Uint8Array (which N-API
 * exposes for ArrayBuffer and SharedArrayBuffer alike) and is rebound whenever `memory.grow()`
 * replaced the buffer (detected without reading `memory.buffer` per call: see below). The addon also bounds-checks every range it touches (it cannot trap like
 * WASM), but {@link ./kernels.ts} has already validated them.
 */
import { createRequire } from 'node:module';
import type { Backend, BackendName } from './backend.js';

type Isa = 'avx2' | 'avx512';
/** What the addon accepts: 'avx512f' is the AVX-512 set without the VPOPCNTDQ / DQ swaps. */
type AddonIsa = Isa | 'avx512f';

/** The addon's kernel object: exactly the {@link Backend} calls, over memory it is (re)bound to. */
type NativeKernels = Omit<Backend, 'name'> & { rebind(bytes: Uint8Array): void };

interface NativeAddon {
  cpu(): { avx2: boolean; avx512: boolean };
  Kernels: new (bytes: Uint8Array, isa: AddonIsa) => NativeKernels;
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

/**
 * Loads the native backend for `isa`; throws an Error saying why when it cannot. The AVX-512 set
 * uses the VPOPCNTDQ popcount and the AVX-512DQ f64 hash where the CPU has them; `baseOnly`
 * keeps the plain AVX-512F versions instead (for tests, so both paths run on one machine).
 */
export function loadNativeBackend(memory: WebAssembly.Memory, isa: Isa, baseOnly = false): Backend {
  const a = nativeAddon();
  if (a instanceof Error) throw new Error(`native addon @heliosdb/simd-native not available: ${a.message.split('\n')[0]}`);
  const cpu = a.cpu();
  if (!cpu[isa]) throw new Error(`this CPU lacks ${isa === 'avx512' ? 'AVX-512F' : 'AVX2'}`);
  // The bytes the addon is bound to. `memory.buffer` is a C++ getter (60–110 ns on node 20, as
  // much as a small kernel), so calls do not read it; instead:
  // - a non-shared memory that grew detached this view: its byteLength reads 0 (an inlined
  //   property load), and the call rebinds first;
  // - a shared memory that grew keeps the old SharedArrayBuffer valid over the same bytes (it
  //   grows in place) but shorter: a call that reaches past it gets the addon's RangeError,
  //   rebinds and is retried once. A RangeError with nothing new to bind is a real one.
  let bytes = new Uint8Array(memory.buffer);
  const k = new a.Kernels(bytes, baseOnly && isa === 'avx512' ? 'avx512f' : isa);
  const rebind = (): boolean => {
    const buffer = memory.buffer;
    if (buffer === bytes.buffer) return false;
    bytes = new Uint8Array(buffer);
    k.rebind(bytes);
    return true;
  };
  function run<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const f = fn.bind(k);
    return (...args: A): R => {
      if (bytes.byteLength === 0) rebind();
      try {
        return f(...args);
      } catch (e) {
        if (e instanceof RangeError && rebind()) return f(...args);
        throw e;
      }
    };
  }
  const name: BackendName = isa;
  return {
    name,
    rangeI64: run(k.rangeI64), rangeF64: run(k.rangeF64), inI64: run(k.inI64), inF64: run(k.inF64),
    validF64: run(k.validF64), andBits: run(k.andBits), orBits: run(k.orBits), andNotBits: run(k.andNotBits),
    notBits: run(k.notBits), popcount: run(k.popcount), sumI64: run(k.sumI64), sumF64: run(k.sumF64),
    hashI64: run(k.hashI64), hashF64: run(k.hashF64), minI64: run(k.minI64), maxI64: run(k.maxI64),
    minF64: run(k.minF64), maxF64: run(k.maxF64),
  };
}
