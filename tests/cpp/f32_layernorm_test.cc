#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernel_cases.h"
#include "layernorm_tester.h"

namespace qkv {
namespace {

// 1, every remainder of the widest vector (16 lanes), primes, model widths.
const std::vector<size_t> kSizes = sweep_sizes({1025, 65537});

TEST(F32LayerNorm, MatchesReferenceOverSizes) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) LayerNormTester().n(n).Test(k.fn);
  }
}

TEST(F32LayerNorm, InPlace) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) LayerNormTester().n(n).inplace(true).Test(k.fn);
  }
}

TEST(F32LayerNorm, NullGammaOrBeta) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 7, 17, 768, 1001}) {
      LayerNormTester().n(n).gamma(false).Test(k.fn);
      LayerNormTester().n(n).beta(false).Test(k.fn);
      LayerNormTester().n(n).gamma(false).beta(false).inplace(true).Test(k.fn);
    }
  }
}

// A large common offset: E[x^2] - E[x]^2 would lose every digit here.
TEST(F32LayerNorm, LargeOffsetDoesNotCancel) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {5, 17, 768, 4099}) {
      LayerNormTester().n(n).offset(1000.0f).spread(1.0f).Test(k.fn);
      LayerNormTester().n(n).offset(-3.0e4f).spread(50.0f).Test(k.fn);
    }
  }
}

TEST(F32LayerNorm, LargeAndTinyMagnitudes) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {3, 33, 768}) {
      LayerNormTester().n(n).spread(1.0e15f).Test(k.fn);
      LayerNormTester().n(n).spread(1.0e-3f).eps(0.0f).Test(k.fn);
    }
  }
}

// A constant row has zero variance: every output is beta (0 without beta).
TEST(F32LayerNorm, ConstantRowGivesBeta) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 4, 17, 768, 4099}) {
      std::vector<float> x(n, 0.5f), gamma(n, 3.0f), beta(n), y(n);
      for (size_t i = 0; i < n; ++i) beta[i] = 0.25f * static_cast<float>(i % 7);
      k.fn(n, x.data(), gamma.data(), beta.data(), 1e-5f, y.data());
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], beta[i]) << "n=" << n << " i=" << i;
      k.fn(n, x.data(), nullptr, nullptr, 1e-5f, y.data());
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], 0.0f) << "n=" << n << " i=" << i;
    }
  }
}

TEST(F32LayerNorm, NanPropagatesToTheRow) {
  for (const auto& k : kF32LayerNormKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 5, 16, 33}) {
      std::vector<float> x(n, 1.0f), y(n);
      x[n / 2] = std::numeric_limits<float>::quiet_NaN();
      k.fn(n, x.data(), nullptr, nullptr, 1e-5f, y.data());
      for (size_t i = 0; i < n; ++i) EXPECT_TRUE(std::isnan(y[i])) << "n=" << n << " i=" << i;
    }
  }
}

TEST(F32LayerNormRows, ThreadedEqualsOneThreadBitForBit) {
  const size_t rows = 67, n = 768;
  std::vector<float> x(rows * n), gamma(n), beta(n);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * i) * 4.0f + static_cast<float>(i / n);
  for (size_t i = 0; i < n; ++i) {
    gamma[i] = 1.0f + 0.001f * i;
    beta[i] = std::cos(0.1f * i);
  }
  std::vector<float> y1(x.size()), y4(x.size());
  ASSERT_TRUE(
      f32_layernorm_rows(nullptr, rows, n, x.data(), gamma.data(), beta.data(), 1e-5f, y1.data()).ok());
  ThreadPool pool(4);
  ASSERT_TRUE(f32_layernorm_rows(&pool, rows, n, x.data(), gamma.data(), beta.data(), 1e-5f, y4.data()).ok());
  EXPECT_EQ(y1, y4);
  std::vector<float> inplace = x;
  ASSERT_TRUE(
      f32_layernorm_rows(&pool, rows, n, inplace.data(), gamma.data(), beta.data(), 1e-5f, inplace.data())
          .ok());
  EXPECT_EQ(inplace, y1);
  for (size_t r = 0; r < rows; r += 11) {
    std::vector<float> ref(n);
    f32_layernorm_ukernel__scalar(n, x.data() + r * n, gamma.data(), beta.data(), 1e-5f, ref.data());
    for (size_t c = 0; c < n; ++c) ASSERT_NEAR(y1[r * n + c], ref[c], 1e-5f) << "row " << r << " col " << c;
  }
}

TEST(F32LayerNormRows, RejectsEmptyAndOverflowingShapes) {
  float v = 0;
  Status s = f32_layernorm_rows(nullptr, 0, 5, &v, nullptr, nullptr, 1e-5f, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("rows (0)"), std::string::npos) << s.message();
  s = f32_layernorm_rows(nullptr, 3, 0, &v, nullptr, nullptr, 1e-5f, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("n (0)"), std::string::npos) << s.message();
  EXPECT_EQ(f32_layernorm_rows(nullptr, SIZE_MAX / 2, 3, &v, nullptr, nullptr, 1e-5f, &v).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qkv
