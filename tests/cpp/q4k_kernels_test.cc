// The q4k layout (common/q4k.h), its GEMV and GEMM microkernels (q4k-gemv,
// q4k-gemm) and gemm() with q4k weights, from ggml Q4_K blocks: every value
// reads back as ggml's reference dequantization bit for bit; the scales
// expand (scalar and SIMD) into the q4 repack's d and m bit for bit; every
// kernel gives the q4 kernel's bits on the same blocks repacked into q4 (they
// do q4's arithmetic in q4's order), the SIMD kernels the plain-loop
// oracle's within rounding, GEMM rows the GEMV's bits, the relaxed kernels
// the SIMD128 ones' bits; gemm() the double product of ggml's values; the
// size is Q4_K's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/common/q4k.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/to_q4.h"
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4-gemv/gemv.h"
#include "kernels/q4/quant.h"
#include "kernels/q4k-gemm/gemm.h"
#include "kernels/q4k-gemv/expand-inl.h"
#include "kernels/q4k-gemv/gemv.h"
#include "quant_kernel_tester.h"

namespace qkv {
namespace {

using quant_test::same_bits;
using quant_test::x_value;

constexpr size_t kBlockBytes = sizeof(ggml::BlockQ4_K);

// Q4_K blocks for `rows` rows. Patterns: 0 random with f16 d and dmin below 2
// and at least 2^-13; 1 every bit of qs and scales set (q = 15, sc = mn = 63);
// 2 qs and scales 0; 3 random bytes everywhere but non-finite d or dmin
// (subnormal, zero and negative ones included).
std::vector<uint8_t> q4k_blocks(size_t rows, size_t k, int pattern, std::mt19937& rng) {
  std::vector<uint8_t> b = quant_test::random_kquant_blocks(ggml::Type::kQ4_K, rows, k, 0x24, rng);
  for (size_t at = 0; at < b.size(); at += kBlockBytes) {
    if (pattern == 1 || pattern == 2)
      std::memset(b.data() + at + 4, pattern == 1 ? 0xFF : 0, kBlockBytes - 4);
    if (pattern == 3) {
      for (size_t i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(rng());
      for (size_t i : {1, 3}) {
        if ((b[at + i] & 0x7C) == 0x7C) b[at + i] &= 0xBF;  // exponent 31 -> 15
      }
    }
  }
  return b;
}

// The blocks held as q4k and as q4 (the exact repack), and ggml's values.
struct Weights {
  size_t rows, k;
  std::vector<uint8_t> q4k, q4k_scales, q4;
  std::vector<float> q4_scales, values;
  PackedWeights q4k_weights() const { return {WeightType::kQ4K, rows, k, q4k.data(), q4k_scales.data()}; }
};
Weights make_weights(size_t rows, size_t k, int pattern, std::mt19937& rng) {
  Weights w{rows, k, {}, {}, {}, {}, {}};
  const std::vector<uint8_t> blocks = q4k_blocks(rows, k, pattern, rng);
  w.q4k.assign(packed_weights_bytes(WeightType::kQ4K, rows, k), 0xA5);  // every byte written by the stores
  w.q4k_scales.assign(packed_scales_bytes(WeightType::kQ4K, rows, k), 0xA5);
  w.q4.assign(packed_weights_bytes(WeightType::kQ4, rows, k), 0);
  w.q4_scales.assign(packed_scales_bytes(WeightType::kQ4, rows, k) / sizeof(float), 0.0f);
  w.values.resize(rows * k);
  WeightPacker pk(SourceType::kF32, SourceLayout::kNK, rows, k, WeightType::kQ4K, w.q4k.data(),
                  w.q4k_scales.data());
  WeightPacker p4(SourceType::kF32, SourceLayout::kNK, rows, k, WeightType::kQ4, w.q4.data(),
                  w.q4_scales.data());
  EXPECT_TRUE(pk.check().ok());
  std::vector<uint8_t> nibbles(k / 2), scales12(k / 256 * 12);
  std::vector<uint16_t> d(k / 256), dmin(k / 256);
  std::vector<float> d4(k / 32), m4(k / 32);
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* row = blocks.data() + r * k / 256 * kBlockBytes;
    ggml::q4_K_to_q4k_row(row, k, nibbles.data(), d.data(), dmin.data(), scales12.data());
    EXPECT_TRUE(pk.add_q4k_row(r, nibbles.data(), d.data(), dmin.data(), scales12.data()).ok());
    ggml::q4_K_to_q4_row(row, k, nibbles.data(), d4.data(), m4.data());
    EXPECT_TRUE(p4.add_q4_row(r, nibbles.data(), d4.data(), m4.data()).ok());
    ggml::dequantize_row_q4_K(row, w.values.data() + r * k, static_cast<int64_t>(k));
  }
  pk.finish();
  p4.finish();
  return w;
}

// One activation row in every form the kernels take (as q4_kernels_test).
struct X {
  std::vector<int8_t> x8;
  std::vector<int16_t> x16, xf;
  std::vector<float> x_scales, x_sums;
};
X make_x(size_t k, int xp, bool unit, std::mt19937& rng) {
  X x;
  std::uniform_real_distribution<float> dist(-1, 1);
  x.x8.resize(k);
  for (size_t i = 0; i < k; ++i) x.x8[i] = static_cast<int8_t>(x_value(xp, i, rng));
  x.x16.assign(x.x8.begin(), x.x8.end());
  x.xf.resize(k);
  q4_simd_x_form(k, x.x8.data(), x.xf.data());
  x.x_scales.assign(k / 32, 1.0f);
  if (!unit) {
    for (float& v : x.x_scales) v = dist(rng) * 0.02f;
  }
  x.x_sums.resize(k / 32);
  q4_activation_sums(k, x.x8.data(), x.x_scales.data(), x.x_sums.data());
  return x;
}

const size_t kRows[] = {1, 3, 4, 5, 9, 16};
const size_t kKs[] = {256, 512, 768};

template <class Kernel, class XV>
std::vector<float> q4k_gemv(Kernel kernel, const Weights& w, const XV* x, const X& xs, const float* bias) {
  std::vector<float> y(w.rows);
  kernel(w.rows, w.k, w.q4k.data(), w.q4k_scales.data(), x, xs.x_scales.data(), xs.x_sums.data(), bias,
         y.data());
  return y;
}
template <class Kernel, class XV>
std::vector<float> q4_gemv(Kernel kernel, const Weights& w, const XV* x, const X& xs, const float* bias) {
  std::vector<float> y(w.rows);
  kernel(w.rows, w.k, w.q4.data(), w.q4_scales.data(), x, xs.x_scales.data(), xs.x_sums.data(), bias,
         y.data());
  return y;
}

// Values: ggml's dequantize_row_q4_K bit for bit (the gather, as for tied
// embeddings, included); the scales expand, in plain loops and in SIMD, into
// the q4 repack's d and m bit for bit, padding rows to zeros.
TEST(Q4KLayout, ValuesAreGgmlsAndScalesExpandToQ4s) {
  std::mt19937 rng(10);
  for (int pattern = 0; pattern < 4; ++pattern) {
    const size_t rows = 7, k = 768;
    const Weights w = make_weights(rows, k, pattern, rng);
    std::vector<float> row(k);
    for (size_t r = 0; r < rows; ++r) {
      q4k_row_values(w.q4k.data(), w.q4k_scales.data(), k, r, row.data());
      for (size_t c = 0; c < k; ++c) ASSERT_TRUE(same_bits(row[c], w.values[r * k + c])) << r << "," << c;
    }
    std::vector<int32_t> ids = {6, 0, 3};
    std::vector<float> gathered(ids.size() * k);
    ASSERT_TRUE(packed_weights_gather_rows(w.q4k_weights(), ids.data(), ids.size(), gathered.data()).ok());
    for (size_t i = 0; i < ids.size(); ++i) {
      ASSERT_EQ(std::memcmp(gathered.data() + i * k, w.values.data() + ids[i] * k, k * sizeof(float)), 0);
    }
    for (size_t g = 0; g < q4_grouped_rows(rows) / 4; ++g) {
      for (size_t s = 0; s < k / 256; ++s) {
        const uint8_t* gs = w.q4k_scales.data() + q4k_group_scales(4 * g, s, k);
        float plain[64], simd[64];
        q4k_expand_scales_scalar(gs, plain);
        q4k_expand::expand(gs, simd);
        const float* q4 = w.q4_scales.data() + q4_grouped_d(4 * g, 8 * s, k);
        for (size_t i = 0; i < 64; ++i) {
          ASSERT_TRUE(same_bits(plain[i], simd[i])) << pattern << " " << g << "," << s << "," << i;
          const bool padding = 4 * g + i % 4 >= rows;
          // q4 pads with m = +0; q4k's padding is -(0 * 0), the sign never reaching an output.
          if (padding) {
            ASSERT_EQ(plain[i], 0.0f);
          } else {
            ASSERT_TRUE(same_bits(plain[i], q4[i])) << pattern << " " << g << "," << s << "," << i;
          }
        }
      }
    }
  }
}

// The SIMD expansion's f16 conversion: every finite f16 as f16_to_f32 gives
// it (subnormals and zeros of either sign included).
TEST(Q4KLayout, F16ConversionIsExactForEveryFiniteF16) {
  for (uint32_t h = 0; h < 65536; h += 4) {
    if ((h & 0x7C00) == 0x7C00) continue;  // inf and NaN: the loader refuses them (kernels/ggml/validate.h)
    uint16_t bits[4];
    for (uint32_t i = 0; i < 4; ++i) bits[i] = static_cast<uint16_t>(h + i);
    float got[4];
    hwy::HWY_NAMESPACE::StoreU(q4k_expand::f16x4_to_f32(reinterpret_cast<const uint8_t*>(bits)),
                               hwy::HWY_NAMESPACE::FixedTag<float, 4>(), got);
    for (uint32_t i = 0; i < 4; ++i) {
      const float want = f16_to_f32(bits[i]);
      ASSERT_TRUE(same_bits(got[i], want)) << h + i << ": " << got[i] << " vs " << want;
    }
  }
}

// Every kernel gives the q4 kernel's bits on the q4 repack of the same
// blocks; the SIMD GEMV is within rounding of the oracle.
TEST(Q4KGemv, EqualsQ4BitForBitAndTheOracle) {
  std::mt19937 rng(1);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 4; ++wp) {
        for (int xp = 0; xp < 4; ++xp) {
          const bool unit = xp % 2;
          const Weights w = make_weights(rows, k, wp, rng);
          const X x = make_x(k, xp, unit, rng);
          const std::vector<float> bias(rows, unit ? 0.0f : 0.375f);
          const auto y = q4k_gemv(q4k_gemv_ukernel__simd, w, x.xf.data(), x, bias.data());
          const auto y4 = q4_gemv(q4_gemv_ukernel__simd, w, x.xf.data(), x, bias.data());
          const auto y_ref = q4k_gemv(q4k_gemv_ukernel__scalar, w, x.x16.data(), x, bias.data());
          const auto y4_ref = q4_gemv(q4_gemv_ukernel__scalar, w, x.x16.data(), x, bias.data());
          for (size_t r = 0; r < rows; ++r) {
            ASSERT_TRUE(same_bits(y[r], y4[r]))
                << rows << "x" << k << " row " << r << ": " << y[r] << " vs " << y4[r];
            ASSERT_TRUE(same_bits(y_ref[r], y4_ref[r])) << rows << "x" << k << " row " << r;
            double mag = std::fabs(bias[r]);
            for (size_t b = 0; b < k / 32; ++b) {
              const size_t at = q4_grouped_d(r, b, k);
              mag += std::fabs(w.q4_scales[at] * x.x_scales[b]) * 15 * 127 * 32 +
                     std::fabs(w.q4_scales[at + 4] * x.x_sums[b]);
            }
            ASSERT_NEAR(y[r], y_ref[r], 1e-5 * mag + 1e-7) << rows << "x" << k << " row " << r;
          }
        }
      }
    }
  }
}

