// Builder-style tester for f32 LayerNorm microkernels:
// LayerNormTester().n(17).Test(f32_layernorm_ukernel__simd).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/f32-layernorm/layernorm.h"

namespace qkv {

class LayerNormTester {
 public:
  // clang-format off
  LayerNormTester& n(size_t value) { n_ = value; return *this; }
  // x = offset + uniform(-spread, spread): a large offset checks that the
  // variance does not cancel.
  LayerNormTester& offset(float value) { offset_ = value; return *this; }
  LayerNormTester& spread(float value) { spread_ = value; return *this; }
  LayerNormTester& gamma(bool value) { gamma_ = value; return *this; }
  LayerNormTester& beta(bool value) { beta_ = value; return *this; }
  LayerNormTester& eps(float value) { eps_ = value; return *this; }
  LayerNormTester& inplace(bool value) { inplace_ = value; return *this; }
  LayerNormTester& iterations(size_t value) { iterations_ = value; return *this; }
  // clang-format on

  // Compares fn with the scalar reference and with torch.nn.LayerNorm's
  // formula written out here in long double.
  void Test(F32LayerNormUkernelFn fn) const {
    std::mt19937 rng(static_cast<unsigned>(n_ * 7919 + 31));
    std::uniform_real_distribution<float> dist(-spread_, spread_);
    std::uniform_real_distribution<float> affine(-2.0f, 2.0f);
    std::vector<float> x(n_), g(n_), b(n_), y(n_), y_ref(n_);
    for (size_t it = 0; it < iterations_; ++it) {
      for (float& v : x) v = offset_ + dist(rng);
      for (float& v : g) v = affine(rng);
      for (float& v : b) v = affine(rng);
      const float* gp = gamma_ ? g.data() : nullptr;
      const float* bp = beta_ ? b.data() : nullptr;

      long double mean = 0, var = 0;
      for (float v : x) mean += v;
      mean /= n_;
      for (float v : x) var += (v - mean) * (v - mean);
      var /= n_;
      const long double rstd = 1 / std::sqrt(var + eps_);

      f32_layernorm_ukernel__scalar(n_, x.data(), gp, bp, eps_, y_ref.data());
      if (inplace_) {
        y = x;
        fn(n_, y.data(), gp, bp, eps_, y.data());
      } else {
        fn(n_, x.data(), gp, bp, eps_, y.data());
      }
      for (size_t i = 0; i < n_; ++i) {
        const long double gi = gamma_ ? g[i] : 1, bi = beta_ ? b[i] : 0;
        const double exact = static_cast<double>((x[i] - mean) * rstd * gi + bi);
        // Float inputs: x - mean carries ~ulp(|x| + |mean|), scaled by
        // rstd * gamma; the rest is a few roundings of the result.
        const double tol =
            1e-6 * (std::fabs(exact) + std::fabs(static_cast<double>(bi)) +
                    static_cast<double>((std::fabs(x[i]) + std::fabs(mean)) * rstd * std::fabs(gi)));
        ASSERT_NEAR(y[i], exact, tol) << "vs exact, n=" << n_ << " i=" << i;
        ASSERT_NEAR(y[i], y_ref[i], tol) << "vs scalar, n=" << n_ << " i=" << i;
      }
    }
  }

 private:
  size_t n_ = 1;
  float offset_ = 0.0f;
  float spread_ = 3.0f;
  bool gamma_ = true;
  bool beta_ = true;
  float eps_ = 1e-5f;
  bool inplace_ = false;
  size_t iterations_ = 3;
};

}  // namespace qkv
