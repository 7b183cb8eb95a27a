// COUNT of a selection with AVX512_VPOPCNTDQ, in its own file because it needs its own target
// (a per-function target attribute makes GCC emit a multiversioned C++ symbol instead).
// Compiled for the extension by the pragma only; addon.cc calls it only when the CPU has it.
#pragma GCC target("avx512f,avx512vpopcntdq,popcnt")
#include <immintrin.h>

#include "common.h"
#include "kernels.h"

namespace helios {

// 64 bitmap bytes per VPOPCNTQ, four independent accumulators so the adds do not chain. addon.cc
// puts it in the AVX-512 set only when the CPU reports the extension (Ice Lake, Zen 4 onwards);
// otherwise the set keeps its scalar popcnt loop.
int64_t popcountVpopcntdq(uint8_t* base, uint64_t a, int32_t rows) {
  const int32_t full = rows >> 3;
  const uint8_t* p = base + a;
  __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
  int32_t j = 0;
  for (; j + 256 <= full; j += 256) {
    s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(_mm512_loadu_si512(p + j)));
    s1 = _mm512_add_epi64(s1, _mm512_popcnt_epi64(_mm512_loadu_si512(p + j + 64)));
    s2 = _mm512_add_epi64(s2, _mm512_popcnt_epi64(_mm512_loadu_si512(p + j + 128)));
    s3 = _mm512_add_epi64(s3, _mm512_popcnt_epi64(_mm512_loadu_si512(p + j + 192)));
  }
  for (; j + 64 <= full; j += 64) s0 = _mm512_add_epi64(s0, _mm512_popcnt_epi64(_mm512_loadu_si512(p + j)));
  // The last 0..63 whole bytes through one masked load (8-byte words) and bytes.
  int64_t total = _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(s0, s1), _mm512_add_epi64(s2, s3)));
  for (; j + 8 <= full; j += 8) { uint64_t w; std::memcpy(&w, p + j, 8); total += __builtin_popcountll(w); }
  for (; j < full; j++) total += __builtin_popcount(p[j]);
  if (rows & 7) total += __builtin_popcount(p[full] & lowBits(rows & 7));
  return total;
}

}  // namespace helios
