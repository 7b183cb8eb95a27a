// AVX2 kernels. The whole file is compiled for AVX2 by the pragma (no global -mavx2), so the
// addon loads on any x86-64 and addon.cc calls these only when the CPU reports AVX2.
#pragma GCC target("avx2,popcnt")
#include <immintrin.h>

#include "common.h"
#include "kernels.h"

namespace helios {
namespace {

// Lane masks for 4 selection bits: lane k = -1 when bit k is set.
inline __m256i mask4(int bits) {
  const __m256i sel = _mm256_set_epi64x(8, 4, 2, 1);
  return _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(bits), sel), sel);
}
inline int bits4(__m256i m) { return _mm256_movemask_pd(_mm256_castsi256_pd(m)); }
inline int bits4(__m256d m) { return _mm256_movemask_pd(m); }
inline __m256i ld(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline __m256d ldd(const uint8_t* p) { return _mm256_loadu_pd(reinterpret_cast<const double*>(p)); }

void rangeI64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, int64_t lo, int64_t hi, bool negate, uint64_t out) {
  const __m256i vlo = _mm256_set1_epi64x(lo), vhi = _mm256_set1_epi64x(hi);
  const int flip = negate ? 0xff : 0;
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const uint8_t* p = base + col + uint64_t(i) * 8;
    const __m256i a = ld(p), b = ld(p + 32);
    // outside = lo > x | x > hi (AVX2 has only a signed greater-than).
    const __m256i oa = _mm256_or_si256(_mm256_cmpgt_epi64(vlo, a), _mm256_cmpgt_epi64(a, vhi));
    const __m256i ob = _mm256_or_si256(_mm256_cmpgt_epi64(vlo, b), _mm256_cmpgt_epi64(b, vhi));
    const int inside = ~(bits4(oa) | (bits4(ob) << 4)) & 0xff;
    base[out + (i >> 3)] = uint8_t((inside ^ flip) & ~base[nulls + (i >> 3)]);
  }
  rangeI64Tail(base, col, nulls, i, rows, lo, hi, negate, out);
}

inline __m256d rangeMaskF64(__m256d v, __m256d vlo, __m256d vhi, bool negate) {
  const __m256d inside = _mm256_and_pd(_mm256_cmp_pd(v, vlo, _CMP_GE_OQ), _mm256_cmp_pd(v, vhi, _CMP_LE_OQ));
  return negate ? _mm256_andnot_pd(inside, _mm256_cmp_pd(v, v, _CMP_ORD_Q)) : inside;
}

void rangeF64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, double lo, double hi, bool negate, uint64_t out) {
  const __m256d vlo = _mm256_set1_pd(lo), vhi = _mm256_set1_pd(hi);
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const uint8_t* p = base + col + uint64_t(i) * 8;
    const int bits = bits4(rangeMaskF64(ldd(p), vlo, vhi, negate)) | (bits4(rangeMaskF64(ldd(p + 32), vlo, vhi, negate)) << 4);
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)]);
  }
  rangeF64Tail(base, col, nulls, i, rows, lo, hi, negate, out);
}

}  // namespace

// IN: full 8-row chunks load their two vectors once and loop over the set.
void inI64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out) {
  const int flip = negate ? 0xff : 0;
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const uint8_t* p = base + col + uint64_t(i) * 8;
    const __m256i a = ld(p), b = ld(p + 32);
    __m256i ha = _mm256_setzero_si256(), hb = ha;
    for (int32_t k = 0; k < setLen; k++) {
      const __m256i v = _mm256_set1_epi64x(ld64(base + set + uint64_t(k) * 8));
      ha = _mm256_or_si256(ha, _mm256_cmpeq_epi64(a, v));
      hb = _mm256_or_si256(hb, _mm256_cmpeq_epi64(b, v));
    }
    const int bits = bits4(ha) | (bits4(hb) << 4);
    base[out + (i >> 3)] = uint8_t((bits ^ flip) & ~base[nulls + (i >> 3)]);
  }
  if (i < rows) {
    int bits = 0;
    for (int32_t j = 0; i + j < rows; j++) {
      const int64_t x = ld64(base + col + uint64_t(i + j) * 8);
      for (int32_t k = 0; k < setLen; k++) if (ld64(base + set + uint64_t(k) * 8) == x) { bits |= 1 << j; break; }
    }
    base[out + (i >> 3)] = uint8_t((bits ^ flip) & ~base[nulls + (i >> 3)] & lowBits(rows - i));
  }
}

