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

// IN: the set values are broadcast once into registers (SetRegs, up to 8 at a time), then 32
// rows per step in four vectors, each with its own mask chain: a chain starts all-ones and each
// set value clears the lanes equal to it (a compare under the previous mask — no OR of mask
// registers, which is what made an earlier 512-bit version slower than AVX2). K is a template
// parameter so the chains are unrolled and stay in mask registers (with a run-time trip count
// GCC moved one chain through a general register every step: kmov both ways, ~6 cycles).
template <int K>
inline void inI64Block(const uint8_t* p, const __m512i* v, __mmask8 (&n)[4]) {
  const __m512i a = ld(p), b = ld(p + 64), c = ld(p + 128), d = ld(p + 192);
#pragma GCC unroll 8
  for (int k = 0; k < K; k++) {
    n[0] = _mm512_mask_cmpneq_epi64_mask(n[0], a, v[k]);
    n[1] = _mm512_mask_cmpneq_epi64_mask(n[1], b, v[k]);
    n[2] = _mm512_mask_cmpneq_epi64_mask(n[2], c, v[k]);
    n[3] = _mm512_mask_cmpneq_epi64_mask(n[3], d, v[k]);
  }
}

template <int K>
inline void inF64Block(const uint8_t* p, const __m512d* v, __mmask8 (&n)[4]) {
  const __m512d a = ldd(p), b = ldd(p + 64), c = ldd(p + 128), d = ldd(p + 192);
#pragma GCC unroll 8
  for (int k = 0; k < K; k++) {
    n[0] = _mm512_mask_cmp_pd_mask(n[0], a, v[k], _CMP_NEQ_UQ);
    n[1] = _mm512_mask_cmp_pd_mask(n[1], b, v[k], _CMP_NEQ_UQ);
    n[2] = _mm512_mask_cmp_pd_mask(n[2], c, v[k], _CMP_NEQ_UQ);
    n[3] = _mm512_mask_cmp_pd_mask(n[3], d, v[k], _CMP_NEQ_UQ);
  }
}

/**
 * Rows [0, full), full a multiple of 32: for each 32-row step, the misses (bit = no set value
 * equals the row) of the set's `len` values, taken 8 values per pass (a list longer than 8 makes
 * more passes, AND-ing the misses through `out`); the last pass writes finish(misses, row).
 */
template <bool F64, typename Finish>
inline void inSteps(uint8_t* base, uint64_t col, int32_t full, uint64_t set, int32_t len, uint64_t out, Finish finish) {
  for (int32_t at = 0; at == 0 || at < len; at += 8) {
    const int32_t k = len - at < 8 ? len - at : 8;
    const bool last = at + 8 >= len;
    __m512i vi[8];
    __m512d vf[8];
    for (int j = 0; j < 8; j++) {
      vi[j] = _mm512_set1_epi64(j < k ? ld64(base + set + uint64_t(at + j) * 8) : 0);
      vf[j] = _mm512_castsi512_pd(vi[j]);
    }
    for (int32_t i = 0; i < full; i += 32) {
      __mmask8 n[4] = {0xff, 0xff, 0xff, 0xff};
      const uint8_t* p = base + col + uint64_t(i) * 8;
#define HELIOS_IN_CASE(K) case K: if (F64) inF64Block<K>(p, vf, n); else inI64Block<K>(p, vi, n); break;
      switch (k) {
        HELIOS_IN_CASE(0) HELIOS_IN_CASE(1) HELIOS_IN_CASE(2) HELIOS_IN_CASE(3)
        HELIOS_IN_CASE(4) HELIOS_IN_CASE(5) HELIOS_IN_CASE(6) HELIOS_IN_CASE(7)
        default: if (F64) inF64Block<8>(p, vf, n); else inI64Block<8>(p, vi, n); break;
      }
#undef HELIOS_IN_CASE
      uint32_t miss = uint32_t(n[0]) | (uint32_t(n[1]) << 8) | (uint32_t(n[2]) << 16) | (uint32_t(n[3]) << 24);
      if (at > 0) { uint32_t prev; std::memcpy(&prev, base + out + (i >> 3), 4); miss &= prev; }
      if (last) miss = finish(miss, i);
      std::memcpy(base + out + (i >> 3), &miss, 4);
    }
  }
}

inline uint32_t nulls32(const uint8_t* base, uint64_t nulls, int32_t i) {
  uint32_t nl;
  std::memcpy(&nl, base + nulls + (i >> 3), 4);
  return nl;
}

void inI64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out) {
  const int32_t full = rows & ~31;
  const uint32_t flip = negate ? 0 : 0xffffffffu;  // a hit is a non-miss
  inSteps<false>(base, col, full, set, setLen, out, [&](uint32_t miss, int32_t i) { return (miss ^ flip) & ~nulls32(base, nulls, i); });
  const uint8_t* s = base + set;
  for (int32_t i = full; i < rows; i += 8) {  // last 0..31 rows, 8 at a time with masked loads
    const __mmask8 live = __mmask8(lowBits(rows - i < 8 ? rows - i : 8));
    const __m512i a = _mm512_maskz_loadu_epi64(live, base + col + uint64_t(i) * 8);
    __mmask8 na = live;
    for (int32_t k = 0; k < setLen; k++) na = _mm512_mask_cmpneq_epi64_mask(na, a, _mm512_set1_epi64(ld64(s + uint64_t(k) * 8)));
    base[out + (i >> 3)] = uint8_t((negate ? na : ~na) & live & ~base[nulls + (i >> 3)]);
  }
}

