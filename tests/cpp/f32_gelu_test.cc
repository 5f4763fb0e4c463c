#include <cmath>
#include <limits>
#include <vector>

#include "kernel_cases.h"
#include "kernels/f32-gelu/gelu.h"
#include "vunary_tester.h"

namespace qkv {
namespace {

const std::vector<size_t> kSizes = sweep_sizes({65537});

// The definitions as written in the papers and in HF, in double. Their
// 1 + tanh / 1 + erf cancels for x << 0, which the absolute tolerance covers.
double gelu_tanh_exact(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
}
double gelu_erf_exact(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

struct Kernel {
  const char* name;
  F32GeluUkernelFn fn;
  F32GeluUkernelFn oracle;
  double (*exact)(double);
};
const Kernel kKernels[] = {
    {"tanh/scalar", f32_gelu_tanh_ukernel__scalar, f32_gelu_tanh_ukernel__scalar, gelu_tanh_exact},
    {"tanh/simd", f32_gelu_tanh_ukernel__simd, f32_gelu_tanh_ukernel__scalar, gelu_tanh_exact},
    {"erf/scalar", f32_gelu_erf_ukernel__scalar, f32_gelu_erf_ukernel__scalar, gelu_erf_exact},
    {"erf/simd", f32_gelu_erf_ukernel__simd, f32_gelu_erf_ukernel__scalar, gelu_erf_exact},
};

// Where activations live: tight relative error.
TEST(F32Gelu, MatchesReferenceOverSizes) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes)
      VUnaryTester().n(n).range(-4.0f, 4.0f).Test(k.fn, k.oracle, k.exact, {2e-6, 1e-14});
  }
}

TEST(F32Gelu, InPlace) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VUnaryTester().n(n).range(-4.0f, 4.0f).inplace(true).Test(k.fn, k.oracle, k.exact, {2e-6, 1e-14});
    }
  }
}

// The negative tail keeps its relative accuracy (up to the conditioning of
// exp there) instead of collapsing to 1 - 1; large x pass through.
TEST(F32Gelu, TailsAndLargeMagnitudes) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {17, 1000}) {
      VUnaryTester().n(n).range(-13.0f, -4.0f).Test(k.fn, k.oracle, k.exact, {3e-5, 1e-14});
      VUnaryTester().n(n).range(4.0f, 1e6f).Test(k.fn, k.oracle, k.exact, {2e-7, 0.0});
      VUnaryTester().n(n).range(-1e30f, -13.0f).Test(k.fn, k.oracle, k.exact, {0.0, 1e-36});
      VUnaryTester().n(n).range(-1e-3f, 1e-3f).Test(k.fn, k.oracle, k.exact, {2e-6, 1e-30});
    }
  }
}

TEST(F32Gelu, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    // Spread over a body vector and the tail of every width.
    std::vector<float> x = {0.0f,  -0.0f, inf,  -inf, nan,     3.0e38f,  -3.0e38f, 1.0f,  -1.0f, 0.0f,
                            -0.0f, inf,   -inf, nan,  3.0e38f, -3.0e38f, 1.0f,     -1.0f, nan};
    std::vector<float> y(x.size());
    k.fn(x.size(), x.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      const float v = x[i];
      if (std::isnan(v) || v == -inf) {
        EXPECT_TRUE(std::isnan(y[i])) << "x=" << v;  // -inf * 0, as in torch
      } else if (v == 0.0f || v == -3.0e38f) {
        EXPECT_EQ(y[i], 0.0f) << "x=" << v;
      } else if (v == inf || v == 3.0e38f) {
        EXPECT_EQ(y[i], v);
      } else {
        EXPECT_NEAR(y[i], k.exact(v), 2e-6 * std::fabs(k.exact(v))) << "x=" << v;
      }
    }
  }
}

// The erf form differs from the tanh form by up to ~5e-4: a kernel that
// computed the wrong one would fail here even if its oracle were also wrong.
TEST(F32Gelu, FormsDifferWhereExpected) {
  const float x[] = {-2.0f, -1.0f, 1.5f, 2.5f};
  float yt[4], ye[4];
  f32_gelu_tanh_ukernel__simd(4, x, yt);
  f32_gelu_erf_ukernel__simd(4, x, ye);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(yt[i], gelu_tanh_exact(x[i]), 1e-6);
    EXPECT_NEAR(ye[i], gelu_erf_exact(x[i]), 1e-6);
    EXPECT_GT(std::fabs(yt[i] - ye[i]), 1e-5) << x[i];
  }
}

}  // namespace
}  // namespace qkv
