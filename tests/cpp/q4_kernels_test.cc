// The q4 GEMV and GEMM microkernels (q4-gemv, q4-gemm) and the SIMD kernels'
// form of x (q4_simd_x_form, checked here by hand): the SIMD kernels
// against the plain-loop oracles, exact integer sums at the extremes (q = 0
// and 15, x = ±127), GEMM rows bit for bit the GEMV's (prefill = decode), the
// relaxed-SIMD kernels bit for bit the SIMD128 ones (where they exist), and
// gemm() with q4 weights on inputs whose quantization is exact.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/packed_layout.h"
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4-gemv/gemv.h"
#include "kernels/q4/quant.h"
#include "quant_kernel_tester.h"

namespace qkv {
namespace {

using quant_test::same_bits;
using quant_test::x_value;

// A packed q4 matrix of `rows` rows (grouped layout) with chosen nibbles,
// and one activation row, in every form the kernels take.
struct Case {
  size_t rows, k;
  std::vector<uint8_t> q;     // nibbles, grouped
  std::vector<float> scales;  // d and m, grouped
  std::vector<int8_t> x8;     // q8_padded(k), zero padded
  std::vector<int16_t> x16;
  std::vector<int16_t> xf;  // the SIMD kernels' form (q4_simd_x_form)
  std::vector<float> x_scales, x_sums;
};

// Nibble patterns: 0 all 0; 1 all 15; 2 alternating 0/15; 3 random; 4 15 with
// a few 0. x patterns: quant_test::x_value.
int nibble(int pattern, size_t i, std::mt19937& rng) {
  switch (pattern) {
    case 0:
      return 0;
    case 1:
      return 15;
    case 2:
      return i % 2 ? 15 : 0;
    case 4:
      return i % 7 ? 15 : 0;
    default:
      return static_cast<int>(rng() % 16);
  }
}
// Unit scales (d = 1, m = 0, x_scale = 1) make each output the exact integer
// dot product; otherwise random d, m, x scales.
Case make_case(size_t rows, size_t k, int wp, int xp, bool unit, std::mt19937& rng) {
  Case c{rows, k, {}, {}, {}, {}, {}, {}, {}};
  const size_t grouped = q4_grouped_rows(rows), blocks = q4_blocks(k);
  c.q.assign(grouped * blocks * kQ4BlockBytes, 0);
  c.scales.assign(grouped * blocks * 2, 0.0f);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t r = 0; r < grouped; ++r) {
    for (size_t b = 0; b < blocks; ++b) {
      uint8_t block[kQ4BlockBytes] = {};
      for (size_t i = 0; i < kQ4BlockSize; ++i) {
        const int v = nibble((wp + static_cast<int>(r)) % 5, b * 32 + i, rng);
        block[i % 16] = static_cast<uint8_t>(block[i % 16] | (i < 16 ? v : v << 4));
      }
      q4_store_block(c.q.data(), c.scales.data(), k, r, b, block, unit ? 1.0f : dist(rng) * 0.01f,
                     unit ? 0.0f : dist(rng) * 0.1f);
    }
  }
  c.x8.assign(q8_padded(k), 0);
  for (size_t i = 0; i < k; ++i) c.x8[i] = static_cast<int8_t>(x_value(xp, i, rng));
  c.x16.assign(c.x8.begin(), c.x8.end());
  c.xf.resize(c.x8.size());
  q4_simd_x_form(k, c.x8.data(), c.xf.data());
  c.x_scales.assign(blocks, 1.0f);
  if (!unit) {
    for (float& v : c.x_scales) v = dist(rng) * 0.02f;
  }
  c.x_sums.resize(blocks);
  q4_activation_sums(k, c.x8.data(), c.x_scales.data(), c.x_sums.data());
  return c;
}

// Row r's block-b value i, decoded by hand from the layout of packed_layout.h.
int value_at(const Case& c, size_t r, size_t i) {
  const size_t g = r / 4, b = i / 32, j = i % 32;
  const uint8_t byte = c.q[((g * q4_blocks(c.k) + b) * 4 + r % 4) * 16 + j % 16];
  return j < 16 ? byte & 15 : byte >> 4;
}

const size_t kRows[] = {1, 3, 4, 5, 9, 16};

// x's SIMD form, written out from its definition in q4-gemv/gemv.h.
TEST(Q4Gemv, SimdFormOfX) {
  std::vector<int8_t> x(64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(i % 3 == 0 ? -127 : 127 - int(i));
  std::vector<int16_t> f(64);
  q4_simd_x_form(40, x.data(), f.data());
  for (size_t b = 0; b < 2; ++b) {
    for (size_t j = 0; j < 8; ++j) {
      const int8_t* xb = x.data() + 32 * b;
      const int16_t* fb = f.data() + 32 * b;
      ASSERT_EQ(fb[j], 256 * xb[2 * j]);
      ASSERT_EQ(fb[8 + j], xb[2 * j + 1]);
      ASSERT_EQ(fb[16 + j], 16 * xb[2 * j + 16]);
      ASSERT_EQ(fb[24 + j], 256 * xb[2 * j + 17]);
    }
  }
}
const size_t kKs[] = {1, 31, 32, 33, 75, 256};

TEST(Q4Gemv, UnitScalesGiveTheExactIntegerDotProducts) {
  std::mt19937 rng(1);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 5; ++wp) {
        for (int xp = 0; xp < 4; ++xp) {
          const Case c = make_case(rows, k, wp, xp, true, rng);
          std::vector<float> y_scalar(rows), y_simd(rows);
          q4_gemv_ukernel__scalar(rows, k, c.q.data(), c.scales.data(), c.x16.data(), c.x_scales.data(),
                                  c.x_sums.data(), nullptr, y_scalar.data());
          q4_gemv_ukernel__simd(rows, k, c.q.data(), c.scales.data(), c.xf.data(), c.x_scales.data(),
                                c.x_sums.data(), nullptr, y_simd.data());
          for (size_t r = 0; r < rows; ++r) {
            int64_t dot = 0;
            for (size_t i = 0; i < k; ++i) dot += int64_t(value_at(c, r, i)) * c.x8[i];
            ASSERT_EQ(y_scalar[r], static_cast<float>(dot)) << rows << "x" << k << " row " << r;
            ASSERT_EQ(y_simd[r], static_cast<float>(dot)) << rows << "x" << k << " row " << r;
          }
        }
      }
    }
  }
}

