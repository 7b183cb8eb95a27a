// Key hashing, AVX-512F: murmur3_x86_32 of each row's 64-bit key (src/kernels/hash.ts is the
// definition; hash-avx2.cc the 8-lane version), 16 rows per step in 32-bit lanes. What 512 bits
// buy here over AVX2 (measured in bench/kernels): twice the lanes per instruction on a core with
// full-width AVX-512 units, a native rotate (vprold: 1 op where AVX2 needs shift, shift, or),
// and masked loads/stores for the tail and the NULL rows (no scalar tail loop). The function
// itself is unchanged — it is part of the contract between backends (test/kernels pins it).
// Compiled for AVX-512F by the pragma only; addon.cc calls it only when the CPU has it.
#pragma GCC target("avx512f,popcnt")
#include <immintrin.h>

#include "common.h"
#include "kernels.h"

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

/**
 * Keys of 8 f64 lanes (see hash-avx2.cc key4): whole numbers below 2^51 in magnitude through the
 * 1.5·2^52 trick, non-whole numbers (and ±Inf, NaN) as their bits. `big` gets the lanes that are
 * whole numbers from 2^51 up to the i64 range, which the caller converts exactly, one by one.
 */
inline __m512i key8(__m512d x, __mmask8& big) {
  const __m512d magic = _mm512_set1_pd(6755399441055744.0);
  const __mmask8 whole = _mm512_cmp_pd_mask(_mm512_roundscale_pd(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), x, _CMP_EQ_OQ);
  const __mmask8 small = _mm512_cmp_pd_mask(_mm512_abs_pd(x), _mm512_set1_pd(2251799813685248.0), _CMP_LT_OQ);
  const __mmask8 inRange = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-9223372036854775808.0), _CMP_GE_OQ) &
                           _mm512_cmp_pd_mask(x, _mm512_set1_pd(9223372036854775808.0), _CMP_LT_OQ);
  big |= __mmask8(whole & ~small & inRange);
  const __m512i asInt = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(x, magic)), _mm512_castpd_si512(magic));
  return _mm512_mask_blend_epi64(__mmask8(whole & small), _mm512_castpd_si512(x), asInt);
}

}  // namespace

void hashI64Avx512(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out) {
  for (int32_t i = 0; i < rows; i += 16) {
    const int32_t n = rows - i < 16 ? rows - i : 16;
    const uint8_t* p = base + col + uint64_t(i) * 8;
    __m512i a, b;
    if (n == 16) {
      a = _mm512_loadu_si512(p);
      b = _mm512_loadu_si512(p + 64);
    } else {  // masked loads read nothing past the last row
      const uint32_t live = (1u << n) - 1;
      a = _mm512_maskz_loadu_epi64(__mmask8(live), p);
      b = _mm512_maskz_loadu_epi64(__mmask8(live >> 8), p + 64);
    }
    store16(base + out + uint64_t(i) * 4, hash16(a, b, seed), nullBits16(base + nulls, i, n), n);
  }
}

void hashF64Avx512(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out) {
  for (int32_t i = 0; i < rows; i += 16) {
    const int32_t n = rows - i < 16 ? rows - i : 16;
    const uint32_t live = n == 16 ? 0xffffu : (1u << n) - 1;
    const uint8_t* p = base + col + uint64_t(i) * 8;
    const __m512d x0 = _mm512_maskz_loadu_pd(__mmask8(live), p), x1 = _mm512_maskz_loadu_pd(__mmask8(live >> 8), p + 64);
    __mmask8 big = 0;
    __m512i k0 = key8(x0, big), k1 = key8(x1, big);
    if (big != 0) {  // rare: a whole number of 2^51 or more; convert this step's keys exactly
      alignas(64) double xs[16];
      alignas(64) int64_t keys[16];
      _mm512_store_pd(xs, x0);
      _mm512_store_pd(xs + 8, x1);
      for (int j = 0; j < 16; j++) keys[j] = f64Key(xs[j]);
      k0 = _mm512_load_si512(keys);
      k1 = _mm512_load_si512(keys + 8);
    }
    const uint32_t nan = uint32_t(_mm512_cmp_pd_mask(x0, x0, _CMP_UNORD_Q)) | (uint32_t(_mm512_cmp_pd_mask(x1, x1, _CMP_UNORD_Q)) << 8);
    store16(base + out + uint64_t(i) * 4, hash16(k0, k1, seed), nullBits16(base + nulls, i, n) | nan, n);
  }
}

}  // namespace helios
