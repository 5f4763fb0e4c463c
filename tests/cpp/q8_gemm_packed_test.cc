// The packed q8 GEMM paths (q8-gemm/packed.cc, and packed-relaxed.cc in the
// relaxed-SIMD builds): their packings against plain loops, and their outputs
// against the q8 GEMV bit for bit (the arithmetic the two must share) and
// against the plain-loop GEMM within float rounding; through gemm(), the
// build's own path (relaxed or SIMD128) against its decode GEMV.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/thread_pool.h"
#include "gemm_tester.h"
#include "kernels/common/f16.h"
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

// A block scale of q8 (f32) or q8h (f16 bits; common/q8.h) near v.
float make_scale(float v, float*) { return v; }
uint16_t make_scale(float v, uint16_t*) { return f32_to_f16(v); }

// mr <= 4 activation rows and nc <= 8 weight rows (one row group: the 4x4
// tile; two: the 4x8 tile) against the GEMV (bits) and the plain-loop GEMM
// (values), with K around the block size; q8's f32 scales or q8h's f16 ones.
template <class Scale>
void check_tiles() {
  std::mt19937 rng(22);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::uniform_int_distribution<int> qd(-127, 127);
  for (size_t k : {1, 7, 31, 32, 33, 75, 256, 300}) {
    const size_t blocks = q8_blocks(k), padded = q8_padded(k);
    for (size_t mr = 1; mr <= kQ8GemmTileRows; ++mr) {
      for (size_t nc = 1; nc <= 2 * kQ8RowGroup; ++nc) {
        const size_t groups = nc > kQ8RowGroup ? 2 : 1;
        // Random bytes in the grouped layout, padding rows included: the kernels must ignore them.
        std::vector<int8_t> q(groups * kQ8RowGroup * padded);
        std::vector<Scale> scales(groups * kQ8RowGroup * blocks);
        std::vector<float> bias(nc);
        for (int8_t& v : q) v = static_cast<int8_t>(qd(rng));
        for (Scale& v : scales) v = make_scale(dist(rng) * 0.01f, &v);
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
        const size_t group_values = kQ8GemmPackedBlock * blocks;
        std::vector<int16_t> xa(group_values), w(groups * group_values);
        q8_gemm_pack_x(mr, k, x8.data(), padded, xa.data());
        for (size_t h = 0; h < groups; ++h) {
          q8_gemm_pack_group__scalar(k, q.data() + h * kQ8RowGroup * padded, w.data() + h * group_values);
        }
        const size_t y_stride = nc + 3;
        std::vector<float> y(mr * y_stride, -7.0f), y_ref(mr * y_stride, -7.0f);
        if (groups == 2) {
          q8_gemm_ukernel_4x8_packed__simd(mr, nc, k, xa.data(), xs.data(), blocks, w.data(), scales.data(),
                                           bias.data(), y.data(), y_stride);
        } else {
          q8_gemm_ukernel_4x4_packed__simd(mr, nc, k, xa.data(), xs.data(), blocks, w.data(), scales.data(),
                                           bias.data(), y.data(), y_stride);
        }
        std::vector<float> gemv(mr * nc);
        for (size_t h = 0; h < groups; ++h) {
          const size_t c0 = h * kQ8RowGroup, cols = std::min(kQ8RowGroup, nc - c0);
          const int8_t* qh = q.data() + c0 * padded;
          const Scale* sh = scales.data() + c0 * blocks;
          q8_gemm_ukernel__scalar(mr, cols, k, xq.data(), padded, xs.data(), blocks, qh, sh, bias.data() + c0,
                                  y_ref.data() + c0, y_stride);
          for (size_t i = 0; i < mr; ++i) {
            q8_gemv_ukernel__simd(cols, k, qh, sh, xq.data() + i * padded, xs.data() + i * blocks,
                                  bias.data() + c0, gemv.data() + i * nc + c0);
          }
        }
        for (size_t i = 0; i < mr; ++i) {
          for (size_t j = 0; j < y_stride; ++j) {
            const float got = y[i * y_stride + j];
            if (j >= nc) {
              ASSERT_EQ(got, -7.0f) << "wrote past nc: k=" << k << " mr=" << mr << " nc=" << nc;
              continue;
            }
            ASSERT_EQ(got, gemv[i * nc + j])
                << "k=" << k << " mr=" << mr << " nc=" << nc << " row " << i << " col " << j;
            ASSERT_NEAR(got, y_ref[i * y_stride + j], 1e-4f) << "k=" << k << " mr=" << mr << " nc=" << nc;
          }
        }
      }
    }
  }
}