void inF64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out) {
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const uint8_t* p = base + col + uint64_t(i) * 8;
    const __m256d a = ldd(p), b = ldd(p + 32);
    __m256d ha = _mm256_setzero_pd(), hb = ha;
    for (int32_t k = 0; k < setLen; k++) {
      const __m256d v = _mm256_set1_pd(ldf(base + set + uint64_t(k) * 8));
      ha = _mm256_or_pd(ha, _mm256_cmp_pd(a, v, _CMP_EQ_OQ));
      hb = _mm256_or_pd(hb, _mm256_cmp_pd(b, v, _CMP_EQ_OQ));
    }
    int bits = bits4(ha) | (bits4(hb) << 4);
    if (negate) bits = ~bits & (bits4(_mm256_cmp_pd(a, a, _CMP_ORD_Q)) | (bits4(_mm256_cmp_pd(b, b, _CMP_ORD_Q)) << 4));
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)]);
  }
  if (i < rows) {
    int bits = 0, valid = 0;
    for (int32_t j = 0; i + j < rows; j++) {
      const double x = ldf(base + col + uint64_t(i + j) * 8);
      if (x == x) valid |= 1 << j;
      for (int32_t k = 0; k < setLen; k++) if (ldf(base + set + uint64_t(k) * 8) == x) { bits |= 1 << j; break; }
    }
    if (negate) bits = ~bits & valid;
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)] & lowBits(rows - i));
  }
}

namespace {

void validF64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t out) {
  for (int32_t i = 0; i < rows; i += 8) {
    const int32_t m = rows - i < 8 ? rows - i : 8;
    int bits = 0;
    int32_t j = 0;
    for (; j + 4 <= m; j += 4) {
      const __m256d v = ldd(base + col + uint64_t(i + j) * 8);
      bits |= bits4(_mm256_cmp_pd(v, v, _CMP_ORD_Q)) << j;
    }
    for (; j < m; j++) if (ldf(base + col + uint64_t(i + j) * 8) == ldf(base + col + uint64_t(i + j) * 8)) bits |= 1 << j;
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)] & lowBits(m));
  }
}

void andBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) { andBitsImpl(b, x, y, r, o); }
void orBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) { orBitsImpl(b, x, y, r, o); }
void andNotBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) { andNotBitsImpl(b, x, y, r, o); }
void notBits(uint8_t* b, uint64_t x, int32_t r, uint64_t o) { notBitsImpl(b, x, r, o); }
int64_t popcount(uint8_t* b, uint64_t x, int32_t r) { return popcountImpl(b, x, r); }

void sumI64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows, uint64_t res) {
  const __m256i zero = _mm256_setzero_si256(), lo32 = _mm256_set1_epi64x(0xffffffffLL);
  __m256i posHi = zero, posLo = zero, negHiU = zero, negLo = zero, negCount = zero;
  const int32_t full = rows & ~7;
  for (int32_t i = 0; i < full; i += 8) {
    const int bits = base[sel + (i >> 3)];
    if (bits == 0) continue;
    for (int k = 0; k < 8; k += 4) {
      const __m256i v = _mm256_and_si256(ld(base + col + uint64_t(i + k) * 8), mask4(bits >> k));
      const __m256i isNeg = _mm256_cmpgt_epi64(zero, v);
      const __m256i pos = _mm256_andnot_si256(isNeg, v);
      const __m256i neg = _mm256_and_si256(isNeg, v);
      posHi = _mm256_add_epi64(posHi, _mm256_srli_epi64(pos, 32));
      posLo = _mm256_add_epi64(posLo, _mm256_and_si256(pos, lo32));
      // No 64-bit arithmetic shift in AVX2: add the logical one and subtract 2^32 per negative below.
      negHiU = _mm256_add_epi64(negHiU, _mm256_srli_epi64(neg, 32));
      negLo = _mm256_add_epi64(negLo, _mm256_and_si256(neg, lo32));
      negCount = _mm256_sub_epi64(negCount, isNeg);
    }
  }
  alignas(32) int64_t a[4], b[4], c[4], d[4], e[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(a), posHi);
  _mm256_store_si256(reinterpret_cast<__m256i*>(b), posLo);
  _mm256_store_si256(reinterpret_cast<__m256i*>(c), negHiU);
  _mm256_store_si256(reinterpret_cast<__m256i*>(d), negLo);
  _mm256_store_si256(reinterpret_cast<__m256i*>(e), negCount);
  // Sums are taken modulo 2^64 (unsigned), which is exact because each true total fits.
  uint64_t ph = 0, pl = 0, nh = 0, nl = 0;
  for (int l = 0; l < 4; l++) { ph += uint64_t(a[l]); pl += uint64_t(b[l]); nh += uint64_t(c[l]) - (uint64_t(e[l]) << 32); nl += uint64_t(d[l]); }
  for (int32_t i = full; i < rows; i++) {
    if (!bitAt(base + sel, i)) continue;
    const int64_t v = ld64(base + col + uint64_t(i) * 8);
    if (v > 0) { ph += uint64_t(v >> 32); pl += uint64_t(v) & 0xffffffffu; }
    else { nh += uint64_t(v >> 32); nl += uint64_t(v) & 0xffffffffu; }
  }
  st64(base + res, int64_t(ph));
  st64(base + res + 8, int64_t(pl));
  st64(base + res + 16, int64_t(nh));
  st64(base + res + 24, int64_t(nl));
}

