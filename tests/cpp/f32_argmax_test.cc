#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "kernel_cases.h"
#include "kernels/f32-argmax/argmax.h"

namespace qkv {
namespace {

const std::vector<size_t> kSizes = sweep_sizes({50257});
const float kNan = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

// Independent reference: std::max_element over the non-NaN entries (it
// returns the first of equal maxima).
size_t argmax_reference(const std::vector<float>& x) {
  std::vector<size_t> order;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isnan(x[i])) order.push_back(i);
  }
  if (order.empty()) return 0;
  return *std::max_element(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
}

TEST(F32Argmax, MaximumAtEveryPositionOfEveryTail) {
  for (const auto& k : kF32ArgmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = std::sin(0.7f * i);
      const size_t step = n > 200 ? n / 37 : 1;
      for (size_t pos = 0; pos < n; pos += step) {
        std::vector<float> y = x;
        y[pos] = 2.0f;
        ASSERT_EQ(k.fn(n, y.data()), pos) << "n=" << n;
        y[n - 1] = 2.0f;  // a later equal maximum does not win
        ASSERT_EQ(k.fn(n, y.data()), pos) << "n=" << n;
      }
    }
  }
}

TEST(F32Argmax, RandomRowsWithTiesMatchReference) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> small(-20, 20);  // many ties
  for (const auto& k : kF32ArgmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : kSizes) {
      std::vector<float> x(n);
      for (float& v : x) v = static_cast<float>(small(rng));
      ASSERT_EQ(k.fn(n, x.data()), argmax_reference(x)) << "n=" << n;
    }
  }
}

TEST(F32Argmax, NanIsIgnoredAndInfinitiesCount) {
  for (const auto& k : kF32ArgmaxKernels) {
    SCOPED_TRACE(k.name);
    for (size_t n : {1, 2, 5, 16, 17, 33, 100}) {
      std::vector<float> x(n, kNan);
      EXPECT_EQ(k.fn(n, x.data()), 0u) << "all NaN, n=" << n;
      x[n - 1] = -kInf;
      EXPECT_EQ(k.fn(n, x.data()), n - 1) << "only -inf is a number, n=" << n;
      x[n / 2] = -1e30f;
      EXPECT_EQ(k.fn(n, x.data()), n / 2) << "n=" << n;
      std::vector<float> y(n, -kInf);
      EXPECT_EQ(k.fn(n, y.data()), 0u) << "all -inf, n=" << n;
      y[n - 1] = kInf;
      y[0] = kNan;
      EXPECT_EQ(k.fn(n, y.data()), n - 1) << "n=" << n;
    }
    std::vector<float> x = {kNan, 1.0f, kNan, 3.0f, kNan, 3.0f, 2.0f, kNan, kNan, kNan,
                            kNan, kNan, kNan, kNan, kNan, kNan, kNan, 3.0f, kNan};
    EXPECT_EQ(k.fn(x.size(), x.data()), 3u);
    EXPECT_EQ(k.fn(0, x.data()), 0u);
  }
}

// Reference for top-k: a full stable sort of (value, index) with NaN last.
std::vector<size_t> topk_reference(const std::vector<float>& x, size_t k) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (std::isnan(x[a]) || std::isnan(x[b])) return !std::isnan(x[a]) && std::isnan(x[b]);
    return x[a] > x[b];
  });
  order.resize(std::min(k, x.size()));
  return order;
}

void expect_topk(const std::vector<float>& x, size_t k) {
  const size_t m = std::min(k, x.size());
  std::vector<int32_t> idx(m + 1, -5);
  std::vector<float> val(m + 1, -5.0f);
  ASSERT_EQ(f32_topk(x.size(), x.data(), k, idx.data(), val.data()), m);
  ASSERT_EQ(idx[m], -5) << "wrote past min(k, n)";
  const std::vector<size_t> ref = topk_reference(x, k);
  for (size_t i = 0; i < m; ++i) {
    ASSERT_EQ(idx[i], static_cast<int32_t>(ref[i])) << "n=" << x.size() << " k=" << k << " rank " << i;
    if (std::isnan(x[ref[i]])) {
      ASSERT_TRUE(std::isnan(val[i]));
    } else {
      ASSERT_EQ(val[i], x[ref[i]]);
    }
  }
}

TEST(F32Topk, MatchesStableSort) {
  std::mt19937 rng(11);
  std::normal_distribution<float> logits(0.0f, 3.0f);
  std::uniform_int_distribution<int> small(-5, 5);
  for (size_t n : kSizes) {
    std::vector<float> smooth(n), tied(n);
    for (float& v : smooth) v = logits(rng);
    for (float& v : tied) v = static_cast<float>(small(rng));
    for (size_t k : {size_t{1}, size_t{2}, size_t{5}, size_t{40}, n - 1, n, n + 3}) {
      expect_topk(smooth, k);
      expect_topk(tied, k);
    }
  }
}

TEST(F32Topk, NanRanksLastAndInfinitiesRankByValue) {
  const std::vector<float> x = {kNan, 2.0f, -kInf, kNan, kInf, 2.0f, -1.0f, kNan};
  for (size_t k = 0; k <= x.size() + 1; ++k) expect_topk(x, k);
  std::vector<int32_t> idx(8);
  std::vector<float> val(8);
  ASSERT_EQ(f32_topk(x.size(), x.data(), 8, idx.data(), val.data()), 8u);
  const std::vector<int32_t> want = {4, 1, 5, 6, 2, 0, 3, 7};
  EXPECT_EQ(idx, want);
}

TEST(F32Topk, ZeroKOrEmptyRowReturnsNothing) {
  const float x[] = {1.0f, 2.0f};
  int32_t idx = -1;
  float val = -1;
  EXPECT_EQ(f32_topk(2, x, 0, &idx, &val), 0u);
  EXPECT_EQ(f32_topk(0, x, 3, &idx, &val), 0u);
  EXPECT_EQ(idx, -1);
}

}  // namespace
}  // namespace qkv
