// The native scan kernels: one set per instruction-set level, same signatures and the same
// results, bit for bit, as the scalar reference in src/kernels/scalar-backend.ts (see
// src/kernels/backend.ts for the contract). `base` is the start of the WebAssembly.Memory's
// bytes; every offset is relative to it and has been bounds-checked by addon.cc.
#pragma once
#include <cstdint>

namespace helios {

struct KernelSet {
  void (*rangeI64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, int64_t lo, int64_t hi, bool negate, uint64_t out);
  void (*rangeF64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, double lo, double hi, bool negate, uint64_t out);
  void (*inI64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out);
  void (*inF64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out);
  void (*validF64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t out);
  void (*andBits)(uint8_t* base, uint64_t a, uint64_t b, int32_t rows, uint64_t out);
  void (*orBits)(uint8_t* base, uint64_t a, uint64_t b, int32_t rows, uint64_t out);
  void (*andNotBits)(uint8_t* base, uint64_t a, uint64_t b, int32_t rows, uint64_t out);
  void (*notBits)(uint8_t* base, uint64_t a, int32_t rows, uint64_t out);
  int64_t (*popcount)(uint8_t* base, uint64_t a, int32_t rows);
  void (*sumI64)(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows, uint64_t res);
  void (*sumF64)(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows, uint64_t res);
  void (*hashI64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);
  void (*hashF64)(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);
  int64_t (*minI64)(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows);
  int64_t (*maxI64)(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows);
  double (*minF64)(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows);
  double (*maxF64)(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows);
};

// Key hashing (murmur3_x86_32 of the 64-bit key, src/kernels/hash.ts): hash-avx2.cc, hash-avx512.cc.
void hashI64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);
void hashF64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);
void hashI64Avx512(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);
void hashF64Avx512(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);

/** hashF64 with AVX-512DQ's i64 conversions (hash-f64-avx512dq.cc); addon.cc swaps it in when the CPU has DQ. */
void hashF64Avx512dq(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out);

/** popcount with AVX512_VPOPCNTDQ; addon.cc swaps it into the AVX-512 set when the CPU has it. */
int64_t popcountVpopcntdq(uint8_t* base, uint64_t a, int32_t rows);

extern const KernelSet kAvx2;
extern const KernelSet kAvx512;

}  // namespace helios
