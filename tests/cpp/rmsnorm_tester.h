// Builder-style tester for f32 RMSNorm microkernels:
// RmsNormTester().n(17).Test(f32_rmsnorm_ukernel__simd).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/f32-rmsnorm/rmsnorm.h"

namespace qkv {

class RmsNormTester {
 public:
  // clang-format off
  RmsNormTester& n(size_t value) { n_ = value; return *this; }
  RmsNormTester& range(float lo, float hi) { lo_ = lo; hi_ = hi; return *this; }
  RmsNormTester& weight(bool value) { weight_ = value; return *this; }
  RmsNormTester& eps(float value) { eps_ = value; return *this; }
  RmsNormTester& inplace(bool value) { inplace_ = value; return *this; }
  RmsNormTester& iterations(size_t value) { iterations_ = value; return *this; }
  // clang-format on

  // Compares fn with the scalar reference and with LlamaRMSNorm's formula
  // written out here in long double.
  void Test(F32RmsNormUkernelFn fn) const {
    std::mt19937 rng(static_cast<unsigned>(n_ * 104729 + 7));
    std::uniform_real_distribution<float> dist(lo_, hi_);
    std::uniform_real_distribution<float> wdist(-2.0f, 2.0f);
    std::vector<float> x(n_), w(n_), y(n_), y_ref(n_);
    for (size_t it = 0; it < iterations_; ++it) {
      for (float& v : x) v = dist(rng);
      for (float& v : w) v = wdist(rng);
      const float* wp = weight_ ? w.data() : nullptr;

      long double ms = 0;
      for (float v : x) ms += static_cast<long double>(v) * v;
      const long double rstd = 1 / std::sqrt(ms / n_ + eps_);

      f32_rmsnorm_ukernel__scalar(n_, x.data(), wp, eps_, y_ref.data());
      if (inplace_) {
        y = x;
        fn(n_, y.data(), wp, eps_, y.data());
      } else {
        fn(n_, x.data(), wp, eps_, y.data());
      }
      for (size_t i = 0; i < n_; ++i) {
        const double exact = static_cast<double>(x[i] * rstd * (weight_ ? w[i] : 1));
        // Positive terms only, so no cancellation: a few float roundings.
        const double tol = 2e-6 * std::fabs(exact) + 1e-30;
        ASSERT_NEAR(y[i], exact, tol) << "vs exact, n=" << n_ << " i=" << i;
        ASSERT_NEAR(y[i], y_ref[i], tol) << "vs scalar, n=" << n_ << " i=" << i;
      }
    }
  }

 private:
  size_t n_ = 1;
  float lo_ = -4.0f;
  float hi_ = 4.0f;
  bool weight_ = true;
  float eps_ = 1e-6f;
  bool inplace_ = false;
  size_t iterations_ = 3;
};

}  // namespace qkv