// d = 0 and m = 1: each output is the sum of x over the row (the offset term alone).
TEST(Q4Gemv, OffsetTermAloneGivesTheSumOfX) {
  std::mt19937 rng(2);
  for (size_t k : kKs) {
    Case c = make_case(5, k, 3, 3, true, rng);
    for (size_t i = 0; i < c.scales.size(); i += 8) {
      for (size_t j = 0; j < 4; ++j) {
        c.scales[i + j] = 0.0f;
        c.scales[i + 4 + j] = 1.0f;
      }
    }
    int64_t sum = 0;
    for (size_t i = 0; i < k; ++i) sum += c.x8[i];
    std::vector<float> y(5);
    q4_gemv_ukernel__simd(5, k, c.q.data(), c.scales.data(), c.xf.data(), c.x_scales.data(), c.x_sums.data(),
                          nullptr, y.data());
    for (float v : y) ASSERT_EQ(v, static_cast<float>(sum)) << k;
  }
}

// Random scales: the SIMD kernel against the double-precision oracle.
TEST(Q4Gemv, SimdMatchesScalar) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      const Case c = make_case(rows, k, 3, 3, false, rng);
      std::vector<float> bias(rows), y_scalar(rows), y_simd(rows);
      for (float& v : bias) v = dist(rng);
      q4_gemv_ukernel__scalar(rows, k, c.q.data(), c.scales.data(), c.x16.data(), c.x_scales.data(),
                              c.x_sums.data(), bias.data(), y_scalar.data());
      q4_gemv_ukernel__simd(rows, k, c.q.data(), c.scales.data(), c.xf.data(), c.x_scales.data(),
                            c.x_sums.data(), bias.data(), y_simd.data());
      for (size_t r = 0; r < rows; ++r) {
        // Bound: float rounding of every block's terms, each <= 15 * 127 * 32 * |d x_scale| + |m x_sum|.
        double mag = std::fabs(bias[r]);
        for (size_t b = 0; b < q4_blocks(k); ++b) {
          const size_t at = q4_grouped_d(r, b, k);
          mag +=
              60960.0 * std::fabs(c.scales[at] * c.x_scales[b]) + std::fabs(c.scales[at + 4] * c.x_sums[b]);
        }
        ASSERT_NEAR(y_simd[r], y_scalar[r], 1e-6 * mag + 1e-7) << rows << "x" << k << " row " << r;
      }
    }
  }
}

