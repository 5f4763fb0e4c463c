// The q6k layout (common/q6k.h), its GEMV and GEMM microkernels (q6k-gemv,
// q6k-gemm) and gemm() with q6k weights: every stored value reads back as
// q8k's definition (and, from ggml Q6_K blocks, as ggml's reference
// dequantization, bit for bit); the SIMD kernels against the plain-loop
// oracle and bit for bit the q8k kernels on the same super-blocks (they do
// q8k's arithmetic on the unpacked bytes), exact integer sums at the
// extremes (u = 0 and 63: every bit of the 6-bit packing), GEMM rows bit for
// bit the GEMV's, the relaxed kernels the SIMD128 ones' bits, and the size.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/common/q6k.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/to_q8k.h"
#include "kernels/q4/quant.h"
#include "kernels/q6k-gemm/gemm.h"
#include "kernels/q6k-gemv/gemv.h"
#include "kernels/q8/quant.h"
#include "kernels/q8k-gemv/gemv.h"
#include "quant_kernel_tester.h"

namespace qkv {
namespace {

using quant_test::same_bits;
using quant_test::x_value;

// Random Q6_K-shaped super-blocks (mins 0) for `rows` rows, held both as q6k
// and as q8k, and one activation row in the kernels' forms.
struct Case {
  size_t rows, k;
  std::vector<std::vector<Q8KSuper>> plain;
  std::vector<uint8_t> q6k;
  std::vector<float> q6k_scales;
  std::vector<int8_t> q8k;
  std::vector<float> q8k_scales;
  std::vector<int8_t> x8;
  std::vector<int16_t> x16;
  std::vector<int8_t> x_ord;
  std::vector<int32_t> x_offsets;
  std::vector<float> x_scales, x_sums;
};

// Weight patterns: 0 all -32 (u = 0), 1 all 31 (u = 63), 2 alternating,
// 3 random. unit: d = 1 and x scales 1, so each output is an exact integer.
Case make_case(size_t rows, size_t k, int wp, int xp, bool unit, std::mt19937& rng) {
  Case c{rows, k, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  std::uniform_real_distribution<float> dist(-1, 1);
  c.q6k.assign(packed_weights_bytes(WeightType::kQ6K, rows, k), 0xA5);  // every byte written by the stores
  c.q6k_scales.assign(packed_scales_bytes(WeightType::kQ6K, rows, k) / sizeof(float), 0.0f);
  c.q8k.assign(packed_weights_bytes(WeightType::kQ8K, rows, k), 0);
  c.q8k_scales.assign(packed_scales_bytes(WeightType::kQ8K, rows, k) / sizeof(float), 0.0f);
  c.plain.resize(q8k_grouped_rows(rows), std::vector<Q8KSuper>(q8k_supers(k), Q8KSuper{}));
  for (size_t r = 0; r < q8k_grouped_rows(rows); ++r) {
    for (size_t s = 0; s < q8k_supers(k); ++s) {
      Q8KSuper& v = c.plain[r][s];
      if (r < rows) {
        const int p = (wp + static_cast<int>(r)) % 4;
        for (size_t i = 0; i < kQ8KSuperBlock; ++i) {
          v.q[i] = static_cast<int8_t>(p == 0   ? -32
                                       : p == 1 ? 31
                                       : p == 2 ? (i % 2 ? 31 : -32)
                                                : static_cast<int>(rng() % 64) - 32);
        }
        for (size_t j = 0; j < 16; ++j)
          v.sc[j] = static_cast<int8_t>(wp == 0 ? (j % 2 ? 127 : -128) : static_cast<int>(rng() % 256) - 128);
        v.d = unit ? 1.0f : dist(rng) * 0.001f;
      }
      q6k_store_super(c.q6k.data(), c.q6k_scales.data(), k, r, s, v);
      q8k_store_super(c.q8k.data(), c.q8k_scales.data(), k, r, s, v);
    }
  }
  quant_test::fill_q8k_x(c, k, xp, unit, rng);
  return c;
}

const size_t kRows[] = {1, 3, 4, 5, 9, 16};
const size_t kKs[] = {256, 512, 768};

std::vector<float> gemv_scalar(const Case& w, const Case& x, const float* bias) {
  std::vector<float> y(w.rows);
  q6k_gemv_ukernel__scalar(w.rows, w.k, w.q6k.data(), w.q6k_scales.data(), x.x16.data(), x.x_scales.data(),
                           bias, y.data());
  return y;
}
using Q6KGemv = decltype(&q6k_gemv_ukernel__simd);
std::vector<float> gemv_with(Q6KGemv kernel, const Case& w, const Case& x, const float* bias) {
  std::vector<float> y(w.rows);
  kernel(w.rows, w.k, w.q6k.data(), w.q6k_scales.data(), x.x_ord.data(), x.x_offsets.data(),
         x.x_scales.data(), bias, y.data());
  return y;
}
using Q8KGemv = decltype(&q8k_gemv_ukernel__simd);
std::vector<float> q8k_gemv_with(Q8KGemv kernel, const Case& w, const Case& x, const float* bias) {
  std::vector<float> y(w.rows);
  kernel(w.rows, w.k, w.q8k.data(), w.q8k_scales.data(), x.x_ord.data(), x.x_offsets.data(),
         x.x_scales.data(), x.x_sums.data(), bias, y.data());
  return y;
}

// Every value, padding rows included, reads back as q8k's definition of the
// super-block stored: d * sc * q, the same bits as the q8k layout's.
TEST(Q6KLayout, StoredValuesReadBackAsQ8KDefines) {
  std::mt19937 rng(10);
  for (int wp = 0; wp < 4; ++wp) {
    const Case c = make_case(6, 512, wp, 3, false, rng);
    for (size_t r = 0; r < 8; ++r) {
      for (size_t i = 0; i < 512; ++i) {
        const Q8KSuper& v = c.plain[r][i / 256];
        const size_t j = i % 256;
        const float want = float(v.d * float(v.sc[j / 16])) * float(v.q[j]);
        ASSERT_TRUE(same_bits(q6k_value(c.q6k.data(), c.q6k_scales.data(), 512, r, i), want))
            << r << "," << i;
        ASSERT_TRUE(same_bits(q6k_value(c.q6k.data(), c.q6k_scales.data(), 512, r, i),
                              q8k_value(c.q8k.data(), c.q8k_scales.data(), 512, r, i)));
      }
      std::vector<float> row(512);
      q6k_row_values(c.q6k.data(), c.q6k_scales.data(), 512, r, row.data());
      for (size_t i = 0; i < 512; ++i)
        ASSERT_TRUE(same_bits(row[i], q6k_value(c.q6k.data(), c.q6k_scales.data(), 512, r, i)))
            << r << "," << i;
    }
  }
}

// With d = 1 and unit x scales the oracle gives the float of the exact
// integer dot product, and the SIMD kernel q8k's bits on the same blocks
// (u = 0 and 63 in patterns 0-2: every bit of A and N).
TEST(Q6KGemv, SimdEqualsQ8KBitForBitAndTheOracle) {
  std::mt19937 rng(1);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 4; ++wp) {
        for (int xp = 0; xp < 4; ++xp) {
          for (bool unit : {true, false}) {
            const Case c = make_case(rows, k, wp, xp, unit, rng);
            std::vector<float> bias(rows, unit ? 0.0f : 0.375f);
            const std::vector<float> y = gemv_with(q6k_gemv_ukernel__simd, c, c, bias.data());
            const std::vector<float> y8 = q8k_gemv_with(q8k_gemv_ukernel__simd, c, c, bias.data());
            const std::vector<float> y_ref = gemv_scalar(c, c, bias.data());
            for (size_t r = 0; r < rows; ++r) {
              ASSERT_TRUE(same_bits(y[r], y8[r]))
                  << rows << "x" << k << " row " << r << ": " << y[r] << " vs " << y8[r];
              double mag = std::fabs(bias[r]);
              for (size_t b = 0; b < k / 32; ++b)
                mag += 2 * 128.0 * 16 * 32 * 127 * std::fabs(c.plain[r][b / 8].d * c.x_scales[b]);
              ASSERT_NEAR(y[r], y_ref[r], 1e-6 * mag + 1e-7) << rows << "x" << k << " row " << r;
            }
          }
        }
      }
    }
  }
}

