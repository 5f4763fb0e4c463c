#include <cmath>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernel_cases.h"
#include "kernels/f32-add/add.h"
#include "vbinary_tester.h"

namespace qkv {
namespace {

const std::vector<size_t> kSizes = sweep_sizes({65537});

double add_exact(double a, double b) { return a + b; }
// One rounding: the float sum is the exact sum correctly rounded.
constexpr Tolerance kExact = {0x1p-24, 0.0};

TEST(F32Add, MatchesReferenceOverSizes) {
  for (const auto& k : kF32AddKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      VBinaryTester().n(n).Test(k.fn, f32_add_ukernel__scalar, add_exact, kExact);
      VBinaryTester().n(n).inplace_a(true).Test(k.fn, f32_add_ukernel__scalar, add_exact, kExact);
      VBinaryTester().n(n).inplace_b(true).Test(k.fn, f32_add_ukernel__scalar, add_exact, kExact);
      VBinaryTester()
          .n(n)
          .range_a(-1e30f, 1e30f)
          .range_b(-1.0f, 1.0f)
          .Test(k.fn, f32_add_ukernel__scalar, add_exact, kExact);
    }
  }
}

TEST(F32Add, AliasedBothInputs) {
  for (const auto& k : kF32AddKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> x(37);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(i) - 3.0f;
    std::vector<float> y = x;
    k.fn(y.size(), y.data(), y.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], 2.0f * x[i]);
  }
}

TEST(F32AddBiasRows, MatchesPerRowAddAndThreadsAgree) {
  const size_t rows = 41, n = 769;
  std::vector<float> x(rows * n), bias(n);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3f * i);
  for (size_t i = 0; i < n; ++i) bias[i] = 0.01f * static_cast<float>(i) - 2.0f;
  std::vector<float> y1(x.size()), y4(x.size());
  ASSERT_TRUE(f32_add_bias_rows(nullptr, rows, n, x.data(), bias.data(), y1.data()).ok());
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < n; ++c) ASSERT_EQ(y1[r * n + c], x[r * n + c] + bias[c]) << r << "," << c;
  }
  ThreadPool pool(4);
  std::vector<float> big_x(300 * 1024, 1.5f), big1(big_x.size()), big4(big_x.size()), big_bias(1024, -0.25f);
  ASSERT_TRUE(f32_add_bias_rows(nullptr, 300, 1024, big_x.data(), big_bias.data(), big1.data()).ok());
  ASSERT_TRUE(f32_add_bias_rows(&pool, 300, 1024, big_x.data(), big_bias.data(), big4.data()).ok());
  EXPECT_EQ(big1, big4);
  ASSERT_TRUE(f32_add_bias_rows(&pool, rows, n, x.data(), bias.data(), y4.data()).ok());
  EXPECT_EQ(y1, y4);
  ASSERT_TRUE(f32_add_bias_rows(&pool, rows, n, x.data(), bias.data(), x.data()).ok());
  EXPECT_EQ(x, y1);
}

TEST(F32AddBiasRows, RejectsEmptyAndOverflowingShapes) {
  float v = 0;
  Status s = f32_add_bias_rows(nullptr, 0, 4, &v, &v, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("rows (0)"), std::string::npos) << s.message();
  EXPECT_EQ(f32_add_bias_rows(nullptr, 2, 0, &v, &v, &v).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f32_add_bias_rows(nullptr, SIZE_MAX / 2, 3, &v, &v, &v).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qkv