// mr activation rows (cases whose weights are the first case's, nc rows) in
// the GEMM kernels' strided forms.
struct GemmRows {
  std::vector<Case> cases;
  size_t x8_stride, xq_stride, xs_stride;
  std::vector<int8_t> x8;
  std::vector<int16_t> x16, xf;
  std::vector<float> x_scales, x_sums;
};
GemmRows make_gemm_rows(size_t mr, size_t nc, size_t k, std::mt19937& rng) {
  GemmRows g;
  for (size_t i = 0; i < mr; ++i) g.cases.push_back(make_case(nc, k, 3, static_cast<int>(i % 4), false, rng));
  g.x8_stride = q8_padded(k) + 16;
  g.xq_stride = q8_padded(k) + 32;
  g.xs_stride = q8_blocks(k) + 1;
  g.x8 = quant_test::stack_rows(g.cases, &Case::x8, g.x8_stride);
  g.x16 = quant_test::stack_rows(g.cases, &Case::x16, g.xq_stride);
  g.xf = quant_test::stack_rows(g.cases, &Case::xf, g.xq_stride);
  g.x_scales = quant_test::stack_rows(g.cases, &Case::x_scales, g.xs_stride);
  g.x_sums = quant_test::stack_rows(g.cases, &Case::x_sums, g.xs_stride);
  return g;
}

// GEMM rows: bit for bit the GEMV's outputs for the same activation row, and
// the oracle's within rounding; nothing written past nc.
TEST(Q4Gemm, RowsEqualTheGemvBitForBit) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t k : kKs) {
    for (size_t mr : {1, 2, 3, 5}) {
      for (size_t nc = 1; nc <= kQ4RowGroup; ++nc) {
        const GemmRows g = make_gemm_rows(mr, nc, k, rng);
        const Case& w = g.cases[0];  // the weights of the first case serve all rows
        const size_t y_stride = nc + 2;
        std::vector<float> bias(nc);
        for (float& v : bias) v = dist(rng);
        std::vector<float> y(mr * y_stride, quant_test::kUntouched),
            y_ref(mr * y_stride, quant_test::kUntouched);
        q4_gemm_ukernel__simd(mr, nc, k, g.xf.data(), g.xq_stride, g.x_scales.data(), g.x_sums.data(),
                              g.xs_stride, w.q.data(), w.scales.data(), bias.data(), y.data(), y_stride);
        q4_gemm_ukernel__scalar(mr, nc, k, g.x16.data(), g.xq_stride, g.x_scales.data(), g.x_sums.data(),
                                g.xs_stride, w.q.data(), w.scales.data(), bias.data(), y_ref.data(),
                                y_stride);
        quant_test::expect_gemm_rows(
            mr, nc, y_stride, y, y_ref,
            [&](size_t i) {
              std::vector<float> y_gemv(nc);
              q4_gemv_ukernel__simd(nc, k, w.q.data(), w.scales.data(), g.cases[i].xf.data(),
                                    g.cases[i].x_scales.data(), g.cases[i].x_sums.data(), bias.data(),
                                    y_gemv.data());
              return y_gemv;
            },
            [](size_t) { return 1e-4; });
      }
    }
  }
}

#if defined(__wasm_relaxed_simd__)
// The relaxed kernels: exact integer sums at the extremes, and the SIMD128
// kernels' bits with random scales, GEMV and GEMM alike.
TEST(Q4Relaxed, GemvEqualsTheSimd128KernelBitForBit) {
  std::mt19937 rng(5);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 5; ++wp) {
        for (int xp = 0; xp < 4; ++xp) {
          for (bool unit : {true, false}) {
            const Case c = make_case(rows, k, wp, xp, unit, rng);
            std::vector<float> y_relaxed(rows), y_simd(rows), bias(rows, unit ? 0.0f : 0.375f);
            q4_gemv_ukernel__relaxed(rows, k, c.q.data(), c.scales.data(), c.x8.data(), c.x_scales.data(),
                                     c.x_sums.data(), bias.data(), y_relaxed.data());
            q4_gemv_ukernel__simd(rows, k, c.q.data(), c.scales.data(), c.xf.data(), c.x_scales.data(),
                                  c.x_sums.data(), bias.data(), y_simd.data());
            for (size_t r = 0; r < rows; ++r) {
              if (unit) {
                int64_t dot = 0;
                for (size_t i = 0; i < k; ++i) dot += int64_t(value_at(c, r, i)) * c.x8[i];
                ASSERT_EQ(y_relaxed[r], static_cast<float>(dot)) << rows << "x" << k << " row " << r;
              }
              ASSERT_TRUE(same_bits(y_relaxed[r], y_simd[r]))
                  << rows << "x" << k << " row " << r << ": " << y_relaxed[r] << " vs " << y_simd[r];
            }
          }
        }
      }
    }
  }
}