// The GEMM kernel (the scales expanded, q4's GEMM over the nibbles): the q4
// GEMM's bits on the repack, each row the GEMV's, the oracle's within
// rounding, nothing written past nc.
TEST(Q4KGemm, RowsEqualQ4sAndTheGemvBitForBit) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t k : kKs) {
    for (size_t mr : {1, 2, 3, 5}) {
      for (size_t nc = 1; nc <= kQ4KRowGroup; ++nc) {
        const Weights w = make_weights(nc, k, static_cast<int>(mr % 4), rng);
        std::vector<X> xs;
        for (size_t i = 0; i < mr; ++i) xs.push_back(make_x(k, static_cast<int>(i % 4), false, rng));
        const size_t x_stride = k + 32, xs_stride = k / 32 + 1, y_stride = nc + 2;
        const auto x16 = quant_test::stack_rows(xs, &X::x16, x_stride);
        const auto xf = quant_test::stack_rows(xs, &X::xf, x_stride);
        const auto x_scales = quant_test::stack_rows(xs, &X::x_scales, xs_stride);
        const auto x_sums = quant_test::stack_rows(xs, &X::x_sums, xs_stride);
        std::vector<float> bias(nc);
        for (float& v : bias) v = dist(rng);
        std::vector<float> y(mr * y_stride, quant_test::kUntouched), y4(y), y_ref(y);
        q4k_gemm_ukernel__simd(mr, nc, k, xf.data(), x_stride, x_scales.data(), x_sums.data(), xs_stride,
                               w.q4k.data(), w.q4k_scales.data(), bias.data(), y.data(), y_stride);
        q4_gemm_ukernel__simd(mr, nc, k, xf.data(), x_stride, x_scales.data(), x_sums.data(), xs_stride,
                              w.q4.data(), w.q4_scales.data(), bias.data(), y4.data(), y_stride);
        q4k_gemm_ukernel__scalar(mr, nc, k, x16.data(), x_stride, x_scales.data(), x_sums.data(), xs_stride,
                                 w.q4k.data(), w.q4k_scales.data(), bias.data(), y_ref.data(), y_stride);
        for (size_t i = 0; i < y.size(); ++i)
          ASSERT_TRUE(same_bits(y[i], y4[i])) << k << " " << mr << " " << i;
        quant_test::expect_gemm_rows(
            mr, nc, y_stride, y, y_ref,
            [&](size_t i) {
              return q4k_gemv(q4k_gemv_ukernel__simd, w, xs[i].xf.data(), xs[i], bias.data());
            },
            [&](size_t j) {
              double mag = 1;
              for (size_t b = 0; b < k / 32; ++b) {
                const size_t at = q4_grouped_d(j, b, k);
                mag += (std::fabs(w.q4_scales[at]) * 15 + std::fabs(w.q4_scales[at + 4])) * 127 * 32 * 0.02;
              }
              return 1e-5 * mag;
            });
      }
    }
  }
}