// The GEMM kernel (the row group unpacked into q8k's layout, the q8k GEMM
// over it): each row the GEMV's bits, the oracle's within rounding, nothing
// written past nc.
TEST(Q6KGemm, RowsEqualTheGemvBitForBit) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t k : kKs) {
    for (size_t mr : {1, 2, 3, 5}) {
      for (size_t nc = 1; nc <= kQ6KRowGroup; ++nc) {
        std::vector<Case> cases;
        for (size_t i = 0; i < mr; ++i)
          cases.push_back(make_case(nc, k, 3, static_cast<int>(i % 4), false, rng));
        const size_t x_stride = k + 32, xs_stride = k / 32 + 1, y_stride = nc + 2;
        const auto x16 = quant_test::stack_rows(cases, &Case::x16, x_stride);
        const auto x_ord = quant_test::stack_rows(cases, &Case::x_ord, x_stride);
        const auto x_offsets = quant_test::stack_rows(cases, &Case::x_offsets, 2 * xs_stride);
        const auto x_scales = quant_test::stack_rows(cases, &Case::x_scales, xs_stride);
        const auto x_sums = quant_test::stack_rows(cases, &Case::x_sums, xs_stride);
        const Case& w = cases[0];
        std::vector<float> bias(nc);
        for (float& v : bias) v = dist(rng);
        std::vector<float> y(mr * y_stride, quant_test::kUntouched),
            y_ref(mr * y_stride, quant_test::kUntouched);
        q6k_gemm_ukernel__simd(mr, nc, k, x_ord.data(), x_stride, x_offsets.data(), x_scales.data(),
                               x_sums.data(), xs_stride, w.q6k.data(), w.q6k_scales.data(), bias.data(),
                               y.data(), y_stride);
        q6k_gemm_ukernel__scalar(mr, nc, k, x16.data(), x_stride, x_scales.data(), xs_stride, w.q6k.data(),
                                 w.q6k_scales.data(), bias.data(), y_ref.data(), y_stride);
        quant_test::expect_gemm_rows(
            mr, nc, y_stride, y, y_ref,
            [&](size_t i) { return gemv_with(q6k_gemv_ukernel__simd, w, cases[i], bias.data()); },
            [&](size_t) { return 1e-6 * 2 * 128.0 * 16 * 32 * 127 * (k / 32) * 0.001 * 0.02 + 1e-5; });
      }
    }
  }
}

