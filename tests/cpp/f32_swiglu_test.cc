#include <cmath>
#include <vector>

#include "kernel_cases.h"
#include "kernels/f32-swiglu/swiglu.h"
#include "vbinary_tester.h"

namespace qkv {
namespace {

const std::vector<size_t> kSizes = sweep_sizes({65537});

// silu(gate) * up with the sigmoid written out, in double.
double swiglu_exact(double gate, double up) { return gate * (1.0 / (1.0 + std::exp(-gate))) * up; }

// Highway's Exp is within 1 ulp; the division adds one more rounding.
// Results below FLT_MIN lose relative precision, hence the absolute part.
constexpr Tolerance kTol = {5e-7, 1e-40};

TEST(F32Swiglu, MatchesReferenceOverSizes) {
  for (const auto& k : kF32SwigluKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VBinaryTester().n(n).Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
      VBinaryTester().n(n).inplace_a(true).Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
      VBinaryTester().n(n).inplace_b(true).Test(k.fn, f32_swiglu_ukernel__scalar, swiglu_exact, kTol);
    }
  }
}

TEST(F32Swiglu, LargeGates) {
  for (const auto& k : kF32SwigluKernels) {
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
