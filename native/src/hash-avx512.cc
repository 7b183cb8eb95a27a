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
#include "murmur-avx512.h"

namespace helios {
namespace {

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
    load16(p, n, a, b);
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