TEST(Q4Relaxed, GemmEqualsTheSimd128KernelBitForBit) {
  std::mt19937 rng(6);
  for (size_t k : kKs) {
    for (size_t mr : {1, 2, 3, 5}) {
      for (size_t nc = 1; nc <= kQ4RowGroup; ++nc) {
        const GemmRows g = make_gemm_rows(mr, nc, k, rng);
        const Case& w = g.cases[0];
        std::vector<float> y_relaxed(mr * nc), y_simd(mr * nc);
        q4_gemm_ukernel__relaxed(mr, nc, k, g.x8.data(), g.x8_stride, g.x_scales.data(), g.x_sums.data(),
                                 g.xs_stride, w.q.data(), w.scales.data(), nullptr, y_relaxed.data(), nc);
        q4_gemm_ukernel__simd(mr, nc, k, g.xf.data(), g.xq_stride, g.x_scales.data(), g.x_sums.data(),
                              g.xs_stride, w.q.data(), w.scales.data(), nullptr, y_simd.data(), nc);
        for (size_t i = 0; i < y_simd.size(); ++i) {
          ASSERT_TRUE(same_bits(y_relaxed[i], y_simd[i]))
              << "k=" << k << " mr=" << mr << " nc=" << nc << " at " << i;
        }
      }
    }
  }
}
#endif  // __wasm_relaxed_simd__

// gemm() with q4 weights whose quantization is exact: every block of a row
// holds integers from -8 to 7 with both ends present (so d = 1, m = -8 and
// q = w + 8: GGUF Q4_0's form), and every block of x holds integers in
// [-127, 127] with a ±127 (x scale 1). Outputs are then the exact integer dot
// products, in decode (the GEMV) and prefill (the GEMM), one thread and three.
TEST(Q4Gemm, GemmGivesTheExactIntegerSums) {
  for (auto [m, n, k] :
       {std::tuple<size_t, size_t, size_t>{1, 9, 75}, {1, 16, 256}, {3, 7, 32}, {6, 13, 160}}) {
    std::mt19937 rng(static_cast<unsigned>(m * 100 + n * 10 + k));
    for (int pattern = 0; pattern < 4; ++pattern) {
      std::vector<float> w(n * k), x(m * k);
      for (size_t r = 0; r < n; ++r) {
        for (size_t c = 0; c < k; ++c) {
          const int q = c % 32 == 0   ? 0
                        : c % 32 == 1 ? 15
                                      : nibble((pattern + static_cast<int>(r)) % 5, c, rng);
          w[r * k + c] = static_cast<float>(q - 8);
        }
      }
      // Blocks cut short by K need both ends too: k here is 32 * j + 11 or whole blocks.
      for (size_t i = 0; i < m; ++i) {
        for (size_t c = 0; c < k; ++c) {
          x[i * k + c] =
              static_cast<float>(c % 32 == 0 ? (i % 2 ? -127 : 127) : x_value(pattern, c + i, rng));
        }
      }
      std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ4, n, k));
      std::vector<float> scales(packed_scales_bytes(WeightType::kQ4, n, k) / sizeof(float));
      ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kQ4,
                               data.data(), scales.data(), nullptr)
                      .ok());
      const PackedWeights pw{WeightType::kQ4, n, k, data.data(), scales.data()};
      for (size_t threads : {1, 3}) {
        std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
        std::vector<float> y(m * n, -1.0f);
        ASSERT_TRUE(gemm(pool.get(), m, x.data(), k, pw, nullptr, y.data(), n).ok());
        for (size_t i = 0; i < m; ++i) {
          for (size_t j = 0; j < n; ++j) {
            int64_t dot = 0;
            for (size_t c = 0; c < k; ++c) dot += int64_t(w[j * k + c]) * int64_t(x[i * k + c]);
            ASSERT_EQ(y[i * n + j], static_cast<float>(dot))
                << m << "x" << n << "x" << k << " pattern " << pattern << " at " << i << "," << j;
          }
        }
      }
    }
  }
}

// Prefill (M > 1, the q4 GEMM) gives each row the bits that decoding that row
// alone (M = 1, the q4 GEMV) gives, threads or not.
TEST(Q4Gemm, PrefillRowsEqualTheDecodeGemvBitForBit) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (auto [m, n, k] : {std::tuple<size_t, size_t, size_t>{7, 45, 77}, {70, 33, 300}, {3, 130, 768}}) {
    std::vector<float> w(n * k), x(m * k), b(n);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng);
    for (float& v : b) v = dist(rng);
    std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ4, n, k));
    std::vector<float> scales(packed_scales_bytes(WeightType::kQ4, n, k) / sizeof(float));
    ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kQ4,
                             data.data(), scales.data(), nullptr)
                    .ok());
    const PackedWeights pw{WeightType::kQ4, n, k, data.data(), scales.data()};
    std::vector<float> y;
    quant_test::expect_prefill_equals_decode(3, m, x.data(), pw, b.data(), &y);
  }
}

}  // namespace
}  // namespace qkv
