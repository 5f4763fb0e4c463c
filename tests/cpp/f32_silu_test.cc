#include <cmath>
#include <limits>
#include <vector>

#include "kernels/f32-silu/silu.h"
#include "vbinary_tester.h"
#include "vunary_tester.h"

namespace qkv {
namespace {

const size_t kSizes[] = {1,  2,  3,  4,  5,  7,  8,   9,   15,   16,   17,
                         31, 32, 33, 63, 64, 65, 127, 768, 1000, 4099, 65537};

// x * sigmoid(x) written as the sigmoid's definition, in double.
double silu_exact(double x) { return x * (1.0 / (1.0 + std::exp(-x))); }
double swiglu_exact(double gate, double up) { return silu_exact(gate) * up; }

// Highway's Exp is within 1 ulp; the division adds one more rounding.
// Results below FLT_MIN lose relative precision, hence the absolute part.
constexpr Tolerance kTol = {5e-7, 1e-40};

struct Kernel {
  const char* name;
  F32SiluUkernelFn fn;
};
const Kernel kKernels[] = {{"scalar", f32_silu_ukernel__scalar}, {"simd", f32_silu_ukernel__simd}};

struct GluKernel {
  const char* name;
  F32SwigluUkernelFn fn;
};
const GluKernel kGluKernels[] = {{"scalar", f32_swiglu_ukernel__scalar}, {"simd", f32_swiglu_ukernel__simd}};

TEST(F32Silu, MatchesReferenceOverSizes) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VUnaryTester().n(n).Test(k.fn, f32_silu_ukernel__scalar, silu_exact, kTol);
      VUnaryTester().n(n).inplace(true).Test(k.fn, f32_silu_ukernel__scalar, silu_exact, kTol);
    }
  }
}

TEST(F32Silu, LargeMagnitudesGiveNoNan) {
  for (const Kernel& k : kKernels) {
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

TEST(F32Swiglu, MatchesReferenceOverSizes) {
  for (const GluKernel& k : kGluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VBinaryTester().n(n).Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
      VBinaryTester().n(n).inplace_a(true).Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
      VBinaryTester().n(n).inplace_b(true).Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
    }
  }
}

TEST(F32Swiglu, LargeGates) {
  for (const GluKernel& k : kGluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {3, 33, 1000}) {
      VBinaryTester()
          .n(n)
          .range_a(-1e4f, 1e4f)
          .range_b(-100.0f, 100.0f)
          .Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
    }
  }
}

}  // namespace
}  // namespace qkv
