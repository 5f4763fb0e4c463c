// The q8k layout and x form (common/q8k.h, q8k_order_x, checked by hand),
// the q8k GEMV and GEMM microkernels (q8k-gemv, q8k-gemm) and gemm() with q8k
// weights: the SIMD kernels against the plain-loop oracle, exact integer sums
// at the extremes (q = -32 and 31, sub-scales -128/127, x = ±127), GEMM rows
// bit for bit the GEMV's (prefill = decode), the relaxed-SIMD kernels bit for
// bit the SIMD128 ones (where they exist), and gemm() on ggml Q5_K/Q6_K
// blocks against a double-precision product of ggml's reference
// dequantization.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/common/q8k.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/to_q8k.h"
#include "kernels/q4/quant.h"
#include "kernels/q8/quant.h"
#include "kernels/q8k-gemm/gemm.h"
#include "kernels/q8k-gemv/gemv.h"
#include "quant_kernel_tester.h"

namespace qkv {
namespace {

using quant_test::same_bits;
using quant_test::x_value;

// A packed q8k matrix of `rows` rows and one activation row in every form the
// kernels take.
struct Case {
  size_t rows, k;
  std::vector<std::vector<Q8KSuper>> plain;  // per row, as written
  std::vector<int8_t> data;
  std::vector<float> scales;
  std::vector<int8_t> x8;
  std::vector<int16_t> x16;
  std::vector<int8_t> x_ord;       // the SIMD kernels' form (q8k_order_x)
  std::vector<int32_t> x_offsets;  // and its offsets
  std::vector<float> x_scales, x_sums;
};

// Weight patterns: 0 all -32; 1 all 31; 2 alternating; 3 random in [-32, 31];
// 4 random in [0, 31] (Q5_K's range). x patterns: quant_test::x_value.
int weight(int pattern, size_t i, std::mt19937& rng) {
  switch (pattern) {
    case 0:
      return -32;
    case 1:
      return 31;
    case 2:
      return i % 2 ? 31 : -32;
    case 4:
      return static_cast<int>(rng() % 32);
    default:
      return static_cast<int>(rng() % 64) - 32;
  }
}
// unit: d = 1, dmin = 0, x scales 1, so each output is an exact integer.
Case make_case(size_t rows, size_t k, int wp, int xp, bool unit, std::mt19937& rng) {
  Case c{rows, k, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  std::uniform_real_distribution<float> dist(-1, 1);
  c.data.assign(packed_weights_bytes(WeightType::kQ8K, rows, k), 0);
  c.scales.assign(packed_scales_bytes(WeightType::kQ8K, rows, k) / sizeof(float), 0.0f);
  c.plain.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    c.plain[r].resize(q8k_supers(k));
    for (size_t s = 0; s < q8k_supers(k); ++s) {
      Q8KSuper& v = c.plain[r][s];
      for (size_t i = 0; i < kQ8KSuperBlock; ++i)
        v.q[i] = static_cast<int8_t>(weight((wp + static_cast<int>(r)) % 5, s * 256 + i, rng));
      for (size_t j = 0; j < 16; ++j)
        v.sc[j] = static_cast<int8_t>(wp == 0 ? (j % 2 ? 127 : -128) : static_cast<int>(rng() % 256) - 128);
      for (size_t b = 0; b < 8; ++b) v.mn[b] = unit ? 0 : static_cast<int8_t>(rng() % 64);
      v.d = unit ? 1.0f : dist(rng) * 0.001f;
      v.dmin = unit ? 0.0f : dist(rng) * 0.01f;
      q8k_store_super(c.data.data(), c.scales.data(), k, r, s, v);
    }
  }
  const Q8KSuper zero{};
  for (size_t r = rows; r < q8k_grouped_rows(rows); ++r) {
    for (size_t s = 0; s < q8k_supers(k); ++s) q8k_store_super(c.data.data(), c.scales.data(), k, r, s, zero);
  }
  quant_test::fill_q8k_x(c, k, xp, unit, rng);
  return c;
}

// Row r's exact integer dot product with x when d = 1 and the mins are 0.
int64_t exact_dot(const Case& c, size_t r) {
  int64_t dot = 0;
  for (size_t i = 0; i < c.k; ++i) {
    const Q8KSuper& v = c.plain[r][i / 256];
    dot += int64_t(v.sc[i % 256 / 16]) * v.q[i % 256] * c.x8[i];
  }
  return dot;
}

const size_t kRows[] = {1, 3, 4, 5, 9, 16};
const size_t kKs[] = {256, 512, 768};

// Sum over row r's blocks of |its exact integer sum|: no partial float sum
// of the blocks exceeds it.
double block_magnitude(const Case& c, size_t r) {
  double total = 0;
  for (size_t b = 0; b < c.k / 32; ++b) {
    int64_t a = 0;
    for (size_t i = b * 32; i < b * 32 + 32; ++i) {
      const Q8KSuper& v = c.plain[r][i / 256];
      a += int64_t(v.sc[i % 256 / 16]) * v.q[i % 256] * c.x8[i];
    }
    total += std::fabs(static_cast<double>(a));
  }
  return total;
}

// The GEMV kernels on w's rows and x's activation row (bias may be null).
std::vector<float> gemv_scalar(const Case& w, const Case& x, const float* bias) {
  std::vector<float> y(w.rows);
  q8k_gemv_ukernel__scalar(w.rows, w.k, w.data.data(), w.scales.data(), x.x16.data(), x.x_scales.data(),
                           x.x_sums.data(), bias, y.data());
  return y;
}
// gemv_simd and gemv_relaxed: the SIMD kernels, which take x in the same form.
using SimdGemv = decltype(&q8k_gemv_ukernel__simd);
std::vector<float> gemv_with(SimdGemv kernel, const Case& w, const Case& x, const float* bias) {
  std::vector<float> y(w.rows);
  kernel(w.rows, w.k, w.data.data(), w.scales.data(), x.x_ord.data(), x.x_offsets.data(), x.x_scales.data(),
         x.x_sums.data(), bias, y.data());
  return y;
}
std::vector<float> gemv_simd(const Case& w, const Case& x, const float* bias) {
  return gemv_with(q8k_gemv_ukernel__simd, w, x, bias);
}

// The form of x written out from its definition (q8k-gemv/gemv.h, common/q8k.h):
// block b's position p holds value 16 * (p / 4 % 2) + 4 * (p / 8) + p % 4, and
// the offsets are 32 times the sums of values 0-15 and 16-31.
TEST(Q8KGemv, OrderedFormOfX) {
  std::mt19937 rng(9);
  std::vector<int8_t> x(512), ordered(512);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<int8_t>(x_value(i < 32 ? 0 : i < 64 ? 1 : 3, i, rng));
  std::vector<int32_t> offsets(32);
  q8k_order_x(512, x.data(), ordered.data(), offsets.data());
  for (size_t b = 0; b < 16; ++b) {
    int sums[2] = {0, 0};
    for (size_t p = 0; p < 32; ++p) {
      const size_t chunk = p / 4, half = chunk % 2, i = half * 16 + chunk / 2 * 4 + p % 4;
      ASSERT_EQ(ordered[b * 32 + p], x[b * 32 + i]) << b << "," << p;
    }
    for (size_t i = 0; i < 32; ++i) sums[i / 16] += x[b * 32 + i];
    ASSERT_EQ(offsets[2 * b], 32 * sums[0]) << b;
    ASSERT_EQ(offsets[2 * b + 1], 32 * sums[1]) << b;
  }
}

// Every value of a packed matrix reads back (q8k_value) as the definition of
// common/q8k.h applied to the super-block stored, whatever its place.
TEST(Q8KLayout, StoredValuesReadBack) {
  std::mt19937 rng(10);
  const Case c = make_case(6, 512, 4, 3, false, rng);
  for (size_t r = 0; r < 6; ++r) {
    for (size_t i = 0; i < 512; ++i) {
      const Q8KSuper& v = c.plain[r][i / 256];
      const size_t j = i % 256;
      const float want = float(v.d * float(v.sc[j / 16])) * float(v.q[j]) - v.dmin * float(v.mn[j / 32]);
      ASSERT_TRUE(same_bits(q8k_value(c.data.data(), c.scales.data(), 512, r, i), want)) << r << "," << i;
    }
  }
}

// With d = 1, no mins and unit x scales, each block's sum is an exact
// integer (int32, and exact as a float: below 2^24). The oracle, summing in
// double, gives the float of the exact dot product; the SIMD kernel sums the
// blocks in float: within one rounding per block of the partial sums.
TEST(Q8KGemv, UnitScalesGiveTheIntegerDotProducts) {
  std::mt19937 rng(1);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 5; ++wp) {
        for (int xp = 0; xp < 4; ++xp) {
          const Case c = make_case(rows, k, wp, xp, true, rng);
          const std::vector<float> y_scalar = gemv_scalar(c, c, nullptr), y_simd = gemv_simd(c, c, nullptr);
          for (size_t r = 0; r < rows; ++r) {
            const double dot = static_cast<double>(exact_dot(c, r));
            ASSERT_EQ(y_scalar[r], static_cast<float>(dot)) << rows << "x" << k << " row " << r;
            ASSERT_NEAR(y_simd[r], dot, (k / 32) * 0x1p-24 * block_magnitude(c, r))
                << rows << "x" << k << " row " << r;
          }
        }
      }
    }
  }
}

