#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "q8_quant_tester.h"

namespace qkv {
namespace {

// Partial and whole blocks, every tail of the widest vector, model widths.
const size_t kSizes[] = {1,  2,  3,  4,  5,  7,  8,   9,   15,   16,   17,
                         31, 32, 33, 63, 64, 65, 127, 768, 1000, 4099, 11008};

struct Kernels {
  const char* name;
  F32ToQ8RowFn quantize;
  Q8ToF32RowFn dequantize;
};
const Kernels kKernels[] = {{"scalar", f32_to_q8_row__scalar, q8_to_f32_row__scalar},
                            {"simd", f32_to_q8_row__simd, q8_to_f32_row__simd}};

TEST(Q8Quant, MatchesDefinitionOverSizes) {
  for (const Kernels& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) Q8QuantTester().k(n).Test(k.quantize, k.dequantize);
  }
}

TEST(Q8Quant, MagnitudesAndZeroBlocks) {
  for (const Kernels& k : kKernels) {
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
  for (const Kernels& k : kKernels) {
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
  for (const Kernels& k : kKernels) {
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
  for (const Kernels& k : kKernels) {
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

TEST(Q8QuantMatrix, MatchesRowsAndThreadsAgree) {
  const size_t rows = 77, k = 1000, padded = q8_padded(k), blocks = q8_blocks(k);
  std::vector<float> x(rows * k);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.013f * i) * (1.0f + static_cast<float>(i % 97));
  std::vector<int8_t> q1(rows * padded), q4(rows * padded), q_row(padded);
  std::vector<float> s1(rows * blocks), s4(rows * blocks), s_row(blocks);
  ASSERT_TRUE(f32_to_q8_matrix(nullptr, rows, k, x.data(), q1.data(), s1.data()).ok());
  ThreadPool pool(4);
  ASSERT_TRUE(f32_to_q8_matrix(&pool, rows, k, x.data(), q4.data(), s4.data()).ok());
  EXPECT_EQ(q1, q4);
  EXPECT_EQ(s1, s4);
  for (size_t r = 0; r < rows; r += 9) {
    f32_to_q8_row__scalar(k, x.data() + r * k, q_row.data(), s_row.data());
    EXPECT_TRUE(std::equal(q_row.begin(), q_row.end(), q1.begin() + r * padded)) << "row " << r;
    EXPECT_TRUE(std::equal(s_row.begin(), s_row.end(), s1.begin() + r * blocks)) << "row " << r;
  }
}

TEST(Q8QuantMatrix, RejectsEmptyAndOverflowingShapes) {
  float x = 0, s = 0;
  int8_t q = 0;
  Status st = f32_to_q8_matrix(nullptr, 0, 32, &x, &q, &s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("rows (0)"), std::string::npos) << st.message();
  st = f32_to_q8_matrix(nullptr, 4, 0, &x, &q, &s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("k (0)"), std::string::npos) << st.message();
  EXPECT_EQ(f32_to_q8_matrix(nullptr, SIZE_MAX / 64, 100, &x, &q, &s).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f32_to_q8_matrix(nullptr, 2, SIZE_MAX - 3, &x, &q, &s).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qkv