TEST(Q8GemmPacked, TileMatchesTheGemvBitForBitAndTheScalarGemm) { check_tiles<float>(); }
TEST(Q8GemmPacked, Q8hTileMatchesTheGemvBitForBitAndTheScalarGemm) { check_tiles<uint16_t>(); }

#if defined(__wasm_relaxed_simd__)

// Bytes biased to the extremes: a third ±127 (or -128 where allowed: the
// weights, the relaxed dot product's int8 operand), the rest anywhere.
int8_t extreme_byte(std::mt19937& rng, bool allow_min) {
  std::uniform_int_distribution<int> any(allow_min ? -128 : -127, 127), pick(0, 5);
  switch (pick(rng)) {
    case 0:
      return 127;
    case 1:
      return static_cast<int8_t>(allow_min ? -128 : -127);
    default:
      return static_cast<int8_t>(any(rng));
  }
}

// The relaxed tile packing spelled out from its definition (gemm.h), value by
// value, including -128 (the quantizer never writes it; the split still gives
// 7-bit parts: p = 0, n = 127).
TEST(Q8GemmPackedRelaxed, ActivationPackingSplitsSignsAndInterleavesQuads) {
  std::mt19937 rng(23);
  for (size_t k : {1, 31, 32, 40, 96}) {
    const size_t blocks = q8_blocks(k), stride = q8_padded(k) + 8, xs_stride = blocks + 2;
    std::vector<int8_t> x8(kQ8GemmTileRows * stride);
    for (size_t i = 0; i < x8.size(); ++i) x8[i] = static_cast<int8_t>(int(i % 256) - 128);
    std::shuffle(x8.begin(), x8.end(), rng);
    std::vector<float> x_scales(kQ8GemmTileRows * xs_stride);
    for (size_t i = 0; i < x_scales.size(); ++i) x_scales[i] = 0.5f + static_cast<float>(i);
    for (size_t rows = 1; rows <= kQ8GemmTileRows; ++rows) {
      std::vector<int8_t> xa(kQ8GemmRelaxedTileBlock * blocks, 99);
      std::vector<float> xs(kQ8GemmTileRows * blocks, -1.0f);
      q8_gemm_pack_x__relaxed(rows, k, x8.data(), stride, x_scales.data(), xs_stride, xa.data(), xs.data());
      for (size_t b = 0; b < blocks; ++b) {
        for (size_t r = 0; r < kQ8GemmTileRows; ++r) {
          ASSERT_EQ(xs[b * 4 + r], r < rows ? x_scales[r * xs_stride + b] : 0.0f) << "b=" << b << " r=" << r;
          for (size_t j = 0; j < kQ8BlockSize; ++j) {
            const int v = r < rows ? x8[r * stride + b * kQ8BlockSize + j] : 0;
            const int want_p = v > 0 ? v : 0, want_n = v == -128 ? 127 : (v < 0 ? -v : 0);
            const size_t at = b * 256 + j / 4 * 32 + r * 4 + j % 4;
            ASSERT_EQ(xa[at], want_p)
                << "k=" << k << " rows=" << rows << " b=" << b << " r=" << r << " j=" << j;
            ASSERT_EQ(xa[at + 16], want_n)
                << "k=" << k << " rows=" << rows << " b=" << b << " r=" << r << " j=" << j;
          }
        }
      }
    }
  }
}