// A single block's integer part at its extremes: 2 * 128 * 16 * 32 * 127
// fits int32 and float exactly; the SIMD kernel gives it exactly.
TEST(Q8KGemv, ExtremeBlockIsExact) {
  std::mt19937 rng(5);
  Case c = make_case(4, 256, 0, 1, true, rng);  // q = -32, sc = -128/127, x = -127
  // Only block 0 nonzero in x: the output is that block's exact sum.
  for (size_t i = 32; i < 256; ++i) c.x8[i] = c.x16[i] = 0;
  q4_activation_sums(256, c.x8.data(), c.x_scales.data(), c.x_sums.data());
  q8k_order_x(256, c.x8.data(), c.x_ord.data(), c.x_offsets.data());
  const std::vector<float> y = gemv_simd(c, c, nullptr);
  for (size_t r = 0; r < 4; ++r) ASSERT_EQ(y[r], static_cast<float>(exact_dot(c, r))) << r;
}

// d = 0, dmin = 1, mn = 1: each output is minus the sum of x (the mins alone).
TEST(Q8KGemv, MinTermAloneGivesTheSumOfX) {
  std::mt19937 rng(2);
  for (size_t k : kKs) {
    Case c = make_case(5, k, 3, 3, true, rng);
    for (size_t r = 0; r < 5; ++r) {
      for (size_t s = 0; s < q8k_supers(k); ++s) {
        Q8KSuper v = c.plain[r][s];
        v.d = 0.0f;
        v.dmin = 1.0f;
        for (int8_t& m : v.mn) m = 1;
        q8k_store_super(c.data.data(), c.scales.data(), k, r, s, v);
      }
    }
    int64_t sum = 0;
    for (size_t i = 0; i < k; ++i) sum += c.x8[i];
    for (float v : gemv_simd(c, c, nullptr)) ASSERT_EQ(v, -static_cast<float>(sum)) << k;
  }
}

