// f32 -> q4 row quantizers (kernels/q4/quant.h) against the spec in
// kernels/common/q4.h written out here (gemm_tester.h's q4_spec_quantize),
// the SIMD quantizer against the scalar one bit for bit, the round-trip error
// bound the spec states, and the nibble order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gemm_tester.h"
#include "kernels/q4/quant.h"

namespace qkv {
namespace {

uint32_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

// Quantizes x with `quantize` and checks it against the spec: d, m and every
// q (read through the spec's nibble order) equal, bit for bit; padding q = 0;
// nothing written past the row's arrays.
void check_against_spec(F32ToQ4RowFn quantize, const std::vector<float>& x, const char* what) {
  const size_t k = x.size(), blocks = q4_blocks(k);
  std::vector<uint8_t> buf(blocks * kQ4BlockBytes + 64, 0x5a);
  uint8_t* nibbles = buf.data() + 32;
  std::vector<float> d(blocks + 1, -3.0f), m(blocks + 1, -3.0f);
  quantize(k, x.data(), nibbles, d.data(), m.data());
  for (size_t i = 0; i < 32; ++i) {
    ASSERT_EQ(buf[i], 0x5a) << what << ": write before the nibbles";
    ASSERT_EQ(buf[32 + blocks * kQ4BlockBytes + i], 0x5a) << what << ": write past the nibbles";
  }
  ASSERT_EQ(d[blocks], -3.0f) << what;
  ASSERT_EQ(m[blocks], -3.0f) << what;
  const Q4SpecRow spec = q4_spec_quantize(x);
  for (size_t b = 0; b < blocks; ++b) {
    ASSERT_EQ(bits(d[b]), bits(spec.d[b])) << what << " k=" << k << " block " << b << ": " << d[b];
    ASSERT_EQ(bits(m[b]), bits(spec.m[b])) << what << " k=" << k << " block " << b << ": " << m[b];
    for (size_t i = 0; i < kQ4BlockSize; ++i) {
      // Byte j: value j low, value j + 16 high (common/q4.h), decoded here by hand.
      const uint8_t byte = nibbles[b * kQ4BlockBytes + i % 16];
      const int q = i < 16 ? byte & 15 : byte >> 4;
      const size_t c = b * kQ4BlockSize + i;
      ASSERT_EQ(q, c < k ? spec.q[c] : 0)
          << what << " k=" << k << " value " << c << " x=" << (c < k ? x[c] : 0);
    }
  }
}

TEST(Q4Quant, ScalarAndSimdFollowTheSpecOverAwkwardLengths) {
  std::mt19937 rng(11);
  for (size_t k : {1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 768, 1001}) {
    for (auto [lo, hi] : {std::pair<float, float>{-1, 1}, {0, 1e-3f}, {-50, -49}, {-1e6f, 3e5f}}) {
      std::uniform_real_distribution<float> dist(lo, hi);
      std::vector<float> x(k);
      for (float& v : x) v = dist(rng);
      check_against_spec(f32_to_q4_row__scalar, x, "scalar");
      check_against_spec(f32_to_q4_row__simd, x, "simd");
    }
  }
}

// Blocks that stress the rounding and the special cases: constant blocks
// (d = 0), signed zeros, values whose quotient lands on or next to a .5 tie,
// a single value, tiny ranges whose d is subnormal or underflows to 0.
TEST(Q4Quant, SpecialBlocksFollowTheSpec) {
  std::vector<std::vector<float>> rows;
  rows.push_back(std::vector<float>(32, 0.25f));
  rows.push_back(std::vector<float>(40, -0.0f));
  std::vector<float> zeros(64, 0.0f);
  for (size_t i = 0; i < 64; i += 3) zeros[i] = -0.0f;
  rows.push_back(zeros);
  // 0..15 in steps of 1 with halves: d = 1, quotients exactly k + 0.5 (ties).
  std::vector<float> ties;
  for (int i = 0; i < 32; ++i)
    ties.push_back(i % 2 ? 0.5f + static_cast<float>(i / 2) : static_cast<float>(i / 2));
  ties[0] = 0.0f;
  ties[1] = 15.0f;
  rows.push_back(ties);
  // Next to the ties, one ulp either side.
  std::vector<float> near_ties = ties;
  for (size_t i = 2; i < near_ties.size(); ++i) {
    near_ties[i] = std::nextafter(near_ties[i], i % 4 < 2 ? 0.0f : 20.0f);
  }
  rows.push_back(near_ties);
  rows.push_back({3.0f});
  rows.push_back({1e-45f, 0.0f, 2e-45f, 1e-44f});  // subnormal range: d underflows or is subnormal
  rows.push_back({std::numeric_limits<float>::min(), 0.0f, 1e-38f, 5e-39f});  // around the normal limit
  rows.push_back({-1e38f, 1e38f, 0.0f, 5e37f, -3e37f});                       // wide but finite range
  for (const auto& x : rows) {
    check_against_spec(f32_to_q4_row__scalar, x, "scalar");
    check_against_spec(f32_to_q4_row__simd, x, "simd");
  }
}

// Dequantized (q4_to_f32_row__scalar), every value is within the bound of
// common/q4.h: d / 2 plus float rounding, 2^-20 * (16 d + |m| + |x|). And
// q = 0 and q = 15 occur in every block of more than one distinct value (the
// min and the max), so the bound is tight at both ends.
TEST(Q4Quant, RoundTripErrorIsWithinHalfAStep) {
  std::mt19937 rng(12);
  for (size_t k : {1, 31, 32, 45, 96, 1000}) {
    for (float scale : {1e-3f, 1.0f, 1e4f}) {
      std::normal_distribution<float> dist(0.3f, scale);
      std::vector<float> x(k), y(k);
      for (float& v : x) v = dist(rng);
      std::vector<uint8_t> nibbles(q4_blocks(k) * kQ4BlockBytes);
      std::vector<float> d(q4_blocks(k)), m(q4_blocks(k));
      f32_to_q4_row__simd(k, x.data(), nibbles.data(), d.data(), m.data());
      q4_to_f32_row__scalar(k, nibbles.data(), d.data(), m.data(), y.data());
      for (size_t i = 0; i < k; ++i) {
        const size_t b = i / kQ4BlockSize;
        const double bound = 0.5 * d[b] + std::ldexp(16.0 * d[b] + std::fabs(m[b]) + std::fabs(x[i]), -20);
        ASSERT_LE(std::fabs(double(x[i]) - y[i]), bound)
            << "k=" << k << " i=" << i << " x=" << x[i] << " d=" << d[b];
        // The stored value is the spec's float(d * q) + m.
        const float dq = d[b] * static_cast<float>(q4_nibble(nibbles.data() + b * kQ4BlockBytes, i % 32));
        ASSERT_EQ(bits(y[i]), bits(dq + m[b]));
      }
      for (size_t b = 0; b < q4_blocks(k); ++b) {
        if (d[b] == 0.0f) continue;
        bool has0 = false, has15 = false;
        for (size_t i = b * 32; i < std::min(k, b * 32 + 32); ++i) {
          const int q = q4_nibble(nibbles.data() + b * kQ4BlockBytes, i % 32);
          has0 |= q == 0;
          has15 |= q == 15;
        }
        EXPECT_TRUE(has0 && has15) << "k=" << k << " block " << b;
      }
    }
  }
}

// Non-finite inputs are outside the spec: their block's q is unspecified (the
// sanitized build checks that no float-to-int conversion is undefined), and
// the other blocks of the row are unaffected.
TEST(Q4Quant, NonFiniteInputsStayInTheirBlock) {
  std::vector<float> x(96);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3f * static_cast<float>(i));
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[35] = std::numeric_limits<float>::infinity();
  x[36] = -std::numeric_limits<float>::infinity();
  const std::vector<float> finite(x.begin() + 64, x.end());
  const Q4SpecRow spec = q4_spec_quantize(finite);
  for (F32ToQ4RowFn f : {f32_to_q4_row__scalar, f32_to_q4_row__simd}) {
    std::vector<uint8_t> nibbles(3 * kQ4BlockBytes);
    std::vector<float> d(3), m(3);
    f(x.size(), x.data(), nibbles.data(), d.data(), m.data());
    ASSERT_EQ(bits(d[2]), bits(spec.d[0]));
    ASSERT_EQ(bits(m[2]), bits(spec.m[0]));
    for (size_t i = 0; i < 32; ++i)
      ASSERT_EQ(q4_nibble(nibbles.data() + 2 * kQ4BlockBytes, i), spec.q[i]) << i;
  }
}

// x_sums[b] = float(sum of the block's q8 values) * scale: the sums here are
// written out by hand for extreme values.
TEST(Q4Quant, ActivationSums) {
  std::vector<int8_t> xq(96, 0);
  for (size_t i = 0; i < 32; ++i) xq[i] = 127;
  for (size_t i = 32; i < 64; ++i) xq[i] = -127;
  for (size_t i = 64; i < 70; ++i) xq[i] = static_cast<int8_t>(i % 2 ? -5 : 9);
  const float scales[] = {0.5f, 0.25f, 3.0f};
  float sums[3];
  q4_activation_sums(70, xq.data(), scales, sums);
  EXPECT_EQ(sums[0], 127.0f * 32 * 0.5f);
  EXPECT_EQ(sums[1], -127.0f * 32 * 0.25f);
  EXPECT_EQ(sums[2], 12.0f * 3.0f);
}

}  // namespace
}  // namespace qkv
