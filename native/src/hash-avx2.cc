// Key hashing, AVX2: murmur3_x86_32 of each row's 64-bit key (src/kernels/hash.ts is the
// definition), 8 rows per step in 32-bit lanes. Used by the AVX2 kernel set; the AVX-512 set has
// its own 16-lane version (hash-avx512.cc). Compiled for AVX2 by the pragma only.
#pragma GCC target("avx2,popcnt")
#include <immintrin.h>

#include "common.h"
#include "kernels.h"

namespace helios {
namespace {

inline __m256i ld(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline __m256d ldd(const uint8_t* p) { return _mm256_loadu_pd(reinterpret_cast<const double*>(p)); }

inline __m256i rotl32(__m256i v, int r) { return _mm256_or_si256(_mm256_slli_epi32(v, r), _mm256_srli_epi32(v, 32 - r)); }

inline __m256i mixBlock(__m256i h, __m256i k) {
  k = _mm256_mullo_epi32(k, _mm256_set1_epi32(int(0xcc9e2d51u)));
  k = _mm256_mullo_epi32(rotl32(k, 15), _mm256_set1_epi32(0x1b873593));
  h = rotl32(_mm256_xor_si256(h, k), 13);
  // h * 5 as (h << 2) + h: one cycle instead of a 3–10 cycle vpmulld.
  return _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(h, 2), h), _mm256_set1_epi32(int(0xe6546b64u)));
}

/** Hashes of the 8 keys at p (8 × 8 bytes), in row order. */
inline __m256i hash8(const uint8_t* p, uint32_t seed) {
  const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m256i a = _mm256_permutevar8x32_epi32(ld(p), split);       // lo0..lo3 hi0..hi3
  const __m256i b = _mm256_permutevar8x32_epi32(ld(p + 32), split);  // lo4..lo7 hi4..hi7
  const __m256i lo = _mm256_permute2x128_si256(a, b, 0x20), hi = _mm256_permute2x128_si256(a, b, 0x31);
  __m256i h = mixBlock(mixBlock(_mm256_set1_epi32(int(seed)), lo), hi);
  h = _mm256_xor_si256(h, _mm256_set1_epi32(8));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(int(0x85ebca6bu)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(int(0xc2b2ae35u)));
  return _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
}

inline __m256i byteMask32(int bits) {
  const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(bits), sel), sel);
}


/** Hashes `n` (< 8) keys one at a time through hash8 on a zero-padded copy. */
inline void hashTail(const int64_t* keys, int32_t n, uint32_t seed, int nullBits, uint8_t* out) {
  alignas(32) int64_t k[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  alignas(32) uint32_t h[8];
  for (int32_t j = 0; j < n; j++) k[j] = keys[j];
  _mm256_store_si256(reinterpret_cast<__m256i*>(h), _mm256_andnot_si256(byteMask32(nullBits), hash8(reinterpret_cast<const uint8_t*>(k), seed)));
  std::memcpy(out, h, size_t(n) * 4);
}

}  // namespace

void hashI64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out) {
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const __m256i h = hash8(base + col + uint64_t(i) * 8, seed);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + out + uint64_t(i) * 4), _mm256_andnot_si256(byteMask32(base[nulls + (i >> 3)]), h));
  }
  if (i < rows) {
    int64_t keys[8];
    for (int32_t j = 0; i + j < rows; j++) keys[j] = ld64(base + col + uint64_t(i + j) * 8);
    hashTail(keys, rows - i, seed, base[nulls + (i >> 3)], base + out + uint64_t(i) * 4);
  }
}

/**
 * Keys of 4 f64 lanes, vectorized for whole numbers below 2^51 in magnitude (adding 1.5·2^52
 * puts them in the low mantissa bits) and for non-whole numbers (their bits). Sets `big` when a
 * lane is a whole number from 2^51 up to the i64 range, which the caller converts one by one.
 */
inline __m256i key4(__m256d x, bool& big) {
  const __m256d magic = _mm256_set1_pd(6755399441055744.0);
  const __m256d absx = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
  const __m256d whole = _mm256_cmp_pd(_mm256_round_pd(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), x, _CMP_EQ_OQ);
  const __m256d small = _mm256_cmp_pd(absx, _mm256_set1_pd(2251799813685248.0), _CMP_LT_OQ);
  const __m256d inRange = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(-9223372036854775808.0), _CMP_GE_OQ),
                                        _mm256_cmp_pd(x, _mm256_set1_pd(9223372036854775808.0), _CMP_LT_OQ));
  big = big || _mm256_movemask_pd(_mm256_and_pd(_mm256_andnot_pd(small, whole), inRange)) != 0;
  const __m256i asInt = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(x, magic)), _mm256_castpd_si256(magic));
  return _mm256_blendv_epi8(_mm256_castpd_si256(x), asInt, _mm256_castpd_si256(_mm256_and_pd(whole, small)));
}

void hashF64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out) {
  for (int32_t i = 0; i < rows; i += 8) {
    const int32_t n = rows - i < 8 ? rows - i : 8;
    alignas(32) int64_t keys[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int nan = 0;
    if (n == 8) {
      const __m256d x0 = ldd(base + col + uint64_t(i) * 8), x1 = ldd(base + col + uint64_t(i + 4) * 8);
      bool big = false;
      const __m256i k0 = key4(x0, big), k1 = key4(x1, big);
      nan = _mm256_movemask_pd(_mm256_cmp_pd(x0, x0, _CMP_UNORD_Q)) | (_mm256_movemask_pd(_mm256_cmp_pd(x1, x1, _CMP_UNORD_Q)) << 4);
      if (!big) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(keys), k0);
        _mm256_store_si256(reinterpret_cast<__m256i*>(keys + 4), k1);
        const __m256i h = hash8(reinterpret_cast<const uint8_t*>(keys), seed);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + out + uint64_t(i) * 4),
                            _mm256_andnot_si256(byteMask32(base[nulls + (i >> 3)] | nan), h));
        continue;
      }
      nan = 0;
    }
    for (int32_t j = 0; j < n; j++) {
      const double x = ldf(base + col + uint64_t(i + j) * 8);
      if (x != x) nan |= 1 << j;
      keys[j] = f64Key(x);
    }
    const int skip = base[nulls + (i >> 3)] | nan;
    if (n == 8) {
      const __m256i h = hash8(reinterpret_cast<const uint8_t*>(keys), seed);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + out + uint64_t(i) * 4), _mm256_andnot_si256(byteMask32(skip), h));
    } else {
      hashTail(keys, n, seed, skip, base + out + uint64_t(i) * 4);
    }
  }
}


}  // namespace helios
