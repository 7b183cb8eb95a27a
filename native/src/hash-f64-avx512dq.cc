// Key hashing of f64 columns with AVX-512DQ: the same keys and hashes as hashF64Avx512
// (hash-avx512.cc) and the scalar reference (src/kernels/hash.ts), with the key computed by a
// conversion round trip instead of AVX-512F's roundscale / 4 range compares / magic-number add /
// exact scalar path for whole numbers from 2^51 up.
//
//   k     = vcvttpd2qq(x)     truncation to i64; NaN, ±Inf and |x| ≥ 2^63 give INT64_MIN
//   whole = vcvtqq2pd(k) == x exact for every k that came from a double, so equal ⇔ x is a whole
//                             number in [-2^63, 2^63) (ordered compare: NaN is never whole;
//                             -0.0 == +0.0, so -0 gets key 0 like +0)
//   key   = whole ? k : bits(x)
//
// 3 ops per 8 keys instead of ~10 plus a branch, and no data-dependent slow path (a column of
// large whole numbers runs as fast as one of fractions). Out-of-range x takes INT64_MIN → back to
// -2^63 ≠ x, so it keeps its bits, as f64Key does; x = -2^63 itself converts exactly and keys as
// INT64_MIN, as f64Key does. Every AVX-512 CPU but Knights Landing/Mill has DQ; addon.cc swaps
// this in only when the CPU reports it. Compiled for DQ by the pragma only.
#pragma GCC target("avx512f,avx512dq,popcnt")
#include <immintrin.h>

#include "kernels.h"
#include "murmur-avx512.h"

namespace helios {
namespace {

inline __m512i key8dq(__m512d x) {
  const __m512i asInt = _mm512_cvtt_roundpd_epi64(x, _MM_FROUND_NO_EXC);
  const __mmask8 whole = _mm512_cmp_pd_mask(_mm512_cvtepi64_pd(asInt), x, _CMP_EQ_OQ);
  return _mm512_mask_blend_epi64(whole, _mm512_castpd_si512(x), asInt);
}

}  // namespace

void hashF64Avx512dq(uint8_t* base, uint64_t col, uint64_t nulls, int32_t rows, uint32_t seed, uint64_t out) {
  for (int32_t i = 0; i < rows; i += 16) {
    const int32_t n = rows - i < 16 ? rows - i : 16;
    const uint8_t* p = base + col + uint64_t(i) * 8;
    __m512i a, b;
    load16(p, n, a, b);
    const __m512d x0 = _mm512_castsi512_pd(a), x1 = _mm512_castsi512_pd(b);
    // NaN rows hash to 0 like NULL ones (the caller separates them with the null bitmap).
    // kunpckbw joins the two 8-lane NaN masks without a round trip through general registers.
    const uint32_t nan = _mm512_kunpackb(_mm512_cmp_pd_mask(x1, x1, _CMP_UNORD_Q), _mm512_cmp_pd_mask(x0, x0, _CMP_UNORD_Q));
    store16(base + out + uint64_t(i) * 4, hash16(key8dq(x0), key8dq(x1), seed), nullBits16(base + nulls, i, n) | nan, n);
  }
}

}  // namespace helios