// Bound for random scales: float rounding of every block's terms.
double magnitude(const Case& c, size_t r, float bias) {
  double mag = std::fabs(bias);
  for (size_t i = 0; i < c.k; i += 32) {
    const Q8KSuper& v = c.plain[r][i / 256];
    mag += 2 * 128.0 * 16 * 32 * 127 * std::fabs(v.d * c.x_scales[i / 32]) +
           std::fabs(v.dmin * v.mn[i % 256 / 32] * c.x_sums[i / 32]);
  }
  return mag;
}

TEST(Q8KGemv, SimdMatchesScalar) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 3; wp < 5; ++wp) {
        const Case c = make_case(rows, k, wp, 3, false, rng);
        std::vector<float> bias(rows);
        for (float& v : bias) v = dist(rng);
        const std::vector<float> y_scalar = gemv_scalar(c, c, bias.data()),
                                 y_simd = gemv_simd(c, c, bias.data());
        for (size_t r = 0; r < rows; ++r) {
          ASSERT_NEAR(y_simd[r], y_scalar[r], 1e-6 * magnitude(c, r, bias[r]) + 1e-7)
              << rows << "x" << k << " row " << r;
        }
      }
    }
  }
}

// mr activation rows (cases whose weights are the first case's, nc rows) in
// the GEMM kernels' strided forms.
struct GemmRows {
  std::vector<Case> cases;
  size_t x_stride, xs_stride;
  std::vector<int16_t> x16;
  std::vector<int8_t> x_ord;
  std::vector<int32_t> x_offsets;
  std::vector<float> x_scales, x_sums;
};
GemmRows make_gemm_rows(size_t mr, size_t nc, size_t k, std::mt19937& rng) {
  GemmRows g;
  for (size_t i = 0; i < mr; ++i) g.cases.push_back(make_case(nc, k, 3, static_cast<int>(i % 4), false, rng));
  g.x_stride = k + 32;
  g.xs_stride = k / 32 + 1;
  g.x16 = quant_test::stack_rows(g.cases, &Case::x16, g.x_stride);
  g.x_ord = quant_test::stack_rows(g.cases, &Case::x_ord, g.x_stride);
  g.x_offsets = quant_test::stack_rows(g.cases, &Case::x_offsets, 2 * g.xs_stride);
  g.x_scales = quant_test::stack_rows(g.cases, &Case::x_scales, g.xs_stride);
  g.x_sums = quant_test::stack_rows(g.cases, &Case::x_sums, g.xs_stride);
  return g;
}