#if defined(__wasm_relaxed_simd__)
// The relaxed kernels: the relaxed q8k kernel's bits, and so the SIMD128 ones'.
TEST(Q6KRelaxed, GemvAndGemmEqualTheSimd128KernelsBitForBit) {
  std::mt19937 rng(6);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 4; ++wp) {
        for (bool unit : {true, false}) {
          const Case c = make_case(rows, k, wp, wp, unit, rng);
          const std::vector<float> bias(rows, unit ? 0.0f : 0.375f);
          const std::vector<float> y = gemv_with(q6k_gemv_ukernel__relaxed, c, c, bias.data());
          const std::vector<float> y8 = q8k_gemv_with(q8k_gemv_ukernel__relaxed, c, c, bias.data());
          const std::vector<float> y_simd = gemv_with(q6k_gemv_ukernel__simd, c, c, bias.data());
          for (size_t r = 0; r < rows; ++r) {
            ASSERT_TRUE(same_bits(y[r], y8[r])) << rows << "x" << k << " row " << r;
            ASSERT_TRUE(same_bits(y[r], y_simd[r])) << rows << "x" << k << " row " << r;
          }
          if (rows > kQ6KRowGroup) continue;
          std::vector<float> g(rows), g_simd(rows);
          q6k_gemm_ukernel__relaxed(1, rows, k, c.x_ord.data(), k, c.x_offsets.data(), c.x_scales.data(),
                                    c.x_sums.data(), k / 32, c.q6k.data(), c.q6k_scales.data(), bias.data(),
                                    g.data(), rows);
          q6k_gemm_ukernel__simd(1, rows, k, c.x_ord.data(), k, c.x_offsets.data(), c.x_scales.data(),
                                 c.x_sums.data(), k / 32, c.q6k.data(), c.q6k_scales.data(), bias.data(),
                                 g_simd.data(), rows);
          for (size_t r = 0; r < rows; ++r) ASSERT_TRUE(same_bits(g[r], g_simd[r])) << rows << "x" << k;
        }
      }
    }
  }
}
#endif  // __wasm_relaxed_simd__

