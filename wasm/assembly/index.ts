// The HeliosDB-Lite scan kernels, compiled to one WebAssembly module with SIMD (v128).
//
// The module imports its memory (`env.memory`): it is instantiated over a shard's buffer pool,
// so kernels read page data in place. It has no data segments and no globals that live in
// memory, so instantiating it writes nothing into the pool. Every kernel takes byte offsets
// into that memory; the TypeScript side (src/kernels/wasm-backend.ts) owns the calling rules.
export { rangeI64, rangeF64, inI64, inF64, validF64 } from './compare';
export { andBits, orBits, andNotBits, notBits, popcount } from './bitmap';
export { sumI64, sumF64, minI64, maxI64, minF64, maxF64 } from './aggregate';
export { hashI64, hashF64 } from './hash';