#if defined(__wasm_relaxed_simd__)
// The relaxed kernels: the relaxed q4 kernels' bits, and so the SIMD128 ones'.
TEST(Q4KRelaxed, GemvAndGemmEqualQ4sAndTheSimd128KernelsBitForBit) {
  std::mt19937 rng(6);
  for (size_t rows : kRows) {
    for (size_t k : kKs) {
      for (int wp = 0; wp < 4; ++wp) {
        const Weights w = make_weights(rows, k, wp, rng);
        const X x = make_x(k, wp, wp % 2, rng);
        const std::vector<float> bias(rows, 0.375f);
        const auto y = q4k_gemv(q4k_gemv_ukernel__relaxed, w, x.x8.data(), x, bias.data());
        const auto y4 = q4_gemv(q4_gemv_ukernel__relaxed, w, x.x8.data(), x, bias.data());
        const auto y_simd = q4k_gemv(q4k_gemv_ukernel__simd, w, x.xf.data(), x, bias.data());
        for (size_t r = 0; r < rows; ++r) {
          ASSERT_TRUE(same_bits(y[r], y4[r])) << rows << "x" << k << " row " << r;
          ASSERT_TRUE(same_bits(y[r], y_simd[r])) << rows << "x" << k << " row " << r;
        }
        if (rows > kQ4KRowGroup) continue;
        std::vector<float> g(rows), g_simd(rows);
        q4k_gemm_ukernel__relaxed(1, rows, k, x.x8.data(), k, x.x_scales.data(), x.x_sums.data(), k / 32,
                                  w.q4k.data(), w.q4k_scales.data(), bias.data(), g.data(), rows);
        q4k_gemm_ukernel__simd(1, rows, k, x.xf.data(), k, x.x_scales.data(), x.x_sums.data(), k / 32,
                               w.q4k.data(), w.q4k_scales.data(), bias.data(), g_simd.data(), rows);
        for (size_t r = 0; r < rows; ++r) ASSERT_TRUE(same_bits(g[r], g_simd[r])) << rows << "x" << k;
      }
    }
  }
}
#endif  // __wasm_relaxed_simd__

