// Scalar pieces shared by the kernel files: the scalar popcount (the AVX-512 set's fallback
// without VPOPCNTDQ), the f64 hash key, and the row-at-a-time tails of the vector kernels.
// Included once per target file, so each copy is compiled for that target.
// No FMA contraction (-ffp-contract=off) and no fast-math: the TwoSum steps must round exactly
// as the scalar JavaScript reference does.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace helios {
namespace {

inline int64_t ld64(const uint8_t* p) { int64_t v; std::memcpy(&v, p, 8); return v; }
inline double ldf(const uint8_t* p) { double v; std::memcpy(&v, p, 8); return v; }
inline void st64(uint8_t* p, int64_t v) { std::memcpy(p, &v, 8); }
inline void stf(uint8_t* p, double v) { std::memcpy(p, &v, 8); }
inline int bitAt(const uint8_t* bitmap, int32_t i) { return (bitmap[i >> 3] >> (i & 7)) & 1; }
inline uint8_t lowBits(int32_t n) { return uint8_t((1u << n) - 1u); }
inline int32_t byteCount(int32_t rows) { return (rows + 7) >> 3; }

inline void clearPadding(uint8_t* out, int32_t rows) {
  if (rows & 7) out[rows >> 3] &= lowBits(rows & 7);
}

inline int64_t popcountImpl(uint8_t* base, uint64_t a, int32_t rows) {
  const int32_t full = rows >> 3;
  const uint8_t* p = base + a;
  int64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;  // four chains: popcnt throughput, not add latency
  int32_t j = 0;
  for (; j + 32 <= full; j += 32) {
    uint64_t w[4];
    std::memcpy(w, p + j, 32);
    t0 += __builtin_popcountll(w[0]);
    t1 += __builtin_popcountll(w[1]);
    t2 += __builtin_popcountll(w[2]);
    t3 += __builtin_popcountll(w[3]);
  }
  int64_t total = (t0 + t1) + (t2 + t3);
  for (; j + 8 <= full; j += 8) { uint64_t w; std::memcpy(&w, p + j, 8); total += __builtin_popcountll(w); }
  for (; j < full; j++) total += __builtin_popcount(p[j]);
  if (rows & 7) total += __builtin_popcount(p[full] & lowBits(rows & 7));
  return total;
}

// Tails: rows [i, rows) with i a multiple of 8, written as the last output byte.
inline void rangeI64Tail(uint8_t* base, uint64_t col, uint64_t nulls, int32_t i, int32_t rows, int64_t lo, int64_t hi, bool negate, uint64_t out) {
  if (i >= rows) return;
  int bits = 0;
  for (int32_t j = 0; i + j < rows; j++) {
    const int64_t x = ld64(base + col + uint64_t(i + j) * 8);
    if (x >= lo && x <= hi) bits |= 1 << j;
  }
  if (negate) bits ^= 0xff;
  base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)] & lowBits(rows - i));
}
inline void rangeF64Tail(uint8_t* base, uint64_t col, uint64_t nulls, int32_t i, int32_t rows, double lo, double hi, bool negate, uint64_t out) {
  if (i >= rows) return;
  int bits = 0;
  for (int32_t j = 0; i + j < rows; j++) {
    const double x = ldf(base + col + uint64_t(i + j) * 8);
    const bool inside = x >= lo && x <= hi;
    if (negate ? (!inside && x == x) : inside) bits |= 1 << j;
  }
  base[out + (i >> 3)] = uint8_t(bits & ~base[nulls + (i >> 3)] & lowBits(rows - i));
}

/** The hash key of an f64 (not NaN): its integer when whole and in i64 range, else its bits. */
inline int64_t f64Key(double x) {
  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0 && std::trunc(x) == x) return int64_t(x);
  int64_t k;
  std::memcpy(&k, &x, 8);
  return k;
}

// One TwoSum step on lane state (s, c); the vector code performs exactly these operations.
inline void twoSum1(double& s, double& c, double x) {
  const double t = s + x;
  const double z = t - s;
  c = c + ((s - (t - z)) + (x - z));
  s = t;
}

}  // namespace
}  // namespace helios
