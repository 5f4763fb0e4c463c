#include <cmath>
#include <limits>
#include <vector>

#include "kernel_cases.h"
#include "kernels/f32-silu/silu.h"
#include "vunary_tester.h"

namespace qkv {
namespace {

const std::vector<size_t> kSizes = sweep_sizes({65537});

// x * sigmoid(x) written as the sigmoid's definition, in double.
double silu_exact(double x) { return x * (1.0 / (1.0 + std::exp(-x))); }

// Highway's Exp is within 1 ulp; the division adds one more rounding.
// Results below FLT_MIN lose relative precision, hence the absolute part.
constexpr Tolerance kTol = {5e-7, 1e-40};

TEST(F32Silu, MatchesReferenceOverSizes) {
  for (const auto& k : kF32SiluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VUnaryTester().n(n).Test(k.fn, f32_silu_ukernel__scalar, silu_exact, kTol);
      VUnaryTester().n(n).inplace(true).Test(k.fn, f32_silu_ukernel__scalar, silu_exact, kTol);
    }
  }
}

TEST(F32Silu, LargeMagnitudesGiveNoNan) {
  for (const auto& k : kF32SiluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 17, 1000}) {
      VUnaryTester().n(n).range(-100.0f, 100.0f).Test(k.fn, f32_silu_ukernel__scalar, silu_exact, kTol);
      VUnaryTester().n(n).range(-1e38f, 1e38f).Test(k.fn, f32_silu_ukernel__scalar, silu_exact, kTol);
    }
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> x = {-100.0f, 100.0f, -200.0f, 200.0f, -3e38f,
                            3e38f,   0.0f,   inf,     -inf,   std::numeric_limits<float>::quiet_NaN(),
                            -100.0f, 100.0f, -200.0f, 200.0f, -3e38f,
                            3e38f,   0.0f};
    std::vector<float> y(x.size());
    k.fn(x.size(), x.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] > 0) {
        EXPECT_EQ(y[i], x[i]);
      } else if (x[i] <= 0) {
        if (x[i] == -inf) {
          EXPECT_TRUE(std::isnan(y[i])) << "-inf / inf, as torch";
        } else {
          EXPECT_LE(std::fabs(y[i]), 1e-40f) << "x=" << x[i];
        }
      } else {
        EXPECT_TRUE(std::isnan(y[i]));
      }
    }
  }
}

}  // namespace
}  // namespace qkv