// gemm() (decode and prefill, 1 and 3 threads): the double-precision product
// of ggml's values with x's q8 values, prefill rows the decode's bits.
TEST(Q4KGemm, GgmlBlocksAgainstTheReferenceDequantization) {
  std::mt19937 rng(8);
  for (auto [m, n, k] :
       {std::tuple<size_t, size_t, size_t>{1, 9, 256}, {3, 16, 512}, {7, 13, 768}, {70, 6, 256}}) {
    const Weights w = make_weights(n, k, 0, rng);
    quant_test::expect_gemm_matches_values(m, w.q4k_weights(), w.values, rng);
  }
}

// f32 rows, a row past N or of another type, and K outside whole
// super-blocks are refused, by name.
TEST(Q4KLayout, RefusesWhatItCannotHold) {
  std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ4K, 4, 512));
  std::vector<float> scales(packed_scales_bytes(WeightType::kQ4K, 4, 512) / sizeof(float));
  WeightPacker packer(SourceType::kF32, SourceLayout::kNK, 4, 256, WeightType::kQ4K, data.data(),
                      scales.data());
  ASSERT_TRUE(packer.check().ok());
  uint8_t nibbles[128] = {}, sc[12] = {};
  uint16_t d = 0x3C00, dmin = 0x3800;
  EXPECT_TRUE(packer.add_q4k_row(0, nibbles, &d, &dmin, sc).ok());
  EXPECT_FALSE(packer.add_q4k_row(4, nibbles, &d, &dmin, sc).ok());
  float f[8] = {};
  EXPECT_FALSE(packer.add_q4_row(1, nibbles, f, f).ok());
  std::vector<float> x(512), y(4);
  const Status rows = packer.add_rows(x.data(), 0, 1, nullptr);
  EXPECT_FALSE(rows.ok());
  EXPECT_NE(rows.message().find("q4k"), std::string::npos) << rows.message();
  const Status c =
      WeightPacker(SourceType::kF32, SourceLayout::kNK, 4, 288, WeightType::kQ4K, data.data(), scales.data())
          .check();
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.message().find("q4k"), std::string::npos) << c.message();
  const Status s =
      gemm(nullptr, 1, x.data(), 288, PackedWeights{WeightType::kQ4K, 4, 288, data.data(), scales.data()},
           nullptr, y.data(), 4);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("multiple of 256"), std::string::npos) << s.message();
}

// 512 nibble bytes and 64 scale bytes per 1024 weights: Q4_K's 144 bytes per
// 256 exactly, against q4's 192.
TEST(Q4KLayout, SizeIsQ4_Ks) {
  for (auto [n, k] : {std::pair<uint64_t, uint64_t>{4, 256}, {8, 1024}, {151936, 1024}, {3072, 1024}}) {
    EXPECT_EQ(packed_size(WeightType::kQ4K, n, k).total(), n * k / 256 * 144);
    EXPECT_EQ(packed_size(WeightType::kQ4, n, k).total(), n * k / 256 * 192);
  }
  EXPECT_STREQ(weight_type_name(WeightType::kQ4K), "q4k");
}

}  // namespace
}  // namespace qkv
