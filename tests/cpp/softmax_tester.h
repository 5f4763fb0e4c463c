// Builder-style tester for f32 softmax microkernels, in the manner of
// XNNPACK's testers: SoftmaxTester().n(17).Test(f32_softmax_ukernel__simd).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/f32-softmax/softmax.h"

namespace qkv {

class SoftmaxTester {
 public:
  SoftmaxTester& n(size_t value) {
    n_ = value;
    return *this;
  }
  SoftmaxTester& range(float lo, float hi) {
    lo_ = lo;
    hi_ = hi;
    return *this;
  }
  SoftmaxTester& inplace(bool value) {
    inplace_ = value;
    return *this;
  }
  SoftmaxTester& iterations(size_t value) {
    iterations_ = value;
    return *this;
  }

  // Compares fn with the scalar reference and with a double-precision
  // softmax written out here, so a bug shared by both kernels is still caught.
  void Test(F32SoftmaxUkernelFn fn) const {
    std::mt19937 rng(static_cast<unsigned>(n_ * 7919 + 17));
    std::uniform_real_distribution<float> dist(lo_, hi_);
    std::vector<float> x(n_), y(n_), y_ref(n_);
    for (size_t it = 0; it < iterations_; ++it) {
      for (float& v : x) v = dist(rng);
      std::vector<double> exact(n_);
      double max_value = x[0];
      for (float v : x) max_value = std::max<double>(max_value, v);
      double sum = 0;
      for (size_t i = 0; i < n_; ++i) sum += exact[i] = std::exp(double(x[i]) - max_value);
      for (double& e : exact) e /= sum;

      f32_softmax_ukernel__scalar(n_, x.data(), y_ref.data());
      if (inplace_) {
        y = x;
        fn(n_, y.data(), y.data());
      } else {
        fn(n_, x.data(), y.data());
      }
      // exp is within a few ulp; sums are blocked (float within 1024
      // entries, double across), so the error does not grow with n.
      const double rel_tol = 4e-6;
      double y_sum = 0;
      for (size_t i = 0; i < n_; ++i) {
        ASSERT_NEAR(y[i], y_ref[i], rel_tol * y_ref[i] + 1e-12) << "vs scalar, n=" << n_ << " i=" << i;
        ASSERT_NEAR(y[i], exact[i], rel_tol * exact[i] + 1e-12) << "vs exact, n=" << n_ << " i=" << i;
        y_sum += y[i];
      }
      ASSERT_NEAR(y_sum, 1.0, rel_tol) << "n=" << n_;
    }
  }

 private:
  size_t n_ = 1;
  float lo_ = -10.0f;
  float hi_ = 10.0f;
  bool inplace_ = false;
  size_t iterations_ = 3;
};

}  // namespace qkv
