// murmur3_x86_32 over 16 keys in 32-bit AVX-512 lanes, shared by hash-avx512.cc (AVX-512F) and
// hash-f64-avx512dq.cc (AVX-512DQ key conversion). Header-only and in an anonymous namespace, so
// each including file compiles its own copy for its own target pragma (which must enable at
// least avx512f before including this). The function is the contract between backends
// (src/kernels/hash.ts defines it; test/kernels pins its values).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace helios {
namespace {

inline __m512i mixBlock(__m512i h, __m512i k) {
  k = _mm512_mullo_epi32(k, _mm512_set1_epi32(int(0xcc9e2d51u)));
  k = _mm512_mullo_epi32(_mm512_rol_epi32(k, 15), _mm512_set1_epi32(0x1b873593));
  h = _mm512_rol_epi32(_mm512_xor_si512(h, k), 13);
  // h * 5 as (h << 2) + h: two 1-cycle ops instead of a multiply.
  return _mm512_add_epi32(_mm512_add_epi32(_mm512_slli_epi32(h, 2), h), _mm512_set1_epi32(int(0xe6546b64u)));
}

/** Hashes of 16 keys, rows 0–7 in `a` and 8–15 in `b` (8 × i64 each), in row order. */
inline __m512i hash16(__m512i a, __m512i b, uint32_t seed) {
  // Low words are the even 32-bit lanes of a:b, high words the odd ones.
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const __m512i lo = _mm512_permutex2var_epi32(a, even, b), hi = _mm512_permutex2var_epi32(a, odd, b);
  __m512i h = mixBlock(mixBlock(_mm512_set1_epi32(int(seed)), lo), hi);
  h = _mm512_xor_si512(h, _mm512_set1_epi32(8));
  h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
  h = _mm512_mullo_epi32(h, _mm512_set1_epi32(int(0x85ebca6bu)));
  h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 13));
  h = _mm512_mullo_epi32(h, _mm512_set1_epi32(int(0xc2b2ae35u)));
  return _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
}

/** Rows [0, n) of 8-byte keys at p (n in 1..16): 0–7 into a, 8–15 into b; nothing read past row n. */
inline void load16(const uint8_t* p, int32_t n, __m512i& a, __m512i& b) {
  if (n == 16) {
    a = _mm512_loadu_si512(p);
    b = _mm512_loadu_si512(p + 64);
  } else {  // masked loads: the tail reads nothing past the last row
    const uint32_t live = (1u << n) - 1;
    a = _mm512_maskz_loadu_epi64(__mmask8(live), p);
    b = _mm512_maskz_loadu_epi64(__mmask8(live >> 8), p + 64);
  }
}

/** The NULL bits of rows [i, i + n), n in 1..16, reading only the bitmap bytes those rows own. */
inline uint32_t nullBits16(const uint8_t* nulls, int32_t i, int32_t n) {
  uint32_t m = nulls[i >> 3];
  if (n > 8) m |= uint32_t(nulls[(i >> 3) + 1]) << 8;
  return m;
}

/** Stores the hashes of rows [i, i + n): 0 for rows in `skip`, nothing past row i + n. */
inline void store16(uint8_t* at, __m512i h, uint32_t skip, int32_t n) {
  const __m512i v = _mm512_maskz_mov_epi32(__mmask16(~skip), h);
  if (n == 16) _mm512_storeu_si512(at, v);
  else _mm512_mask_storeu_epi32(at, __mmask16((1u << n) - 1), v);
}

}  // namespace
}  // namespace helios
