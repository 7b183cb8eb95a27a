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

// IN: up to 8 set values broadcast once into registers, then 8 rows (two vectors) per step: per
// value, a compare and an OR per vector. K is a template parameter so that loop is unrolled over
// registers (with a run-time count GCC re-broadcast each value from memory every step). Longer
// lists take several passes of 8, OR-ing the hits through `out`.
template <int K, bool F64>
inline int hits8(const uint8_t* p, const __m256i* v) {
  const __m256i a = ld(p), b = ld(p + 32);
  __m256i ha = _mm256_setzero_si256(), hb = ha;
#pragma GCC unroll 8
  for (int k = 0; k < K; k++) {
    if (F64) {
      ha = _mm256_or_si256(ha, _mm256_castpd_si256(_mm256_cmp_pd(_mm256_castsi256_pd(a), _mm256_castsi256_pd(v[k]), _CMP_EQ_OQ)));
      hb = _mm256_or_si256(hb, _mm256_castpd_si256(_mm256_cmp_pd(_mm256_castsi256_pd(b), _mm256_castsi256_pd(v[k]), _CMP_EQ_OQ)));
    } else {
      ha = _mm256_or_si256(ha, _mm256_cmpeq_epi64(a, v[k]));
      hb = _mm256_or_si256(hb, _mm256_cmpeq_epi64(b, v[k]));
    }
  }
  return bits4(ha) | (bits4(hb) << 4);
}

/** Rows [0, full), full a multiple of 8: out byte = finish(hit bits of the set's `len` values, row). */
template <bool F64, typename Finish>
inline void inSteps(uint8_t* base, uint64_t col, int32_t full, uint64_t set, int32_t len, uint64_t out, Finish finish) {
  for (int32_t at = 0; at == 0 || at < len; at += 8) {
    const int32_t k = len - at < 8 ? len - at : 8;
    const bool last = at + 8 >= len;
    __m256i v[8];
    for (int j = 0; j < 8; j++) v[j] = _mm256_set1_epi64x(j < k ? ld64(base + set + uint64_t(at + j) * 8) : 0);
    for (int32_t i = 0; i < full; i += 8) {
      const uint8_t* p = base + col + uint64_t(i) * 8;
      int hits;
#define HELIOS_IN_CASE(K) case K: hits = hits8<K, F64>(p, v); break;
      switch (k) {
        HELIOS_IN_CASE(0) HELIOS_IN_CASE(1) HELIOS_IN_CASE(2) HELIOS_IN_CASE(3)
        HELIOS_IN_CASE(4) HELIOS_IN_CASE(5) HELIOS_IN_CASE(6) HELIOS_IN_CASE(7)
        default: hits = hits8<8, F64>(p, v); break;
      }
#undef HELIOS_IN_CASE
      if (at > 0) hits |= base[out + (i >> 3)];
      base[out + (i >> 3)] = uint8_t(last ? finish(hits, i) : hits);
    }
  }
}