// ggml Q6_K blocks through the exact repack into q6k: every value is ggml's
// reference dequantization bit for bit (the gather, as for tied
// embeddings), and gemm() (decode and prefill, threads or not) the
// double-precision product of those values with x's q8 values.
TEST(Q6KGemm, GgmlBlocksAgainstTheReferenceDequantization) {
  std::mt19937 rng(8);
  for (auto [m, n, k] :
       {std::tuple<size_t, size_t, size_t>{1, 9, 256}, {3, 16, 512}, {7, 13, 768}, {70, 6, 256}}) {
    const size_t row_bytes = k / 256 * sizeof(ggml::BlockQ6_K);
    const std::vector<uint8_t> blocks = quant_test::random_kquant_blocks(ggml::Type::kQ6_K, n, k, 0x24, rng);
    std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ6K, n, k));
    std::vector<float> scales(packed_scales_bytes(WeightType::kQ6K, n, k) / sizeof(float));
    WeightPacker packer(SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kQ6K, data.data(),
                        scales.data());
    ASSERT_TRUE(packer.check().ok());
    std::vector<float> w(n * k);
    std::vector<Q8KSuper> row(k / 256);
    for (size_t r = 0; r < n; ++r) {
      ggml::q6_K_to_q8k_row(blocks.data() + r * row_bytes, k, row.data());
      ASSERT_TRUE(packer.add_q6k_row(r, row.data()).ok());
      ggml::dequantize_row_fn(ggml::Type::kQ6_K)(blocks.data() + r * row_bytes, w.data() + r * k,
                                                 static_cast<int64_t>(k));
    }
    packer.finish();
    const PackedWeights pw{WeightType::kQ6K, n, k, data.data(), scales.data()};
    std::vector<int32_t> ids(n);
    for (size_t r = 0; r < n; ++r) ids[r] = static_cast<int32_t>(n - 1 - r);
    std::vector<float> gathered(n * k);
    ASSERT_TRUE(packed_weights_gather_rows(pw, ids.data(), n, gathered.data()).ok());
    for (size_t r = 0; r < n; ++r) {
      ASSERT_EQ(std::memcmp(gathered.data() + r * k, w.data() + (n - 1 - r) * k, k * sizeof(float)), 0) << r;
    }
    quant_test::expect_gemm_matches_values(m, pw, w, rng);
  }
}

// Rows with mins, values outside [-32, 31], f32 rows and K outside whole
// super-blocks are refused.
TEST(Q6KLayout, RefusesWhatItCannotHold) {
  std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ6K, 4, 512));
  std::vector<float> scales(packed_scales_bytes(WeightType::kQ6K, 4, 512) / sizeof(float));
  WeightPacker packer(SourceType::kF32, SourceLayout::kNK, 4, 256, WeightType::kQ6K, data.data(),
                      scales.data());
  ASSERT_TRUE(packer.check().ok());
  Q8KSuper v{};
  v.q[0] = -32;
  v.q[255] = 31;
  EXPECT_TRUE(packer.add_q6k_row(0, &v).ok());
  Q8KSuper bad = v;
  bad.q[3] = 32;
  EXPECT_FALSE(packer.add_q6k_row(1, &bad).ok());
  bad = v;
  bad.mn[2] = 1;
  EXPECT_FALSE(packer.add_q6k_row(1, &bad).ok());
  bad = v;
  bad.dmin = 0.5f;
  EXPECT_FALSE(packer.add_q6k_row(1, &bad).ok());
  EXPECT_FALSE(packer.add_q8k_row(1, &v).ok());
  std::vector<float> x(512), y(4);
  const Status f = packer.add_rows(x.data(), 0, 1, nullptr);
  EXPECT_FALSE(f.ok());
  EXPECT_NE(f.message().find("q6k"), std::string::npos) << f.message();
  EXPECT_FALSE(
      WeightPacker(SourceType::kF32, SourceLayout::kNK, 4, 300, WeightType::kQ6K, data.data(), scales.data())
          .check()
          .ok());
  const Status s =
      gemm(nullptr, 1, x.data(), 300, PackedWeights{WeightType::kQ6K, 4, 300, data.data(), scales.data()},
           nullptr, y.data(), 4);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("multiple of 256"), std::string::npos) << s.message();
}

// 832 bytes and 4 floats per 1024 weights: 0.828 bytes a weight, within 1%
// of Q6_K's 210 bytes per 256, against q8k's 1.125.
TEST(Q6KLayout, SizeIsNearlyQ6_Ks) {
  for (auto [n, k] : {std::pair<uint64_t, uint64_t>{4, 256}, {8, 1024}, {151936, 1024}}) {
    EXPECT_EQ(packed_size(WeightType::kQ6K, n, k).total(), n * k / 1024 * 848);
    EXPECT_LE(packed_size(WeightType::kQ6K, n, k).total(), n * k / 256 * 210 * 101 / 100);
  }
  EXPECT_STREQ(weight_type_name(WeightType::kQ6K), "q6k");
}

}  // namespace
}  // namespace qkv