void sumF64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows, uint64_t res) {
  // Masked TwoSum (see src/kernels/backend.ts): x is zeroed for unselected rows, and so is the
  // error term, which leaves s and c bit-identical there.
  const __m256d zero = _mm256_setzero_pd();
  __m256d s[2] = {zero, zero}, c[2] = {zero, zero};
  const int32_t full = rows & ~7;
  for (int32_t i = 0; i < full; i += 8) {
    const int bits = base[sel + (i >> 3)];
    if (bits == 0) continue;
    for (int h = 0; h < 2; h++) {
      const __m256d m = _mm256_castsi256_pd(mask4(bits >> (4 * h)));
      const __m256d x = _mm256_and_pd(ldd(base + col + uint64_t(i + 4 * h) * 8), m);
      const __m256d t = _mm256_add_pd(s[h], x);
      const __m256d z = _mm256_sub_pd(t, s[h]);
      const __m256d err = _mm256_add_pd(_mm256_sub_pd(s[h], _mm256_sub_pd(t, z)), _mm256_sub_pd(x, z));
      c[h] = _mm256_add_pd(c[h], _mm256_and_pd(err, m));
      s[h] = t;
    }
  }
  alignas(32) double ls[8], lc[8];
  _mm256_store_pd(ls, s[0]); _mm256_store_pd(ls + 4, s[1]);
  _mm256_store_pd(lc, c[0]); _mm256_store_pd(lc + 4, c[1]);
  for (int32_t i = full; i < rows; i++) if (bitAt(base + sel, i)) twoSum1(ls[i & 7], lc[i & 7], ldf(base + col + uint64_t(i) * 8));
  for (int l = 0; l < 8; l++) { stf(base + res + 8 * l, ls[l]); stf(base + res + 64 + 8 * l, lc[l]); }
}

// ---- key hashing (murmur3_x86_32 of each 64-bit key, 8 rows per step) ----------------------

inline __m256i rotl32(__m256i v, int r) { return _mm256_or_si256(_mm256_slli_epi32(v, r), _mm256_srli_epi32(v, 32 - r)); }