void inI64Avx2(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint64_t set, int32_t setLen, bool negate, uint64_t out) {
  const int flip = negate ? 0xff : 0;
  const int32_t full = rows & ~7;
  inSteps<false>(base, col, full, set, setLen, out, [&](int hits, int32_t i) { return (hits ^ flip) & ~base[nulls + (i >> 3)]; });
  const int32_t i = full;
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
  const int32_t full = rows & ~7;
  inSteps<true>(base, col, full, set, setLen, out, [&](int hits, int32_t i) {
    if (negate) {
      const uint8_t* p = base + col + uint64_t(i) * 8;
      const __m256d a = ldd(p), b = ldd(p + 32);
      hits = ~hits & (bits4(_mm256_cmp_pd(a, a, _CMP_ORD_Q)) | (bits4(_mm256_cmp_pd(b, b, _CMP_ORD_Q)) << 4));
    }
    return hits & ~base[nulls + (i >> 3)];
  });
  const int32_t i = full;
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

// Bitmap algebra: 128 bytes (1024 rows) per step in four independent 256-bit ops, then 32-byte
// steps, then bytes. Block by block is also right when out is a or b (in place).
template <typename Op>
inline void bitmapOp(uint8_t* base, uint64_t a, uint64_t b, int32_t rows, uint64_t out, Op op) {
  const int32_t n = byteCount(rows);
  const uint8_t *pa = base + a, *pb = base + b;
  uint8_t* po = base + out;
  int32_t j = 0;
  for (; j + 128 <= n; j += 128) {
    const __m256i r0 = op(ld(pa + j), ld(pb + j)), r1 = op(ld(pa + j + 32), ld(pb + j + 32));
    const __m256i r2 = op(ld(pa + j + 64), ld(pb + j + 64)), r3 = op(ld(pa + j + 96), ld(pb + j + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + j), r0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + j + 32), r1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + j + 64), r2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + j + 96), r3);
  }
  for (; j + 32 <= n; j += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + j), op(ld(pa + j), ld(pb + j)));
  for (; j < n; j++) po[j] = uint8_t(op(int(pa[j]), int(pb[j])));
  clearPadding(po, rows);
}

struct AndOp {
  __m256i operator()(__m256i p, __m256i q) const { return _mm256_and_si256(p, q); }
  int operator()(int p, int q) const { return p & q; }
};
struct OrOp {
  __m256i operator()(__m256i p, __m256i q) const { return _mm256_or_si256(p, q); }
  int operator()(int p, int q) const { return p | q; }
};
struct AndNotOp {
  __m256i operator()(__m256i p, __m256i q) const { return _mm256_andnot_si256(q, p); }
  int operator()(int p, int q) const { return p & ~q; }
};
struct NotOp {
  __m256i operator()(__m256i p, __m256i q) const { (void)q; return _mm256_xor_si256(p, _mm256_set1_epi32(-1)); }
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
  bitmapOp(b, x, x, r, o, NotOp());
}

// COUNT of a selection without VPOPCNTQ: Mula's nibble lookup (vpshufb over a 16-entry table of
// bit counts, both nibbles of 32 bytes per step), byte counts summed in 8-bit lanes for up to 31
// steps (at most 8 per byte per step, so no lane passes 255) and then widened with vpsadbw.
int64_t popcount(uint8_t* base, uint64_t a, int32_t rows) {
  const int32_t full = rows >> 3;
  const uint8_t* p = base + a;
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
  __m256i acc = zero;
  int32_t j = 0;
  while (j + 32 <= full) {
    const int32_t steps = (full - j) / 32 < 31 ? (full - j) / 32 : 31;
    __m256i c0 = zero, c1 = zero;  // two byte-count chains
    int32_t s = 0;
    for (; s + 2 <= steps; s += 2, j += 64) {
      const __m256i v0 = ld(p + j), v1 = ld(p + j + 32);
      c0 = _mm256_add_epi8(c0, _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v0, nib)),
                                               _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v0, 4), nib))));
      c1 = _mm256_add_epi8(c1, _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v1, nib)),
                                               _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v1, 4), nib))));
    }
    if (s < steps) {
      const __m256i v0 = ld(p + j);
      c0 = _mm256_add_epi8(c0, _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v0, nib)),
                                               _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v0, 4), nib))));
      j += 32;
    }
    acc = _mm256_add_epi64(acc, _mm256_add_epi64(_mm256_sad_epu8(c0, zero), _mm256_sad_epu8(c1, zero)));
  }
  alignas(32) int64_t l[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(l), acc);
  int64_t total = l[0] + l[1] + l[2] + l[3];
  for (; j + 8 <= full; j += 8) { uint64_t w; std::memcpy(&w, p + j, 8); total += __builtin_popcountll(w); }
  for (; j < full; j++) total += __builtin_popcount(p[j]);
  if (rows & 7) total += __builtin_popcount(p[full] & lowBits(rows & 7));
  return total;
}

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