// As inI64 with IEEE equality: NEQ_UQ is true for NaN, so a NaN row (or set value) never hits;
// negated, the misses are kept only where the value is ordered.
void inF64(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out) {
  const int32_t full = rows & ~31;
  inSteps<true>(base, col, full, set, setLen, out, [&](uint32_t miss, int32_t i) {
    if (!negate) return ~miss & ~nulls32(base, nulls, i);
    const uint8_t* p = base + col + uint64_t(i) * 8;
    const uint32_t ord = uint32_t(_mm512_cmp_pd_mask(ldd(p), ldd(p), _CMP_ORD_Q)) |
                         (uint32_t(_mm512_cmp_pd_mask(ldd(p + 64), ldd(p + 64), _CMP_ORD_Q)) << 8) |
                         (uint32_t(_mm512_cmp_pd_mask(ldd(p + 128), ldd(p + 128), _CMP_ORD_Q)) << 16) |
                         (uint32_t(_mm512_cmp_pd_mask(ldd(p + 192), ldd(p + 192), _CMP_ORD_Q)) << 24);
    return miss & ord & ~nulls32(base, nulls, i);
  });
  const uint8_t* s = base + set;
  for (int32_t i = full; i < rows; i += 8) {
    const __mmask8 live = __mmask8(lowBits(rows - i < 8 ? rows - i : 8));
    const __m512d a = _mm512_maskz_loadu_pd(live, base + col + uint64_t(i) * 8);
    __mmask8 na = live;
    for (int32_t k = 0; k < setLen; k++) na = _mm512_mask_cmp_pd_mask(na, a, _mm512_set1_pd(ldf(s + uint64_t(k) * 8)), _CMP_NEQ_UQ);
    const int bits = negate ? (na & _mm512_cmp_pd_mask(a, a, _CMP_ORD_Q)) : ~na;
    base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)] & live);
  }
}

// Bitmap algebra: 256 bytes (2048 rows) per step in four independent 512-bit ops, then 64-byte
// steps, then bytes. Writing `out` block by block is also right when out is a or b (in place).
template <typename Op>
inline void bitmapOp(uint8_t* base, uint64_t a, uint64_t b, int32_t rows, uint64_t out, Op op) {
  const int32_t n = byteCount(rows);
  const uint8_t *pa = base + a, *pb = base + b;
  uint8_t* po = base + out;
  int32_t j = 0;
  for (; j + 256 <= n; j += 256) {
    const __m512i r0 = op(ld(pa + j), ld(pb + j)), r1 = op(ld(pa + j + 64), ld(pb + j + 64));
    const __m512i r2 = op(ld(pa + j + 128), ld(pb + j + 128)), r3 = op(ld(pa + j + 192), ld(pb + j + 192));
    _mm512_storeu_si512(po + j, r0);
    _mm512_storeu_si512(po + j + 64, r1);
    _mm512_storeu_si512(po + j + 128, r2);
    _mm512_storeu_si512(po + j + 192, r3);
  }
  for (; j + 64 <= n; j += 64) _mm512_storeu_si512(po + j, op(ld(pa + j), ld(pb + j)));
  for (; j < n; j++) po[j] = uint8_t(op(int(pa[j]), int(pb[j])));
  clearPadding(po, rows);
}

struct AndOp {
  __m512i operator()(__m512i p, __m512i q) const { return _mm512_and_si512(p, q); }
  int operator()(int p, int q) const { return p & q; }
};
struct OrOp {
  __m512i operator()(__m512i p, __m512i q) const { return _mm512_or_si512(p, q); }
  int operator()(int p, int q) const { return p | q; }
};
struct AndNotOp {
  __m512i operator()(__m512i p, __m512i q) const { return _mm512_andnot_si512(q, p); }
  int operator()(int p, int q) const { return p & ~q; }
};
struct NotOp {
  __m512i operator()(__m512i p, __m512i q) const { (void)q; return _mm512_ternarylogic_epi64(p, p, p, 0x55); }
  int operator()(int p, int q) const { (void)q; return ~p; }
};

void andBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) {
  bitmapOp(b, x, y, r, o, AndOp());
}
void orBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) {
  bitmapOp(b, x, y, r, o, OrOp());
}
void andNotBits(uint8_t* b, uint64_t x, uint64_t y, int32_t r, uint64_t o) {
  bitmapOp(b, x, y, r, o, AndNotOp());
}
void notBits(uint8_t* b, uint64_t x, int32_t r, uint64_t o) {
  // b = a: the second operand is ignored.
  bitmapOp(b, x, x, r, o, NotOp());
}
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
    // x is +0 in unselected lanes and s is never -0, so t = s there, bit for bit: no blend on
    // the s chain, whose add latency bounds this loop. (c keeps its mask: if s is ±Inf, the
    // error term of adding +0 is NaN, which an unselected row must not leave behind.)
    s = t;
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

const KernelSet kAvx512 = {rangeI64, rangeF64, inI64, inF64, validF64, andBits, orBits, andNotBits, notBits,
                           popcount, sumI64, sumF64, hashI64Avx512, hashF64Avx512, minI64, maxI64, minF64, maxF64};

}  // namespace helios
