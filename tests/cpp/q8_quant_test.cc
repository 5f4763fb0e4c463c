#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernel_cases.h"
#include "q8_quant_tester.h"

namespace qkv {
namespace {

// Partial and whole blocks, every tail of the widest vector, model widths.
const std::vector<size_t> kSizes = sweep_sizes({11008});

TEST(Q8Quant, MatchesDefinitionOverSizes) {
  for (const auto& k : kQ8RowKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) Q8QuantTester().k(n).Test(k.quantize, k.dequantize);
  }
}

TEST(Q8Quant, MagnitudesAndZeroBlocks) {
  for (const auto& k : kQ8RowKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {17, 32, 100, 4099}) {
      Q8QuantTester().k(n).range(-1e30f, 1e30f).Test(k.quantize, k.dequantize);
      Q8QuantTester().k(n).range(-1e-30f, 1e-30f).Test(k.quantize, k.dequantize);
      Q8QuantTester().k(n).range(0.0f, 100.0f).Test(k.quantize, k.dequantize);
      Q8QuantTester().k(n).zero_fraction(0.97).Test(k.quantize, k.dequantize);
    }
  }
}

// amax = 127 makes scale exactly 1, so the quotients are the inputs and the
// rounding rule shows directly: half away from zero, not half to even.
TEST(Q8Quant, RoundsHalfAwayFromZero) {
  for (const auto& k : kQ8RowKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> x(40, 0.0f);
    const float in[] = {127.0f,  0.5f,        -0.5f,        1.5f,       -1.5f, 2.5f,  -2.5f,   126.5f,
                        -126.5f, 0.49999997f, -0.49999997f, 3.4999998f, 0.0f,  -0.0f, -127.0f, 100.25f};
    const int expected[] = {127, 1, -1, 2, -2, 3, -3, 127, -127, 0, 0, 3, 0, 0, -127, 100};
    std::memcpy(x.data(), in, sizeof in);
    x[33] = 1.0f;  // second, partial block: scale 1/127
    std::vector<int8_t> q(64, 99);
    float scales[2];
    k.quantize(x.size(), x.data(), q.data(), scales);
    EXPECT_EQ(scales[0], 1.0f);
    EXPECT_EQ(scales[1], 1.0f / 127.0f);
    for (size_t i = 0; i < std::size(in); ++i) EXPECT_EQ(q[i], expected[i]) << "x=" << in[i];
    EXPECT_EQ(q[33], 127);
    for (size_t i = 40; i < 64; ++i) EXPECT_EQ(q[i], 0) << "padding " << i;
  }
}

// max|x| / 127 underflows to 0 for the tiniest blocks: stored as a zero block.
TEST(Q8Quant, UnderflowingScaleGivesZeroBlock) {
  for (const auto& k : kQ8RowKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> x(32, 0.0f);
    x[5] = std::numeric_limits<float>::denorm_min() * 20;
    x[9] = -std::numeric_limits<float>::denorm_min() * 50;
    std::vector<int8_t> q(32, 99);
    float scale = -1;
    k.quantize(32, x.data(), q.data(), &scale);
    EXPECT_EQ(scale, 0.0f);
    for (int8_t v : q) EXPECT_EQ(v, 0);
  }
}

// Non-finite inputs are outside the contract but must stay memory-safe and
// in range (no UB in the scalar cast, no garbage past [-127, 127]).
TEST(Q8Quant, NonFiniteInputsStayInRange) {
  for (const auto& k : kQ8RowKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> x(64, 1.0f);
    x[3] = std::numeric_limits<float>::quiet_NaN();
    x[40] = std::numeric_limits<float>::infinity();
    std::vector<int8_t> q(64);
    float scales[2];
    k.quantize(64, x.data(), q.data(), scales);
    for (int8_t v : q) EXPECT_GE(v, -127);
  }
}

}  // namespace
}  // namespace qkv
