#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "f16_reference.h"
#include "kernel_cases.h"
#include "kernels/common/f16.h"
#include "kernels/cvt/cvt.h"

namespace qkv {
namespace {

// Lengths that leave every tail remainder of the widest vector.
const std::vector<size_t> kSizes = sweep_sizes();

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Independent binary16 encoder: scale to units of the f16 ulp at the value's
// binade and let nearbyint (round half to even) pick the neighbour.
uint16_t f16_encode(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isnan(f)) return sign | 0x7e00;
  if (a >= 65520.0) return sign | 0x7c00;  // halfway to 2^16 and beyond round to inf
  const int e = a < 0x1p-14 ? -14 : std::ilogb(a);
  const double units = std::nearbyint(std::ldexp(a, 10 - e));   // in [0, 2048]
  if (a < 0x1p-14) return sign | static_cast<uint16_t>(units);  // subnormal (1024 = smallest normal)
  if (units == 2048) return sign | static_cast<uint16_t>((e + 16) << 10);  // rounded up to the next binade
  return sign | static_cast<uint16_t>((e + 15) << 10 | (static_cast<int>(units) - 1024));
}

std::vector<uint16_t> all_halves() {
  std::vector<uint16_t> h(65536);
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint16_t>(i);
  return h;
}

TEST(F16ToF32, EveryBitPatternIsExact) {
  const std::vector<uint16_t> h = all_halves();
  for (const auto& k : kF16ToF32Kernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> y(h.size());
    k.fn(h.size(), h.data(), y.data());
    for (size_t i = 0; i < h.size(); ++i) {
      const double ref = f16_reference(h[i]);
      if (std::isnan(ref)) {
        // NaN keeps its sign and payload (shifted into the high mantissa bits).
        ASSERT_TRUE(std::isnan(y[i])) << std::hex << i;
        ASSERT_EQ(bits_of(y[i]), (i & 0x8000u) << 16 | 0x7f800000u | (i & 0x3ffu) << 13) << std::hex << i;
      } else {
        ASSERT_EQ(static_cast<double>(y[i]), ref) << std::hex << i;
        ASSERT_EQ(std::signbit(y[i]), (i & 0x8000u) != 0) << std::hex << i;
      }
    }
  }
}

// Every length and start offset, so each lane position of the tail sees
// specials (the last 64 patterns: inf, NaN) and subnormals.
TEST(F16ToF32, TailsAndOffsets) {
  const std::vector<uint16_t> h = all_halves();
  for (size_t n : kSizes) {
    for (size_t wanted :
         {size_t{0}, size_t{1}, size_t{3}, size_t{0x7c00 - 7}, size_t{0xfc00 - 2}, 65536 - n}) {
      // Windows near the end are pulled back so they stay inside the table.
      const size_t start = std::min(wanted, h.size() - n);
      std::vector<float> y(n);
      f16_to_f32_ukernel__simd(n, h.data() + start, y.data());
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(bits_of(y[i]), bits_of(f16_to_f32(h[start + i]))) << "n=" << n << " start=" << start;
      }
    }
  }
}

TEST(Bf16ToF32, EveryBitPatternIsTheHighHalf) {
  const std::vector<uint16_t> h = all_halves();
  for (const auto& k : kBf16ToF32Kernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {size_t{65536}, size_t{65533}, size_t{7}}) {
      std::vector<float> y(n);
      k.fn(n, h.data() + (65536 - n), y.data());
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(bits_of(y[i]), static_cast<uint32_t>(h[65536 - n + i]) << 16);
    }
  }
  float one;
  const uint16_t bf_one = 0x3f80;
  bf16_to_f32_ukernel__simd(1, &bf_one, &one);
  EXPECT_EQ(one, 1.0f);
}

void expect_encodes(F32ToF16UkernelFn fn, const std::vector<float>& x) {
  std::vector<uint16_t> y(x.size());
  fn(x.size(), x.data(), y.data());
  for (size_t i = 0; i < x.size(); ++i) {
    const uint16_t ref = f16_encode(x[i]);
    if (std::isnan(x[i])) {
      ASSERT_EQ(y[i] & 0x7e00, 0x7e00) << "quiet NaN for " << std::hex << bits_of(x[i]);
      ASSERT_EQ(y[i] & 0x8000, ref & 0x8000) << "NaN sign for " << std::hex << bits_of(x[i]);
    } else {
      ASSERT_EQ(y[i], ref) << "x=" << x[i] << " bits " << std::hex << bits_of(x[i]);
    }
  }
}

TEST(F32ToF16, RoundTripsEveryHalf) {
  std::vector<float> x;
  for (uint32_t h = 0; h < 65536; ++h) {
    if (!std::isnan(f16_reference(static_cast<uint16_t>(h))))
      x.push_back(static_cast<float>(f16_reference(static_cast<uint16_t>(h))));
  }
  for (const auto& k : kF32ToF16Kernels) {
    SCOPED_TRACE(k.name);
    expect_encodes(k.fn, x);
  }
}

// Midpoints between neighbouring halves (ties to even) and the floats just
// below and above them, across subnormals, normals and the overflow edge.
TEST(F32ToF16, TiesAndTheirNeighboursRoundToNearestEven) {
  std::vector<float> x;
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    const double lo = f16_reference(static_cast<uint16_t>(h)),
                 hi = f16_reference(static_cast<uint16_t>(h + 1));
    const float mid = static_cast<float>((lo + hi) / 2);  // exact: a half has 11 significant bits
    for (float v : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      x.push_back(v);
      x.push_back(-v);
    }
  }
  for (const auto& k : kF32ToF16Kernels) {
    SCOPED_TRACE(k.name);
    expect_encodes(k.fn, x);
  }
}

// A strided sweep over all 2^32 float bit patterns (every class: zeros,
// float subnormals, underflow, overflow, inf, NaN payloads), at every tail length.
TEST(F32ToF16, StridedSweepOfAllFloats) {
  std::vector<float> x;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 65521) {
    const uint32_t bits = static_cast<uint32_t>(b);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    x.push_back(f);
  }
  for (const auto& k : kF32ToF16Kernels) {
    SCOPED_TRACE(k.name);
    expect_encodes(k.fn, x);
    for (size_t n : kSizes) {
      std::vector<float> part(x.end() - static_cast<std::ptrdiff_t>(n), x.end());
      expect_encodes(k.fn, part);
    }
  }
  const float specials[] = {0.0f,
                            -0.0f,
                            65504.0f,
                            65519.99f,
                            65520.0f,
                            -65520.0f,
                            1e-8f,
                            2.98e-8f,
                            2.99e-8f,
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::max()};
  for (const auto& k : kF32ToF16Kernels)
    expect_encodes(k.fn, std::vector<float>(std::begin(specials), std::end(specials)));
}

TEST(F32ToF16, RandomValuesMatchScalarBitForBit) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<uint32_t> bits;
  for (size_t n : kSizes) {
    std::vector<float> x(n);
    for (float& v : x) {
      const uint32_t b = bits(rng);
      std::memcpy(&v, &b, sizeof v);
    }
    std::vector<uint16_t> y(n), ref(n);
    f32_to_f16_ukernel__simd(n, x.data(), y.data());
    f32_to_f16_ukernel__scalar(n, x.data(), ref.data());
    ASSERT_EQ(y, ref) << "n=" << n;
  }
}

}  // namespace
}  // namespace qkv
