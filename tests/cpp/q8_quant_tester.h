// Builder-style tester for f32 -> q8 row quantizers and q8 -> f32 row
// dequantizers: Q8QuantTester().k(33).Test(f32_to_q8_row__simd, q8_to_f32_row__simd).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/q8/quant.h"

namespace qkv {

class Q8QuantTester {
 public:
  // clang-format off
  Q8QuantTester& k(size_t value) { k_ = value; return *this; }
  Q8QuantTester& range(float lo, float hi) { lo_ = lo; hi_ = hi; return *this; }
  // Fraction of values forced to zero (whole zero blocks appear when high).
  Q8QuantTester& zero_fraction(double value) { zero_fraction_ = value; return *this; }
  Q8QuantTester& iterations(size_t value) { iterations_ = value; return *this; }
  // clang-format on

  // Checks quantize against the scalar reference bit for bit and against the
  // format's definition (kernels/common/q8.h) written out here; then the
  // dequantizer against both.
  void Test(F32ToQ8RowFn quantize, Q8ToF32RowFn dequantize) const {
    std::mt19937 rng(static_cast<unsigned>(k_ * 31 + 1));
    std::uniform_real_distribution<float> dist(lo_, hi_);
    std::bernoulli_distribution zero(zero_fraction_);
    const size_t blocks = q8_blocks(k_), padded = q8_padded(k_);
    std::vector<float> x(k_), scales(blocks), scales_ref(blocks), y(k_), y_ref(k_);
    // Canaries around q catch writes past the padded row.
    std::vector<int8_t> q_buf(padded + 64, 0x5a), q_ref(padded);
    int8_t* q = q_buf.data() + 32;
    for (size_t it = 0; it < iterations_; ++it) {
      for (float& v : x) v = zero(rng) ? 0.0f : dist(rng);
      f32_to_q8_row__scalar(k_, x.data(), q_ref.data(), scales_ref.data());
      quantize(k_, x.data(), q, scales.data());
      for (size_t i = 0; i < 32; ++i) {
        ASSERT_EQ(q_buf[i], 0x5a) << "write before q";
        ASSERT_EQ(q_buf[32 + padded + i], 0x5a) << "write past q";
      }

      for (size_t b = 0; b < blocks; ++b) {
        ASSERT_EQ(scales[b], scales_ref[b]) << "k=" << k_ << " block " << b;
        double amax = 0;
        for (size_t i = b * kQ8BlockSize; i < std::min(k_, (b + 1) * kQ8BlockSize); ++i) {
          amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
        }
        ASSERT_EQ(scales[b], static_cast<float>(amax) / 127.0f) << "k=" << k_ << " block " << b;
      }
      for (size_t i = 0; i < padded; ++i) {
        ASSERT_EQ(q[i], q_ref[i]) << "k=" << k_ << " i=" << i;
        if (i >= k_) {
          ASSERT_EQ(q[i], 0) << "padding, k=" << k_ << " i=" << i;
          continue;
        }
        const float scale = scales[i / kQ8BlockSize];
        ASSERT_GE(q[i], -127);
        if (scale == 0.0f) {
          ASSERT_EQ(q[i], 0);
          continue;
        }
        // Nearest integer to the float quotient, ties away from zero.
        const double v = static_cast<double>(x[i] / scale);
        const double expected = std::clamp(std::trunc(v + std::copysign(0.5, v)), -127.0, 127.0);
        ASSERT_EQ(q[i], static_cast<int>(expected)) << "x=" << x[i] << " scale=" << scale;
        ASSERT_LE(std::fabs(q[i] * static_cast<double>(scale) - x[i]), 0.5001 * scale) << "x=" << x[i];
      }

      q8_to_f32_row__scalar(k_, q, scales.data(), y_ref.data());
      dequantize(k_, q, scales.data(), y.data());
      for (size_t i = 0; i < k_; ++i) {
        ASSERT_EQ(y[i], y_ref[i]) << "dequantize, k=" << k_ << " i=" << i;
        ASSERT_EQ(y[i], scales[i / kQ8BlockSize] * static_cast<float>(q[i])) << "k=" << k_ << " i=" << i;
      }
    }
  }

 private:
  size_t k_ = 1;
  float lo_ = -1.0f;
  float hi_ = 1.0f;
  double zero_fraction_ = 0.0;
  size_t iterations_ = 3;
};

}  // namespace qkv
