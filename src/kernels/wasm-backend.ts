/**
 * The WASM SIMD backend: `dist/wasm/kernels.wasm` (or `kernels-shared.wasm` for a shared
 * memory), built from `wasm/assembly/` by `npm run build:wasm`, instantiated over the caller's
 * memory so kernels read pages in place. The compiled modules are cached per thread; an instance
 * is cheap (no data segments, nothing written to memory).
 *
 * Loading fails — and {@link ./select-backend.ts} falls back to the scalar backend — when the
 * file is missing (a build without build:wasm), or the engine lacks SIMD.
 */
import { readFileSync } from 'node:fs';
import type { Backend } from './backend.js';

interface WasmKernelExports {
  rangeI64(col: number, nulls: number, rows: number, lo: bigint, hi: bigint, negate: number, out: number): void;
  rangeF64(col: number, nulls: number, rows: number, lo: number, hi: number, negate: number, out: number): void;
  inI64(col: number, nulls: number, rows: number, set: number, setLen: number, negate: number, out: number): void;
  inF64(col: number, nulls: number, rows: number, set: number, setLen: number, negate: number, out: number): void;
  validF64(col: number, nulls: number, rows: number, out: number): void;
  andBits(a: number, b: number, rows: number, out: number): void;
  orBits(a: number, b: number, rows: number, out: number): void;
  andNotBits(a: number, b: number, rows: number, out: number): void;
  notBits(a: number, rows: number, out: number): void;
  popcount(a: number, rows: number): number;
  sumI64(col: number, sel: number, rows: number, res: number): void;
  sumF64(col: number, sel: number, rows: number, res: number): void;
  hashI64(col: number, nulls: number, rows: number, seed: number, out: number): void;
  hashF64(col: number, nulls: number, rows: number, seed: number, out: number): void;
  minI64(col: number, sel: number, rows: number): bigint;
  maxI64(col: number, sel: number, rows: number): bigint;
  minF64(col: number, sel: number, rows: number): number;
  maxF64(col: number, sel: number, rows: number): number;
}

const modules = new Map<string, WebAssembly.Module>();

/** Where build:wasm writes the modules, relative to this file in dist/src/kernels/. */
function moduleUrl(shared: boolean): URL {
  return new URL(shared ? '../../wasm/kernels-shared.wasm' : '../../wasm/kernels.wasm', import.meta.url);
}

function compiled(shared: boolean): WebAssembly.Module {
  const url = moduleUrl(shared);
  let mod = modules.get(url.href);
  if (mod === undefined) {
    const bytes = readFileSync(url);
    if (!WebAssembly.validate(bytes)) {
      throw new Error(`${url.pathname} does not validate (no WebAssembly SIMD in this engine?)`);
    }
    mod = new WebAssembly.Module(bytes);
    modules.set(url.href, mod);
  }
  return mod;
}

/** True when the memory is a shared one (its buffer is a SharedArrayBuffer). */
function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

export function loadWasmBackend(memory: WebAssembly.Memory): Backend {
  const instance = new WebAssembly.Instance(compiled(isShared(memory)), { env: { memory } });
  const k = instance.exports as unknown as WasmKernelExports;
  // Direct calls: each method is one JS→wasm transition, no views to refresh (wasm always sees
  // the memory's current size).
  return {
    name: 'wasm',
    rangeI64: (col, nulls, rows, lo, hi, negate, out) => k.rangeI64(col, nulls, rows, lo, hi, negate ? 1 : 0, out),
    rangeF64: (col, nulls, rows, lo, hi, negate, out) => k.rangeF64(col, nulls, rows, lo, hi, negate ? 1 : 0, out),
    inI64: (col, nulls, rows, set, setLen, negate, out) => k.inI64(col, nulls, rows, set, setLen, negate ? 1 : 0, out),
    inF64: (col, nulls, rows, set, setLen, negate, out) => k.inF64(col, nulls, rows, set, setLen, negate ? 1 : 0, out),
    validF64: (col, nulls, rows, out) => k.validF64(col, nulls, rows, out),
    andBits: (a, b, rows, out) => k.andBits(a, b, rows, out),
    orBits: (a, b, rows, out) => k.orBits(a, b, rows, out),
    andNotBits: (a, b, rows, out) => k.andNotBits(a, b, rows, out),
    notBits: (a, rows, out) => k.notBits(a, rows, out),
    popcount: (a, rows) => k.popcount(a, rows),
    sumI64: (col, sel, rows, res) => k.sumI64(col, sel, rows, res),
    sumF64: (col, sel, rows, res) => k.sumF64(col, sel, rows, res),
    hashI64: (col, nulls, rows, seed, out) => k.hashI64(col, nulls, rows, seed, out),
    hashF64: (col, nulls, rows, seed, out) => k.hashF64(col, nulls, rows, seed, out),
    minI64: (col, sel, rows) => k.minI64(col, sel, rows),
    maxI64: (col, sel, rows) => k.maxI64(col, sel, rows),
    minF64: (col, sel, rows) => k.minF64(col, sel, rows),
    maxF64: (col, sel, rows) => k.maxF64(col, sel, rows),
  };
}
