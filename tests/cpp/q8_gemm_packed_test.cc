// The packed q8 GEMM path (q8-gemm/packed.cc): its packings against plain
// loops, and its outputs against the q8 GEMV bit for bit (the arithmetic the
// two must share) and against the plain-loop GEMM within float rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "core/thread_pool.h"
#include "gemm_tester.h"
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8/quant.h"

namespace qkv {
namespace {

TEST(Q8GemmPacked, GroupPackingMatchesPlainLoops) {
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> qd(-128, 127);
  for (size_t k : {1, 31, 32, 33, 64, 200}) {
    std::vector<int8_t> q(kQ8RowGroup * q8_padded(k));
    for (int8_t& v : q) v = static_cast<int8_t>(qd(rng));
    const size_t size = kQ8GemmPackedBlock * q8_blocks(k);
    std::vector<int16_t> want(size, -999), got(size, -999);
    q8_gemm_pack_group__scalar(k, q.data(), want.data());
    q8_gemm_pack_group__simd(k, q.data(), got.data());
    ASSERT_EQ(want, got) << "k=" << k;
    // The layout spelled out once more: pair 1 of block 0 starts with row 0's values 2 and 3, then row 1's.
    if (k >= 32) {
      EXPECT_EQ(got[8], q[2]);
      EXPECT_EQ(got[9], q[3]);
      EXPECT_EQ(got[10], q[kQ8BlockSize + 2]);
    }
  }
}

TEST(Q8GemmPacked, ActivationPackingInterleavesFourRowsAndZeroesTheRest) {
  const size_t k = 40, stride = q8_padded(k) + 8;
  std::vector<int8_t> x8(kQ8GemmTileRows * stride);
  for (size_t i = 0; i < x8.size(); ++i) x8[i] = static_cast<int8_t>(int(i % 251) - 125);
  for (size_t rows = 1; rows <= kQ8GemmTileRows; ++rows) {
    std::vector<int16_t> xa(kQ8GemmPackedBlock * q8_blocks(k), -999);
    q8_gemm_pack_x(rows, k, x8.data(), stride, xa.data());
    for (size_t b = 0; b < q8_blocks(k); ++b) {
      for (size_t j = 0; j < kQ8BlockSize; ++j) {
        for (size_t r = 0; r < kQ8GemmTileRows; ++r) {
          const size_t at = ((b * kQ8BlockSize / 2 + j / 2) * kQ8GemmTileRows + r) * 2 + j % 2;
          const int want = r < rows ? x8[r * stride + b * kQ8BlockSize + j] : 0;
          ASSERT_EQ(xa[at], want) << "rows=" << rows << " b=" << b << " j=" << j << " r=" << r;
        }
      }
    }
  }
}

// mr <= 4 activation rows and nc <= 4 weight rows against the GEMV (bits) and
// the plain-loop GEMM (values), with K around the block size.
TEST(Q8GemmPacked, TileMatchesTheGemvBitForBitAndTheScalarGemm) {
  std::mt19937 rng(22);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::uniform_int_distribution<int> qd(-127, 127);
  for (size_t k : {1, 7, 31, 32, 33, 75, 256, 300}) {
    const size_t blocks = q8_blocks(k), padded = q8_padded(k);
    for (size_t mr = 1; mr <= kQ8GemmTileRows; ++mr) {
      for (size_t nc = 1; nc <= kQ8RowGroup; ++nc) {
        // Random bytes in the grouped layout, padding rows included: the kernels must ignore them.
        std::vector<int8_t> q(kQ8RowGroup * padded);
        std::vector<float> scales(kQ8RowGroup * blocks), bias(nc);
        for (int8_t& v : q) v = static_cast<int8_t>(qd(rng));
        for (float& v : scales) v = dist(rng) * 0.01f;
        for (float& v : bias) v = dist(rng);
        // mr rows quantized by the scalar reference, then packed; padding rows' scales 0.
        std::vector<int8_t> x8(kQ8GemmTileRows * padded);
        std::vector<int16_t> xq(kQ8GemmTileRows * padded);
        std::vector<float> xs(kQ8GemmTileRows * blocks, 0.0f);
        for (size_t i = 0; i < mr; ++i) {
          std::vector<float> x(k);
          for (float& v : x) v = dist(rng) * (1 + 4 * dist(rng));
          f32_to_q8_row__scalar(k, x.data(), x8.data() + i * padded, xs.data() + i * blocks);
          std::copy(x8.begin() + i * padded, x8.begin() + (i + 1) * padded, xq.begin() + i * padded);
        }
        std::vector<int16_t> xa(kQ8GemmPackedBlock * blocks), w(kQ8GemmPackedBlock * blocks);
        q8_gemm_pack_x(mr, k, x8.data(), padded, xa.data());
        q8_gemm_pack_group__scalar(k, q.data(), w.data());
        const size_t y_stride = nc + 3;
        std::vector<float> y(mr * y_stride, -7.0f), y_ref(mr * y_stride, -7.0f);
        q8_gemm_ukernel_4x4_packed__simd(mr, nc, k, xa.data(), xs.data(), blocks, w.data(), scales.data(),
                                         bias.data(), y.data(), y_stride);
        q8_gemm_ukernel__scalar(mr, nc, k, xq.data(), padded, xs.data(), blocks, q.data(), scales.data(),
                                bias.data(), y_ref.data(), y_stride);
        for (size_t i = 0; i < mr; ++i) {
          std::vector<float> gemv(nc);
          q8_gemv_ukernel__simd(nc, k, q.data(), scales.data(), xq.data() + i * padded,
                                xs.data() + i * blocks, bias.data(), gemv.data());
          for (size_t j = 0; j < y_stride; ++j) {
            const float got = y[i * y_stride + j];
            if (j >= nc) {
              ASSERT_EQ(got, -7.0f) << "wrote past nc: k=" << k << " mr=" << mr << " nc=" << nc;
              continue;
            }
            ASSERT_EQ(got, gemv[j]) << "k=" << k << " mr=" << mr << " nc=" << nc << " row " << i << " col "
                                    << j;
            ASSERT_NEAR(got, y_ref[i * y_stride + j], 1e-4f) << "k=" << k << " mr=" << mr << " nc=" << nc;
          }
        }
      }
    }
  }
}

// Through gemm(): M around the 4-row tile and the 64-row pass, N not a
// multiple of 4, K not a multiple of 32, 1 and 3 threads; every row equals
// the decode GEMV's bits, and the product is right (GemmTester's double
// reference on the dequantized weights).
TEST(Q8GemmPacked, PrefillRowsEqualDecodeAcrossTileAndPassEdges) {
  for (auto [m, n, k] : {std::tuple<size_t, size_t, size_t>{3, 5, 33},
                         {4, 4, 32},
                         {5, 7, 31},
                         {63, 9, 65},
                         {64, 13, 96},
                         {65, 6, 100},
                         {133, 11, 70}}) {
    std::mt19937 rng(static_cast<unsigned>(m * 131 + n * 7 + k));
    std::uniform_real_distribution<float> dist(-1, 1);
    std::vector<float> wt(n * k), x(m * k), b(n);
    for (float& v : wt) v = dist(rng);
    for (float& v : x) v = dist(rng) * (1 + 10 * dist(rng) * dist(rng));
    for (float& v : b) v = dist(rng);
    const Q8PackedMatrix packed(wt, n, k);
    for (size_t threads : {1, 3}) {
      std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
      const size_t y_stride = n + 2;
      std::vector<float> prefill(m * y_stride, -7.0f), decode(n);
      ASSERT_TRUE(
          gemm(pool.get(), m, x.data(), k, packed.weights(), b.data(), prefill.data(), y_stride).ok());
      for (size_t i = 0; i < m; ++i) {
        ASSERT_TRUE(
            gemm(pool.get(), 1, x.data() + i * k, k, packed.weights(), b.data(), decode.data(), n).ok());
        for (size_t j = 0; j < n; ++j) {
          ASSERT_EQ(prefill[i * y_stride + j], decode[j])
              << m << "x" << n << "x" << k << " row " << i << " col " << j;
        }
        ASSERT_EQ(prefill[i * y_stride + n], -7.0f);
      }
    }
    GemmTester().m(m).n(n).k(k).type(WeightType::kQ8).Test();
  }
}

}  // namespace
}  // namespace qkv
