// AVX-512 (F) kernels: 8 rows per 512-bit vector, so one comparison mask is one bitmap byte.
// Compiled for AVX-512F by the pragma only; addon.cc calls these only when the CPU has it.
#pragma GCC target("avx512f,popcnt")
#include <immintrin.h>

#include "common.h"
#include "kernels.h"

namespace helios {
namespace {

inline __m512i ld(const uint8_t* p) { return _mm512_loadu_si512(p); }
inline __m512d ldd(const uint8_t* p) { return _mm512_loadu_pd(p); }

void rangeI64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, int64_t lo, int64_t hi, bool negate, uint64_t out) {
  const __m512i vlo = _mm512_set1_epi64(lo), vhi = _mm512_set1_epi64(hi);
  const int flip = negate ? 0xff : 0;
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const __m512i v = ld(base + col + uint64_t(i) * 8);
    const int inside = _mm512_cmp_epi64_mask(v, vlo, _MM_CMPINT_NLT) & _mm512_cmp_epi64_mask(v, vhi, _MM_CMPINT_LE);
    base[out + (i >> 3)] = uint8_t((inside ^ flip) & ~base[nulls + (i >> 3)]);
  }
  rangeI64Tail(base, col, nulls, i, rows, lo, hi, negate, out);
}

void rangeF64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, double lo, double hi, bool negate, uint64_t out) {
  const __m512d vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
  int32_t i = 0;
  for (; i + 8 <= rows; i += 8) {
    const __m512d v = ldd(base + col + uint64_t(i) * 8);
    const int inside = _mm512_cmp_pd_mask(v, vlo, _CMP_GE_OQ) & _mm512_cmp_pd_mask(v, vhi, _CMP_LE_OQ);
    const int bits = negate ? (~inside & _mm512_cmp_pd_mask(v, v, _CMP_ORD_Q)) : inside;
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)]);
  }
  rangeF64Tail(base, col, nulls, i, rows, lo, hi, negate, out);
}

void validF64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t out) {
  for (int32_t i = 0; i < rows; i += 8) {
    const int32_t m = rows - i < 8 ? rows - i : 8;
    const __mmask8 lanes = __mmask8(lowBits(m));
    const __m512d v = _mm512_maskz_loadu_pd(lanes, base + col + uint64_t(i) * 8);
    const int bits = _mm512_mask_cmp_pd_mask(lanes, v, v, _CMP_ORD_Q);
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)] & lowBits(m));
  }
}

void andBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) { andBitsImpl(b, x, y, r, o); }
void orBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) { orBitsImpl(b, x, y, r, o); }
void andNotBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) { andNotBitsImpl(b, x, y, r, o); }
void notBits(uint8_t* b, uint64_t x, int32_t r, uint64_t o) { notBitsImpl(b, x, r, o); }
int64_t popcount(uint8_t* b, uint64_t x, int32_t r) { return popcountImpl(b, x, r); }

void sumI64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows, uint64_t res) {
  const __m512i zero = _mm512_setzero_si512(), lo32 = _mm512_set1_epi64(0xffffffffLL);
  __m512i posHi = zero, posLo = zero, negHi = zero, negLo = zero;
  for (int32_t i = 0; i < rows; i += 8) {
    const __mmask8 m = __mmask8(base[sel + (i >> 3)] & lowBits(rows - i < 8 ? rows - i : 8));
    if (m == 0) continue;
    const __m512i v = _mm512_maskz_loadu_epi64(m, base + col + uint64_t(i) * 8);
    const __mmask8 isPos = _mm512_cmpgt_epi64_mask(v, zero);
    const __m512i pos = _mm512_maskz_mov_epi64(isPos, v);
    const __m512i neg = _mm512_maskz_mov_epi64(__mmask8(~isPos), v);
    posHi = _mm512_add_epi64(posHi, _mm512_srai_epi64(pos, 32));
    posLo = _mm512_add_epi64(posLo, _mm512_and_si512(pos, lo32));
    negHi = _mm512_add_epi64(negHi, _mm512_srai_epi64(neg, 32));
    negLo = _mm512_add_epi64(negLo, _mm512_and_si512(neg, lo32));
  }
  st64(base + res, _mm512_reduce_add_epi64(posHi));
  st64(base + res + 8, _mm512_reduce_add_epi64(posLo));
  st64(base + res + 16, _mm512_reduce_add_epi64(negHi));
  st64(base + res + 24, _mm512_reduce_add_epi64(negLo));
}

