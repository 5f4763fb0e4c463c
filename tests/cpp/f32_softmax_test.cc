#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "kernel_cases.h"
#include "softmax_tester.h"

namespace qkv {
namespace {

// 1, every remainder of the widest vector (16 lanes), primes, and large rows.
const std::vector<size_t> kSizes = tail_sizes_and({11, 13, 1000, 1025, 4099, 50257, 1048579});

TEST(F32Softmax, MatchesReferenceOverSizes) {
  for (const auto& k : kF32SoftmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) SoftmaxTester().n(n).Test(k.fn);
  }
}

TEST(F32Softmax, InPlace) {
  for (const auto& k : kF32SoftmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) SoftmaxTester().n(n).inplace(true).Test(k.fn);
  }
}

TEST(F32Softmax, LargeMagnitudesDoNotOverflow) {
  for (const auto& k : kF32SoftmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 5, 17, 100}) SoftmaxTester().n(n).range(-80.0f, 3000.0f).Test(k.fn);
    for (size_t n : {1, 5, 17, 100}) SoftmaxTester().n(n).range(-3000.0f, -2900.0f).Test(k.fn);
  }
}

TEST(F32Softmax, NegativeInfinityGetsZeroWeight) {
  const float ninf = -std::numeric_limits<float>::infinity();
  for (const auto& k : kF32SoftmaxKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> x = {0.0f, ninf, 0.0f, ninf, ninf, 0.0f, 0.0f, ninf, 0.0f};
    std::vector<float> y(x.size());
    k.fn(x.size(), x.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(y[i], x[i] == 0.0f ? 0.2f : 0.0f) << i;
  }
}

// Same as torch.softmax: NaN anywhere, or a row of only -inf, gives NaN everywhere.
TEST(F32Softmax, NanPropagatesLikeTorch) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float ninf = -std::numeric_limits<float>::infinity();
  for (const auto& k : kF32SoftmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 3, 4, 9, 33}) {
      for (size_t pos : {size_t{0}, n / 2, n - 1}) {
        std::vector<float> x(n, 1.0f), y(n);
        x[pos] = nan;
        k.fn(n, x.data(), y.data());
        for (size_t i = 0; i < n; ++i) EXPECT_TRUE(std::isnan(y[i])) << "n=" << n << " nan at " << pos;
      }
      std::vector<float> x(n, ninf), y(n);
      k.fn(n, x.data(), y.data());
      for (size_t i = 0; i < n; ++i) EXPECT_TRUE(std::isnan(y[i])) << "all -inf, n=" << n;
    }
  }
}

TEST(F32SoftmaxRows, ThreadedEqualsOneThreadBitForBit) {
  const size_t rows = 97, cols = 301;
  std::vector<float> x(rows * cols);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * i) * 8.0f;
  std::vector<float> y1(x.size()), y4(x.size());
  ASSERT_TRUE(f32_softmax_rows(nullptr, rows, cols, x.data(), y1.data()).ok());
  ThreadPool pool(4);
  ASSERT_TRUE(f32_softmax_rows(&pool, rows, cols, x.data(), y4.data()).ok());
  EXPECT_EQ(y1, y4);
  for (size_t r = 0; r < rows; r += 13) {
    std::vector<float> ref(cols);
    f32_softmax_ukernel__scalar(cols, x.data() + r * cols, ref.data());
    for (size_t c = 0; c < cols; ++c) ASSERT_NEAR(y1[r * cols + c], ref[c], 1e-6f + 4e-6f * ref[c]);
  }
}

TEST(F32SoftmaxRows, RejectsEmptyShapes) {
  float v = 0;
  Status s = f32_softmax_rows(nullptr, 0, 5, &v, &v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("rows (0)"), std::string::npos) << s.message();
  EXPECT_EQ(f32_softmax_rows(nullptr, 3, 0, &v, &v).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f32_softmax_rows(nullptr, SIZE_MAX / 2, 3, &v, &v).code(), StatusCode::kInvalidArgument);
}

// log_softmax: the SIMD kernel against the scalar reference (double sum) and
// against the definition: exp(y) sums to 1, y - x is one constant.
TEST(F32LogSoftmax, MatchesReferenceOverSizesInPlaceToo) {
  for (size_t n : kSizes) {
    for (bool in_place : {false, true}) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 12.0f + 3.0f;
      std::vector<float> ref(n), y(n);
      f32_log_softmax_ukernel__scalar(n, x.data(), ref.data());
      if (in_place) {
        y = x;
        f32_log_softmax_ukernel__simd(n, y.data(), y.data());
      } else {
        f32_log_softmax_ukernel__simd(n, x.data(), y.data());
      }
      double total = 0;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(y[i], ref[i], 2e-5f + 1e-6f * std::fabs(ref[i])) << "n=" << n << " i=" << i;
        ASSERT_NEAR(y[i] - x[i], y[0] - x[0], 1e-5f) << "n=" << n << " i=" << i;
        total += std::exp(static_cast<double>(y[i]));
      }
      EXPECT_NEAR(total, 1.0, 1e-5) << "n=" << n;
    }
  }
}

TEST(F32LogSoftmax, InfinitiesAndNanAsTorch) {
  const float ninf = -std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (auto fn : {f32_log_softmax_ukernel__scalar, f32_log_softmax_ukernel__simd}) {
    // -inf stays -inf; the four finite entries share the mass equally.
    std::vector<float> x = {0.0f, ninf, 0.0f, ninf, ninf, 0.0f, 0.0f, ninf, ninf};
    std::vector<float> y(x.size());
    fn(x.size(), x.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] == ninf) {
        EXPECT_EQ(y[i], ninf) << i;
      } else {
        EXPECT_NEAR(y[i], -std::log(4.0f), 1e-6f) << i;
      }
    }
    // NaN anywhere, or a row of only -inf: NaN everywhere.
    for (const std::vector<float>& bad :
         {std::vector<float>{1.0f, nan, 2.0f, 3.0f, 4.0f}, std::vector<float>(7, ninf)}) {
      std::vector<float> out(bad.size());
      fn(bad.size(), bad.data(), out.data());
      for (float v : out) EXPECT_TRUE(std::isnan(v));
    }
  }
}

}  // namespace
}  // namespace qkv