// GEMM rows: bit for bit the GEMV's outputs for the same activation row, and
// the oracle's within rounding; nothing written past nc.
TEST(Q8KGemm, RowsEqualTheGemvBitForBit) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t k : kKs) {
    for (size_t mr : {1, 2, 3, 5}) {
      for (size_t nc = 1; nc <= kQ8KRowGroup; ++nc) {
        const GemmRows g = make_gemm_rows(mr, nc, k, rng);
        const Case& w = g.cases[0];  // the weights of the first case serve all rows
        const size_t y_stride = nc + 2;
        std::vector<float> bias(nc);
        for (float& v : bias) v = dist(rng);
        std::vector<float> y(mr * y_stride, quant_test::kUntouched),
            y_ref(mr * y_stride, quant_test::kUntouched);
        q8k_gemm_ukernel__simd(mr, nc, k, g.x_ord.data(), g.x_stride, g.x_offsets.data(), g.x_scales.data(),
                               g.x_sums.data(), g.xs_stride, w.data.data(), w.scales.data(), bias.data(),
                               y.data(), y_stride);
        q8k_gemm_ukernel__scalar(mr, nc, k, g.x16.data(), g.x_stride, g.x_scales.data(), g.x_sums.data(),
                                 g.xs_stride, w.data.data(), w.scales.data(), bias.data(), y_ref.data(),
                                 y_stride);
        quant_test::expect_gemm_rows(
            mr, nc, y_stride, y, y_ref, [&](size_t i) { return gemv_simd(w, g.cases[i], bias.data()); },
            [&](size_t j) { return 1e-6 * magnitude(w, j, bias[j]) + 1e-7; });
      }
    }
  }
}

