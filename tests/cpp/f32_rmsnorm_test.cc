#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernel_cases.h"
#include "rmsnorm_tester.h"

namespace qkv {
namespace {

// 1, every remainder of the widest vector (16 lanes), primes, model widths.
const std::vector<size_t> kSizes = sweep_sizes({1025, 65537});

TEST(F32RmsNorm, MatchesReferenceOverSizes) {
  for (const auto& k : kF32RmsNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) RmsNormTester().n(n).Test(k.fn);
  }
}

TEST(F32RmsNorm, InPlace) {
  for (const auto& k : kF32RmsNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) RmsNormTester().n(n).inplace(true).Test(k.fn);
  }
}

TEST(F32RmsNorm, NullWeight) {
  for (const auto& k : kF32RmsNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 7, 17, 768, 1001}) {
      RmsNormTester().n(n).weight(false).Test(k.fn);
      RmsNormTester().n(n).weight(false).inplace(true).Test(k.fn);
    }
  }
}

TEST(F32RmsNorm, LargeAndTinyMagnitudes) {
  for (const auto& k : kF32RmsNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {3, 33, 768, 4099}) {
      RmsNormTester().n(n).range(-1.0e15f, 1.0e15f).Test(k.fn);
      RmsNormTester().n(n).range(0.5e3f, 2.0e3f).Test(k.fn);
      RmsNormTester().n(n).range(-1.0e-3f, 1.0e-3f).eps(0.0f).Test(k.fn);
    }
  }
}

TEST(F32RmsNorm, ZeroRowGivesZerosAndEpsMatters) {
  for (const auto& k : kF32RmsNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 4, 17, 768}) {
      std::vector<float> x(n, 0.0f), w(n, 2.0f), y(n, 1.0f);
      k.fn(n, x.data(), w.data(), 1e-6f, y.data());
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], 0.0f) << "n=" << n << " i=" << i;
      // x = 1 everywhere with eps = 3: y = 1 / sqrt(1 + 3) = 0.5 exactly.
      std::fill(x.begin(), x.end(), 1.0f);
      k.fn(n, x.data(), nullptr, 3.0f, y.data());
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], 0.5f) << "n=" << n << " i=" << i;
    }
  }
}

TEST(F32RmsNorm, NanPropagatesToTheRow) {
  for (const auto& k : kF32RmsNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 5, 16, 33}) {
      std::vector<float> x(n, 1.0f), y(n);
      x[n - 1] = std::numeric_limits<float>::quiet_NaN();
      k.fn(n, x.data(), nullptr, 1e-6f, y.data());
      for (size_t i = 0; i < n; ++i) EXPECT_TRUE(std::isnan(y[i])) << "n=" << n << " i=" << i;
    }
  }
}

TEST(F32RmsNormRows, ThreadedEqualsOneThreadBitForBit) {
  const size_t rows = 53, n = 1000;
  std::vector<float> x(rows * n), w(n);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.11f * i) * (1.0f + static_cast<float>(i / n));
  for (size_t i = 0; i < n; ++i) w[i] = 0.5f + 0.001f * i;
  std::vector<float> y1(x.size()), y4(x.size());
  ASSERT_TRUE(f32_rmsnorm_rows(nullptr, rows, n, x.data(), w.data(), 1e-6f, y1.data()).ok());
  ThreadPool pool(4);
  ASSERT_TRUE(f32_rmsnorm_rows(&pool, rows, n, x.data(), w.data(), 1e-6f, y4.data()).ok());
  EXPECT_EQ(y1, y4);
  std::vector<float> inplace = x;
  ASSERT_TRUE(f32_rmsnorm_rows(&pool, rows, n, inplace.data(), w.data(), 1e-6f, inplace.data()).ok());
  EXPECT_EQ(inplace, y1);
  for (size_t r = 0; r < rows; r += 7) {
    std::vector<float> ref(n);
    f32_rmsnorm_ukernel__scalar(n, x.data() + r * n, w.data(), 1e-6f, ref.data());
    for (size_t c = 0; c < n; ++c) ASSERT_NEAR(y1[r * n + c], ref[c], 1e-5f) << "row " << r << " col " << c;
  }
}

TEST(F32RmsNormRows, RejectsEmptyAndOverflowingShapes) {
  float v = 0;
  Status s = f32_rmsnorm_rows(nullptr, 0, 5, &v, nullptr, 1e-6f, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("rows (0)"), std::string::npos) << s.message();
  s = f32_rmsnorm_rows(nullptr, 3, 0, &v, nullptr, 1e-6f, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("n (0)"), std::string::npos) << s.message();
  EXPECT_EQ(f32_rmsnorm_rows(nullptr, SIZE_MAX / 2, 3, &v, nullptr, 1e-6f, &v).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qkv
