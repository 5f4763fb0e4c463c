// Builder-style tester for elementwise f32 microkernels y = f(x) (GELU,
// SiLU): VUnaryTester().n(17).range(-10, 10).Test(fn, reference, tol).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace qkv {

// Allowed error: |y - ref| <= rel * |ref| + abs.
struct Tolerance {
  double rel;
  double abs;
};

class VUnaryTester {
 public:
  using UkernelFn = void (*)(size_t n, const float* x, float* y);
  using ReferenceFn = double (*)(double x);

  // clang-format off
  VUnaryTester& n(size_t value) { n_ = value; return *this; }
  VUnaryTester& range(float lo, float hi) { lo_ = lo; hi_ = hi; return *this; }
  VUnaryTester& inplace(bool value) { inplace_ = value; return *this; }
  VUnaryTester& iterations(size_t value) { iterations_ = value; return *this; }
  // clang-format on

  // Compares fn with the scalar oracle and with `exact`, a double formula
  // written in the test, both within tol.
  void Test(UkernelFn fn, UkernelFn oracle, ReferenceFn exact, Tolerance tol) const {
    std::mt19937 rng(static_cast<unsigned>(n_ * 7919 + 3));
    std::uniform_real_distribution<float> dist(lo_, hi_);
    std::vector<float> x(n_), y(n_), y_ref(n_);
    for (size_t it = 0; it < iterations_; ++it) {
      for (float& v : x) v = dist(rng);
      oracle(n_, x.data(), y_ref.data());
      if (inplace_) {
        y = x;
        fn(n_, y.data(), y.data());
      } else {
        fn(n_, x.data(), y.data());
      }
      for (size_t i = 0; i < n_; ++i) {
        const double e = exact(x[i]);
        ASSERT_NEAR(y[i], e, tol.rel * std::fabs(e) + tol.abs) << "vs exact, x=" << x[i] << " n=" << n_;
        ASSERT_NEAR(y[i], y_ref[i], tol.rel * std::fabs(y_ref[i]) + tol.abs) << "vs oracle, x=" << x[i];
      }
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