#if defined(__wasm_relaxed_simd__)
std::vector<float> gemv_relaxed(const Case& w, const Case& x, const float* bias) {
  return gemv_with(q8k_gemv_ukernel__relaxed, w, x, bias);
}

// The relaxed kernels give the SIMD128 kernels' bits, GEMV and GEMM alike, at
// the extremes and with random scales.
TEST(Q8KRelaxed, GemvEqualsTheSimd128KernelBitForBit) {
  std::mt19937 rng(6);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 5; ++wp) {
        for (int xp = 0; xp < 4; ++xp) {
          for (bool unit : {true, false}) {
            const Case c = make_case(rows, k, wp, xp, unit, rng);
            const std::vector<float> bias(rows, unit ? 0.0f : 0.375f);
            const std::vector<float> y_relaxed = gemv_relaxed(c, c, bias.data()),
                                     y_simd = gemv_simd(c, c, bias.data());
            for (size_t r = 0; r < rows; ++r) {
              ASSERT_TRUE(same_bits(y_relaxed[r], y_simd[r]))
                  << rows << "x" << k << " row " << r << ": " << y_relaxed[r] << " vs " << y_simd[r];
            }
          }
        }
      }
    }
  }
}

TEST(Q8KRelaxed, GemmEqualsTheSimd128KernelBitForBit) {
  std::mt19937 rng(7);
  for (size_t k : kKs) {
    for (size_t mr : {1, 3}) {
      for (size_t nc = 1; nc <= kQ8KRowGroup; ++nc) {
        const GemmRows g = make_gemm_rows(mr, nc, k, rng);
        const Case& w = g.cases[0];
        std::vector<float> y_relaxed(mr * nc), y_simd(mr * nc);
        q8k_gemm_ukernel__relaxed(mr, nc, k, g.x_ord.data(), g.x_stride, g.x_offsets.data(),
                                  g.x_scales.data(), g.x_sums.data(), g.xs_stride, w.data.data(),
                                  w.scales.data(), nullptr, y_relaxed.data(), nc);
        q8k_gemm_ukernel__simd(mr, nc, k, g.x_ord.data(), g.x_stride, g.x_offsets.data(), g.x_scales.data(),
                               g.x_sums.data(), g.xs_stride, w.data.data(), w.scales.data(), nullptr,
                               y_simd.data(), nc);
        for (size_t i = 0; i < mr * nc; ++i)
          ASSERT_TRUE(same_bits(y_relaxed[i], y_simd[i])) << "k=" << k << " mr=" << mr << " nc=" << nc;
      }
    }
  }
}
#endif  // __wasm_relaxed_simd__

// gemm() on q8k weights converted from random Q5_K / Q6_K blocks: decode and
// prefill (threads or not) against the double-precision product of ggml's
// reference dequantization with x's q8 values (the quantizer qkv applies to
// activations, whose rounding is not the kernel's to undo); prefill rows bit
// for bit the decode GEMV's.
TEST(Q8KGemm, GgmlBlocksAgainstTheReferenceDequantization) {
  std::mt19937 rng(8);
  for (ggml::Type type : {ggml::Type::kQ5_K, ggml::Type::kQ6_K}) {
    for (auto [m, n, k] :
         {std::tuple<size_t, size_t, size_t>{1, 9, 256}, {3, 16, 512}, {7, 13, 768}, {70, 6, 256}}) {
      const size_t block_bytes = ggml::type_traits(static_cast<uint32_t>(type))->block_bytes;
      const size_t row_bytes = k / 256 * block_bytes;
      const std::vector<uint8_t> blocks = quant_test::random_kquant_blocks(type, n, k, 0x24, rng);
      std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ8K, n, k));
      std::vector<float> scales(packed_scales_bytes(WeightType::kQ8K, n, k) / sizeof(float));
      WeightPacker packer(SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kQ8K, data.data(),
                          scales.data());
      ASSERT_TRUE(packer.check().ok());
      std::vector<float> w(n * k);
      std::vector<Q8KSuper> row(k / 256);
      for (size_t r = 0; r < n; ++r) {
        (type == ggml::Type::kQ5_K ? ggml::q5_K_to_q8k_row : ggml::q6_K_to_q8k_row)(
            blocks.data() + r * row_bytes, k, row.data());
        ASSERT_TRUE(packer.add_q8k_row(r, row.data()).ok());
        ggml::dequantize_row_fn(type)(blocks.data() + r * row_bytes, w.data() + r * k,
                                      static_cast<int64_t>(k));
      }
      packer.finish();
      quant_test::expect_gemm_matches_values(
          m, PackedWeights{WeightType::kQ8K, n, k, data.data(), scales.data()}, w, rng);
    }
  }
}

