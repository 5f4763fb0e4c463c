// The few-row f32 GEMV (f32-gemv/8x4panel-simd.cc, gemm()'s path for 2..8
// rows of f32 weights): against its scalar oracle in double on awkward
// shapes (K across several of its K-blocks, partial last panels, strided
// rows), equal bit for bit to the M = 1 GEMV on each row, writing nothing
// outside its rows and columns; and gemm() routing to it, one thread or
// several, equal to gemm() row by row.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {
namespace {

constexpr float kSentinel = -12345.0f;

struct RowsCase {
  size_t m, count, nc, k, x_pad, y_pad;
};

// Runs the SIMD kernel and the scalar oracle on random data; checks the
// tolerance against the oracle, bit equality with the one-row SIMD GEMV, and
// that padding columns and stride gaps keep their sentinel.
void check_rows(const RowsCase& c, bool with_bias, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  const size_t nr = gemm_nr(), width = (c.count - 1) * nr + c.nc;
  const size_t x_stride = c.k + c.x_pad, y_stride = c.count * nr + c.y_pad;
  std::vector<float> x(c.m * x_stride), panels(c.count * c.k * nr), bias(c.count * nr);
  for (float& v : x) v = dist(rng);
  for (float& v : panels) v = dist(rng);
  for (float& v : bias) v = dist(rng);
  const float* b = with_bias ? bias.data() : nullptr;
  std::vector<float> want(c.m * y_stride, kSentinel), got(want), row(c.count * nr, kSentinel);
  f32_gemv_ukernel_8x4panel__scalar(c.m, c.count, c.nc, c.k, x.data(), x_stride, panels.data(), b,
                                    want.data(), y_stride);
  f32_gemv_ukernel_8x4panel__simd(c.m, c.count, c.nc, c.k, x.data(), x_stride, panels.data(), b, got.data(),
                                  y_stride);
  for (size_t r = 0; r < c.m; ++r) {
    f32_gemv_ukernel_4panel__simd(c.count, c.nc, c.k, x.data() + r * x_stride, panels.data(), b, row.data());
    for (size_t j = 0; j < y_stride; ++j) {
      const float g = got[r * y_stride + j];
      if (j >= width) {
        ASSERT_EQ(g, kSentinel) << "wrote column " << j << " of row " << r;
        continue;
      }
      // |error| of a sum of k products of values in [-1, 1], in float.
      ASSERT_NEAR(g, want[r * y_stride + j], 2e-6f * (c.k + 1)) << "row " << r << " col " << j;
      ASSERT_EQ(std::memcmp(&g, &row[j], sizeof g), 0)
          << "row " << r << " col " << j << ": " << g << " vs " << row[j] << " of the M = 1 GEMV";
    }
  }
}

TEST(F32GemvRows, SimdMatchesScalarOnAwkwardShapes) {
  const size_t nr = gemm_nr();
  std::mt19937 rng(19);
  for (size_t m = 1; m <= kGemvMaxRows; ++m) {
    for (size_t count = 1; count <= kGemmPanelGroup; ++count) {
      for (size_t nc : {size_t{1}, nr / 2 + 1, nr}) {
        // 1 and 7: less than a vector of rows; 129, 515, 1031: one to several
        // K-blocks with a partial last one on every target.
        for (size_t k : {1, 7, 129, 515, 1031}) check_rows({m, count, nc, k, 0, 0}, true, rng);
      }
    }
  }
}

TEST(F32GemvRows, StridedRowsAndNoBias) {
  std::mt19937 rng(20);
  for (size_t m : {2, 5, 8}) {
    check_rows({m, 4, gemm_nr(), 300, 3, 5}, false, rng);
    check_rows({m, 3, 2, 2049, 1, 7}, true, rng);
  }
}

// gemm() on f32 weights with 2..kGemvMaxRows rows, on one thread and on
// three: equal bit for bit to one gemm() call per row (the decode GEMV), so
// a beam search's beams get the logits greedy decoding would.
TEST(F32GemvRows, GemmRowsEqualOneRowCallsBitForBit) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> dist(-1, 1);
  ThreadPool pool(3);
  for (size_t n : {7, 33, 301, 1000}) {
    const size_t k = 517;
    std::vector<float> src(n * k), bias(n);
    for (float& v : src) v = dist(rng);
    for (float& v : bias) v = dist(rng);
    std::vector<float> packed(packed_weights_bytes(WeightType::kF32, n, k) / sizeof(float));
    ASSERT_TRUE(pack_weights(src.data(), SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kF32,
                             packed.data(), nullptr, nullptr)
                    .ok());
    const PackedWeights w{WeightType::kF32, n, k, packed.data(), nullptr};
    for (size_t m = 2; m <= kGemvMaxRows; ++m) {
      std::vector<float> x(m * k);
      for (float& v : x) v = dist(rng);
      std::vector<float> rows(m * n), one(n);
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
        ASSERT_TRUE(gemm(p, m, x.data(), k, w, bias.data(), rows.data(), n).ok());
        for (size_t r = 0; r < m; ++r) {
          ASSERT_TRUE(gemm(nullptr, 1, x.data() + r * k, k, w, bias.data(), one.data(), n).ok());
          ASSERT_EQ(std::memcmp(one.data(), rows.data() + r * n, n * sizeof(float)), 0)
              << "m " << m << ", row " << r << ", n " << n << (p ? ", 3 threads" : "");
        }
      }
    }
  }
}

}  // namespace
}  // namespace qkv
