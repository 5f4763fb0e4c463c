#include <cmath>
#include <vector>

#include "kernel_cases.h"
#include "kernels/f32-geglu/geglu.h"
#include "vbinary_tester.h"

namespace qkv {
namespace {

const std::vector<size_t> kSizes = sweep_sizes({65537});

// gelu_pytorch_tanh(gate) * up as HF writes gelu_tanh (0.5 x (1 + tanh(...))), in double.
double geglu_exact(double gate, double up) {
  const double u = std::sqrt(2.0 / 3.14159265358979323846) * (gate + 0.044715 * gate * gate * gate);
  return 0.5 * gate * (1.0 + std::tanh(u)) * up;
}

// f32-gelu's tanh bound (2e-6 relative for |x| <= 4) plus the product's
// rounding; the 1 + tanh of the exact form cancels for gate << 0, which the
// absolute part covers.
constexpr Tolerance kTol = {2.5e-6, 1e-12};

TEST(F32Geglu, MatchesReferenceOverSizes) {
  for (const auto& k : kF32GegluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VBinaryTester().n(n).range_a(-4.0f, 4.0f).Test(k.fn, f32_geglu_ukernel__scalar, geglu_exact, kTol);
      VBinaryTester()
          .n(n)
          .range_a(-4.0f, 4.0f)
          .inplace_a(true)
          .Test(k.fn, f32_geglu_ukernel__scalar, geglu_exact, kTol);
      VBinaryTester()
          .n(n)
          .range_a(-4.0f, 4.0f)
          .inplace_b(true)
          .Test(k.fn, f32_geglu_ukernel__scalar, geglu_exact, kTol);
    }
  }
}

// Large gates pass through (gelu(x) -> x) or vanish (-> -0) without overflow.
TEST(F32Geglu, LargeGates) {
  for (const auto& k : kF32GegluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {3, 33, 1000}) {
      VBinaryTester()
          .n(n)
          .range_a(4.0f, 1e4f)
          .range_b(-100.0f, 100.0f)
          .Test(k.fn, f32_geglu_ukernel__scalar, geglu_exact, {3e-7, 0.0});
      VBinaryTester()
          .n(n)
          .range_a(-1e4f, -13.0f)
          .range_b(-100.0f, 100.0f)
          .Test(k.fn, f32_geglu_ukernel__scalar, geglu_exact, {0.0, 1e-30});
    }
  }
}

// NaN in either input stays NaN.
TEST(F32Geglu, NanPropagates) {
  for (const auto& k : kF32GegluKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> gate = {NAN, 1.0f, 0.5f}, up = {1.0f, NAN, 2.0f}, y(3);
    k.fn(3, gate.data(), up.data(), y.data());
    EXPECT_TRUE(std::isnan(y[0]));
    EXPECT_TRUE(std::isnan(y[1]));
    EXPECT_FALSE(std::isnan(y[2]));
  }
}

}  // namespace
}  // namespace qkv