inline __m256i mixBlock(__m256i h, __m256i k) {
  k = _mm256_mullo_epi32(k, _mm256_set1_epi32(int(0xcc9e2d51u)));
  k = _mm256_mullo_epi32(rotl32(k, 15), _mm256_set1_epi32(0x1b873593));
  h = rotl32(_mm256_xor_si256(h, k), 13);
  return _mm256_add_epi32(_mm256_mullo_epi32(h, _mm256_set1_epi32(5)), _mm256_set1_epi32(int(0xe6546b64u)));
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

inline int64_t f64Key(double x) {
  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0 && std::trunc(x) == x) return int64_t(x);
  int64_t k;
  std::memcpy(&k, &x, 8);
  return k;
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

namespace {

int64_t minI64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  // Two accumulators (one per half of the byte) keep the compare-blend chains short.
  __m256i best[2] = {_mm256_set1_epi64x(INT64_MAX), _mm256_set1_epi64x(INT64_MAX)};
  const int32_t full = rows & ~7;
  for (int32_t i = 0; i < full; i += 8) {
    const int bits = base[sel + (i >> 3)];
    if (bits == 0) continue;
    for (int k = 0; k < 8; k += 4) {
      const __m256i v = ld(base + col + uint64_t(i + k) * 8);
      best[k >> 2] = _mm256_blendv_epi8(best[k >> 2], v, _mm256_and_si256(mask4(bits >> k), _mm256_cmpgt_epi64(best[k >> 2], v)));
    }
  }
  alignas(32) int64_t l[4];
  alignas(32) int64_t l2[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(l), best[0]);
  _mm256_store_si256(reinterpret_cast<__m256i*>(l2), best[1]);
  int64_t r = INT64_MAX;
  for (int k = 0; k < 4; k++) { if (l[k] < r) r = l[k]; if (l2[k] < r) r = l2[k]; }
  for (int32_t i = full; i < rows; i++) if (bitAt(base + sel, i)) { const int64_t v = ld64(base + col + uint64_t(i) * 8); if (v < r) r = v; }
  return r;
}

int64_t maxI64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  // Two accumulators (one per half of the byte) keep the compare-blend chains short.
  __m256i best[2] = {_mm256_set1_epi64x(INT64_MIN), _mm256_set1_epi64x(INT64_MIN)};
  const int32_t full = rows & ~7;
  for (int32_t i = 0; i < full; i += 8) {
    const int bits = base[sel + (i >> 3)];
    if (bits == 0) continue;
    for (int k = 0; k < 8; k += 4) {
      const __m256i v = ld(base + col + uint64_t(i + k) * 8);
      best[k >> 2] = _mm256_blendv_epi8(best[k >> 2], v, _mm256_and_si256(mask4(bits >> k), _mm256_cmpgt_epi64(v, best[k >> 2])));
    }
  }
  alignas(32) int64_t l[4];
  alignas(32) int64_t l2[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(l), best[0]);
  _mm256_store_si256(reinterpret_cast<__m256i*>(l2), best[1]);
  int64_t r = INT64_MIN;
  for (int k = 0; k < 4; k++) { if (l[k] > r) r = l[k]; if (l2[k] > r) r = l2[k]; }
  for (int32_t i = full; i < rows; i++) if (bitAt(base + sel, i)) { const int64_t v = ld64(base + col + uint64_t(i) * 8); if (v > r) r = v; }
  return r;
}

double minF64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  const __m256d inf = _mm256_set1_pd(INFINITY);
  __m256d best = inf;
  const int32_t full = rows & ~7;
  for (int32_t i = 0; i < full; i += 8) {
    const int bits = base[sel + (i >> 3)];
    if (bits == 0) continue;
    for (int k = 0; k < 8; k += 4) {
      const __m256d v = _mm256_blendv_pd(inf, ldd(base + col + uint64_t(i + k) * 8), _mm256_castsi256_pd(mask4(bits >> k)));
      best = _mm256_min_pd(best, v);
    }
  }
  alignas(32) double l[4];
  _mm256_store_pd(l, best);
  double r = INFINITY;
  for (int k = 0; k < 4; k++) if (l[k] < r) r = l[k];
  for (int32_t i = full; i < rows; i++) if (bitAt(base + sel, i)) { const double v = ldf(base + col + uint64_t(i) * 8); if (v < r) r = v; }
  return r;
}

double maxF64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  const __m256d ninf = _mm256_set1_pd(-INFINITY);
  __m256d best = ninf;
  const int32_t full = rows & ~7;
  for (int32_t i = 0; i < full; i += 8) {
    const int bits = base[sel + (i >> 3)];
    if (bits == 0) continue;
    for (int k = 0; k < 8; k += 4) {
      const __m256d v = _mm256_blendv_pd(ninf, ldd(base + col + uint64_t(i + k) * 8), _mm256_castsi256_pd(mask4(bits >> k)));
      best = _mm256_max_pd(best, v);
    }
  }
  alignas(32) double l[4];
  _mm256_store_pd(l, best);
  double r = -INFINITY;
  for (int k = 0; k < 4; k++) if (l[k] > r) r = l[k];
  for (int32_t i = full; i < rows; i++) if (bitAt(base + sel, i)) { const double v = ldf(base + col + uint64_t(i) * 8); if (v > r) r = v; }
  return r;
}

}  // namespace

const KernelSet kAvx2 = {rangeI64, rangeF64, inI64Avx2, inF64Avx2, validF64, andBits, orBits, andNotBits, notBits,
                         popcount, sumI64, sumF64, hashI64Avx2, hashF64Avx2, minI64, maxI64, minF64, maxF64};

}  // namespace helios
