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

// gelu(gate) * up with torch's exact GELU, 0.5 x (1 + erf(x / sqrt(2))), in double.
double geglu_erf_exact(double gate, double up) {
  return 0.5 * gate * (1.0 + std::erf(gate / std::sqrt(2.0))) * up;
}

// f32-gelu's tanh bound (2e-6 relative for |x| <= 4) plus the product's
// rounding; the 1 + tanh of the exact form cancels for gate << 0, which the
// absolute part covers.
constexpr Tolerance kTol = {2.5e-6, 1e-12};

// One form's kernels, their scalar oracle and the exact function.
struct Form {
  const char* name;
  const NamedKernel<F32GegluUkernelFn>* kernels;
  F32GegluUkernelFn oracle;
  double (*exact)(double, double);
};
const Form kForms[] = {
    {"tanh", kF32GegluKernels, f32_geglu_ukernel__scalar, geglu_exact},
    {"erf", kF32GegluErfKernels, f32_geglu_erf_ukernel__scalar, geglu_erf_exact},
};

TEST(F32Geglu, MatchesReferenceOverSizes) {
  for (const Form& f : kForms) {
    for (size_t i = 0; i < 2; ++i) {
      const auto& k = f.kernels[i];
      SCOPED_TRACE(std::string(f.name) + "/" + k.name);
      for (size_t n : kSizes) {
        VBinaryTester().n(n).range_a(-4.0f, 4.0f).Test(k.fn, f.oracle, f.exact, kTol);
        VBinaryTester().n(n).range_a(-4.0f, 4.0f).inplace_a(true).Test(k.fn, f.oracle, f.exact, kTol);
        VBinaryTester().n(n).range_a(-4.0f, 4.0f).inplace_b(true).Test(k.fn, f.oracle, f.exact, kTol);
      }
    }
  }
}

// Large gates pass through (gelu(x) -> x) or vanish (-> -0) without overflow.
TEST(F32Geglu, LargeGates) {
  for (const Form& f : kForms) {
    for (size_t i = 0; i < 2; ++i) {
      const auto& k = f.kernels[i];
      SCOPED_TRACE(std::string(f.name) + "/" + k.name);
      for (size_t n : {3, 33, 1000}) {
        VBinaryTester()
            .n(n)
            .range_a(4.0f, 1e4f)
            .range_b(-100.0f, 100.0f)
            .Test(k.fn, f.oracle, f.exact, {3e-7, 0.0});
        VBinaryTester()
            .n(n)
            .range_a(-1e4f, -13.0f)
            .range_b(-100.0f, 100.0f)
            .Test(k.fn, f.oracle, f.exact, {0.0, 1e-30});
      }
    }
  }
}

// The two forms differ (by ~4.7e-4 at gate 2.7): a kernel that ran the
// other GELU would fail the tolerance above.
TEST(F32Geglu, FormsDiffer) {
  const float gate[1] = {2.7f}, up[1] = {1.0f};
  float tanh_y[1], erf_y[1];
  f32_geglu_ukernel__simd(1, gate, up, tanh_y);
  f32_geglu_erf_ukernel__simd(1, gate, up, erf_y);
  EXPECT_GT(std::fabs(tanh_y[0] - erf_y[0]), 4e-4);
  EXPECT_NEAR(erf_y[0], geglu_erf_exact(2.7f, 1.0), 1e-5);
}

// NaN in either input stays NaN.
TEST(F32Geglu, NanPropagates) {
  for (const Form& f : kForms) {
    for (size_t i = 0; i < 2; ++i) {
      const auto& k = f.kernels[i];
      SCOPED_TRACE(std::string(f.name) + "/" + k.name);
      std::vector<float> gate = {NAN, 1.0f, 0.5f}, up = {1.0f, NAN, 2.0f}, y(3);
      k.fn(3, gate.data(), up.data(), y.data());
      EXPECT_TRUE(std::isnan(y[0]));
      EXPECT_TRUE(std::isnan(y[1]));
      EXPECT_FALSE(std::isnan(y[2]));
    }
  }
}

}  // namespace
}  // namespace qkv
