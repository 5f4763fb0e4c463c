// Builder-style tester for elementwise f32 microkernels y = f(a, b) (add,
// SwiGLU): VBinaryTester().n(17).inplace_a(true).Test(fn, oracle, exact, tol).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "vunary_tester.h"

namespace qkv {

class VBinaryTester {
 public:
  using UkernelFn = void (*)(size_t n, const float* a, const float* b, float* y);
  using ReferenceFn = double (*)(double a, double b);

  // clang-format off
  VBinaryTester& n(size_t value) { n_ = value; return *this; }
  VBinaryTester& range_a(float lo, float hi) { a_lo_ = lo; a_hi_ = hi; return *this; }
  VBinaryTester& range_b(float lo, float hi) { b_lo_ = lo; b_hi_ = hi; return *this; }
  // y written over a (or b).
  VBinaryTester& inplace_a(bool value) { inplace_a_ = value; return *this; }
  VBinaryTester& inplace_b(bool value) { inplace_b_ = value; return *this; }
  VBinaryTester& iterations(size_t value) { iterations_ = value; return *this; }
  // clang-format on

  void Test(UkernelFn fn, UkernelFn oracle, ReferenceFn exact, Tolerance tol) const {
    std::mt19937 rng(static_cast<unsigned>(n_ * 7919 + 5));
    std::uniform_real_distribution<float> da(a_lo_, a_hi_), db(b_lo_, b_hi_);
    std::vector<float> a(n_), b(n_), y(n_), y_ref(n_);
    for (size_t it = 0; it < iterations_; ++it) {
      for (float& v : a) v = da(rng);
      for (float& v : b) v = db(rng);
      oracle(n_, a.data(), b.data(), y_ref.data());
      if (inplace_a_) {
        y = a;
        fn(n_, y.data(), b.data(), y.data());
      } else if (inplace_b_) {
        y = b;
        fn(n_, a.data(), y.data(), y.data());
      } else {
        fn(n_, a.data(), b.data(), y.data());
      }
      for (size_t i = 0; i < n_; ++i) {
        const double e = exact(a[i], b[i]);
        ASSERT_NEAR(y[i], e, tol.rel * std::fabs(e) + tol.abs) << "vs exact, a=" << a[i] << " b=" << b[i];
        ASSERT_NEAR(y[i], y_ref[i], tol.rel * std::fabs(y_ref[i]) + tol.abs) << "vs oracle, a=" << a[i];
      }
    }
  }

 private:
  size_t n_ = 1;
  float a_lo_ = -10.0f, a_hi_ = 10.0f;
  float b_lo_ = -10.0f, b_hi_ = 10.0f;
  bool inplace_a_ = false;
  bool inplace_b_ = false;
  size_t iterations_ = 3;
};

}  // namespace qkv