// The relaxed 4x4 tile on raw bytes at the extremes (-128 weights included):
// with unit scales, every output is the exact int64 dot product (and the
// scalar GEMM's); with random scales, the bits of the relaxed GEMV (decode)
// and of the SIMD128 GEMV for each row, and the scalar GEMM's value within
// float rounding. Padding weight rows hold random bytes the kernel must
// ignore; nothing is written past mr x nc.
TEST(Q8GemmPackedRelaxed, TileMatchesTheGemvsBitForBitAndTheScalarGemm) {
  std::mt19937 rng(24);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t k : {1, 7, 31, 32, 33, 75, 256, 300}) {
    const size_t blocks = q8_blocks(k), padded = q8_padded(k);
    for (size_t mr = 1; mr <= kQ8GemmTileRows; ++mr) {
      for (size_t nc = 1; nc <= kQ8RowGroup; ++nc) {
        std::vector<int8_t> q(kQ8RowGroup * padded);
        for (int8_t& v : q) v = extreme_byte(rng, true);
        // Activation rows as the quantizer leaves them: [-127, 127], zero padding past k.
        std::vector<int8_t> x8(kQ8GemmTileRows * padded, 0);
        std::vector<int16_t> x16(kQ8GemmTileRows * padded, 0);
        for (size_t i = 0; i < mr; ++i) {
          for (size_t c = 0; c < k; ++c) x16[i * padded + c] = x8[i * padded + c] = extreme_byte(rng, false);
        }
        std::vector<int8_t> xa(kQ8GemmRelaxedTileBlock * blocks);
        std::vector<float> xs(kQ8GemmTileRows * blocks);
        const size_t y_stride = nc + 3;
        for (bool unit : {true, false}) {
          std::vector<float> scales(kQ8RowGroup * blocks, 1.0f), x_scales(kQ8GemmTileRows * blocks, 1.0f);
          std::vector<float> bias(nc, 0.0f);
          if (!unit) {
            for (float& v : scales) v = dist(rng) * 0.01f;
            for (float& v : x_scales) v = dist(rng) * 0.02f;
            for (float& v : bias) v = dist(rng);
          }
          q8_gemm_pack_x__relaxed(mr, k, x8.data(), padded, x_scales.data(), blocks, xa.data(), xs.data());
          std::vector<float> y(mr * y_stride, -7.0f), y_ref(mr * y_stride, -7.0f);
          q8_gemm_ukernel_4x4_packed__relaxed(mr, nc, k, xa.data(), xs.data(), q.data(), scales.data(),
                                              unit ? nullptr : bias.data(), y.data(), y_stride);
          q8_gemm_ukernel__scalar(mr, nc, k, x16.data(), padded, x_scales.data(), blocks, q.data(),
                                  scales.data(), unit ? nullptr : bias.data(), y_ref.data(), y_stride);
          for (size_t i = 0; i < mr; ++i) {
            const std::vector<int8_t> row(x8.begin() + i * padded, x8.begin() + (i + 1) * padded);
            std::vector<int8_t> pn(2 * padded);
            q8_split_signs_row__relaxed(k, row.data(), pn.data());
            std::vector<float> gemv_relaxed(nc), gemv_simd(nc);
            q8_gemv_ukernel__relaxed(nc, k, q.data(), scales.data(), pn.data(), x_scales.data() + i * blocks,
                                     unit ? nullptr : bias.data(), gemv_relaxed.data());
            q8_gemv_ukernel__simd(nc, k, q.data(), scales.data(), x16.data() + i * padded,
                                  x_scales.data() + i * blocks, unit ? nullptr : bias.data(),
                                  gemv_simd.data());
            for (size_t j = 0; j < y_stride; ++j) {
              const float got = y[i * y_stride + j];
              if (j >= nc) {
                ASSERT_EQ(got, -7.0f) << "wrote past nc: k=" << k << " mr=" << mr << " nc=" << nc;
                continue;
              }
              const std::string at = "k=" + std::to_string(k) + " mr=" + std::to_string(mr) +
                                     " nc=" + std::to_string(nc) + " unit=" + std::to_string(unit) + " at " +
                                     std::to_string(i) + "," + std::to_string(j);
              if (unit) {
                int64_t dot = 0;
                for (size_t c = 0; c < k; ++c) {
                  dot +=
                      int64_t(q[q8_grouped_block(j, c / kQ8BlockSize, k) * kQ8BlockSize + c % kQ8BlockSize]) *
                      x8[i * padded + c];
                }
                ASSERT_EQ(got, static_cast<float>(dot)) << at;
                ASSERT_EQ(y_ref[i * y_stride + j], static_cast<float>(dot)) << at;
              }
              ASSERT_EQ(std::memcmp(&got, &gemv_relaxed[j], sizeof(float)), 0) << at;
              ASSERT_EQ(std::memcmp(&got, &gemv_simd[j], sizeof(float)), 0) << at;
              ASSERT_NEAR(got, y_ref[i * y_stride + j], 1e-4f) << at;
            }
          }
        }
      }
    }
  }
}

#endif  // __wasm_relaxed_simd__

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