TEST(Q8KGemm, RefusesKOutsideSuperBlocks) {
  std::vector<int8_t> data(packed_weights_bytes(WeightType::kQ8K, 4, 512));
  std::vector<float> scales(packed_scales_bytes(WeightType::kQ8K, 4, 512) / sizeof(float));
  std::vector<float> x(300), y(4);
  const Status s =
      gemm(nullptr, 1, x.data(), 300, PackedWeights{WeightType::kQ8K, 4, 300, data.data(), scales.data()},
           nullptr, y.data(), 4);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("multiple of 256"), std::string::npos) << s.message();
  WeightPacker packer(SourceType::kF32, SourceLayout::kNK, 4, 300, WeightType::kQ8K, data.data(),
                      scales.data());
  EXPECT_FALSE(packer.check().ok());
  WeightPacker from_f32(SourceType::kF32, SourceLayout::kNK, 4, 256, WeightType::kQ8K, data.data(),
                        scales.data());
  ASSERT_TRUE(from_f32.check().ok());
  const Status f = from_f32.add_rows(x.data(), 0, 1, nullptr);
  EXPECT_FALSE(f.ok());
  EXPECT_NE(f.message().find("q8k"), std::string::npos) << f.message();
}

// The layout holds q in [-32, 31] (u = q + 32 is the relaxed dot product's
// 7-bit operand, and float(A) stays exact): a row outside is refused, one at
// the ends is taken.
TEST(Q8KLayout, RefusesValuesOutsideTheLayoutsRange) {
  std::vector<int8_t> data(packed_weights_bytes(WeightType::kQ8K, 4, 256));
  std::vector<float> scales(packed_scales_bytes(WeightType::kQ8K, 4, 256) / sizeof(float));
  WeightPacker packer(SourceType::kF32, SourceLayout::kNK, 4, 256, WeightType::kQ8K, data.data(),
                      scales.data());
  ASSERT_TRUE(packer.check().ok());
  Q8KSuper v{};
  v.q[0] = -32;
  v.q[255] = 31;
  EXPECT_TRUE(packer.add_q8k_row(0, &v).ok());
  for (int8_t bad : {int8_t{32}, int8_t{-33}, int8_t{127}, int8_t{-128}}) {
    v.q[7] = bad;
    const Status s = packer.add_q8k_row(1, &v);
    EXPECT_FALSE(s.ok()) << int(bad);
    EXPECT_NE(s.message().find("[-32, 31]"), std::string::npos) << s.message();
  }
}

TEST(Q8KLayout, SizeIsQ8s) {
  for (auto [n, k] : {std::pair<size_t, size_t>{4, 256}, {8, 1024}, {151936, 1024}}) {
    EXPECT_EQ(packed_size(WeightType::kQ8K, n, k).total(), packed_size(WeightType::kQ8, n, k).total());
    EXPECT_EQ(packed_size(WeightType::kQ8K, n, k).total(), n * k / 8 * 9);
  }
  EXPECT_STREQ(weight_type_name(WeightType::kQ8K), "q8k");
}

}  // namespace
}  // namespace qkv