void sumF64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows, uint64_t res) {
  // One vector holds all 8 lanes; lane = row & 7 because every chunk starts at a multiple of 8.
  __m512d s = _mm512_setzero_pd(), c = _mm512_setzero_pd();
  for (int32_t i = 0; i < rows; i += 8) {
    const __mmask8 m = __mmask8(base[sel + (i >> 3)] & lowBits(rows - i < 8 ? rows - i : 8));
    if (m == 0) continue;
    const __m512d x = _mm512_maskz_loadu_pd(m, base + col + uint64_t(i) * 8);
    const __m512d t = _mm512_add_pd(s, x);
    const __m512d z = _mm512_sub_pd(t, s);
    const __m512d err = _mm512_add_pd(_mm512_sub_pd(s, _mm512_sub_pd(t, z)), _mm512_sub_pd(x, z));
    c = _mm512_mask_add_pd(c, m, c, err);
    s = _mm512_mask_mov_pd(s, m, t);
  }
  _mm512_storeu_pd(base + res, s);
  _mm512_storeu_pd(base + res + 64, c);
}

int64_t minI64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  __m512i best = _mm512_set1_epi64(INT64_MAX);
  for (int32_t i = 0; i < rows; i += 8) {
    const __mmask8 m = __mmask8(base[sel + (i >> 3)] & lowBits(rows - i < 8 ? rows - i : 8));
    if (m == 0) continue;
    best = _mm512_mask_min_epi64(best, m, best, _mm512_maskz_loadu_epi64(m, base + col + uint64_t(i) * 8));
  }
  return _mm512_reduce_min_epi64(best);
}

int64_t maxI64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  __m512i best = _mm512_set1_epi64(INT64_MIN);
  for (int32_t i = 0; i < rows; i += 8) {
    const __mmask8 m = __mmask8(base[sel + (i >> 3)] & lowBits(rows - i < 8 ? rows - i : 8));
    if (m == 0) continue;
    best = _mm512_mask_max_epi64(best, m, best, _mm512_maskz_loadu_epi64(m, base + col + uint64_t(i) * 8));
  }
  return _mm512_reduce_max_epi64(best);
}

double minF64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  __m512d best = _mm512_set1_pd(INFINITY);
  for (int32_t i = 0; i < rows; i += 8) {
    const __mmask8 m = __mmask8(base[sel + (i >> 3)] & lowBits(rows - i < 8 ? rows - i : 8));
    if (m == 0) continue;
    best = _mm512_mask_min_pd(best, m, best, _mm512_maskz_loadu_pd(m, base + col + uint64_t(i) * 8));
  }
  return _mm512_reduce_min_pd(best);
}

double maxF64(uint8_t* base, uint64_t col, uint64_t sel, int32_t rows) {
  __m512d best = _mm512_set1_pd(-INFINITY);
  for (int32_t i = 0; i < rows; i += 8) {
    const __mmask8 m = __mmask8(base[sel + (i >> 3)] & lowBits(rows - i < 8 ? rows - i : 8));
    if (m == 0) continue;
    best = _mm512_mask_max_pd(best, m, best, _mm512_maskz_loadu_pd(m, base + col + uint64_t(i) * 8));
  }
  return _mm512_reduce_max_pd(best);
}

}  // namespace

const KernelSet kAvx512 = {rangeI64, rangeF64, inI64Avx2, inF64Avx2, validF64, andBits, orBits, andNotBits, notBits,
                           popcount, sumI64, sumF64, hashI64Avx2, hashF64Avx2, minI64, maxI64, minF64, maxF64};

}  // namespace helios
