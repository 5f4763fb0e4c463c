// q8h: GGUF Q8_0 blocks held with their f16 scales (common/q8.h), read by
// the q8 kernels' f16-scale forms. Against independent references: ggml's
// dequantize_row_q8_0 (the values, the gather), the q8 kernels on the same
// blocks repacked with f32 scales (the scale's conversion is exact, so every
// output has their bits), the plain-loop oracle, and the double-precision
// product of ggml's values; the policy that picks q8h and its size.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/common/f16.h"
#include "kernels/common/f16x4-inl.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/to_q8.h"
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8/quant.h"
#include "quant_kernel_tester.h"
#include "runtime/exact_repack.h"
#include "runtime/weight_policy.h"

namespace qkv {
namespace {

using quant_test::same_bits;

constexpr size_t kBlockBytes = sizeof(ggml::BlockQ8_0);

// Q8_0 blocks for `rows` rows of k values: random int8 (-128 included) and
// f16 d. Pattern 0: d normal, below 2 and at least 2^-13 (what a model
// holds); 1: any finite d, subnormals, zeros and negatives included.
std::vector<uint8_t> q8_0_blocks(size_t rows, size_t k, int pattern, std::mt19937& rng) {
  std::vector<uint8_t> b(rows * k / 32 * kBlockBytes);
  for (uint8_t& v : b) v = static_cast<uint8_t>(rng());
  for (size_t at = 0; at < b.size(); at += kBlockBytes) {
    if (pattern == 0) b[at + 1] = static_cast<uint8_t>(0x24 | (b[at + 1] & 0x83));
    if ((b[at + 1] & 0x7C) == 0x7C) b[at + 1] &= 0xBF;  // exponent 31 -> 15: finite
  }
  return b;
}

// The blocks held as q8h and as q8 (f32 scales, the exact repack q8 had),
// and ggml's values; through the loader's own row converters.
struct Weights {
  size_t rows, k;
  std::vector<int8_t> q8h, q8;
  std::vector<uint16_t> q8h_scales;
  std::vector<float> q8_scales, values;
  PackedWeights q8h_weights() const { return {WeightType::kQ8H, rows, k, q8h.data(), q8h_scales.data()}; }
  PackedWeights q8_weights() const { return {WeightType::kQ8, rows, k, q8.data(), q8_scales.data()}; }
};
Weights make_weights(size_t rows, size_t k, int pattern, std::mt19937& rng) {
  Weights w{rows, k, {}, {}, {}, {}, {}};
  const std::vector<uint8_t> blocks = q8_0_blocks(rows, k, pattern, rng);
  // Every byte written by the stores, padding rows included.
  w.q8h.assign(packed_weights_bytes(WeightType::kQ8H, rows, k), 0x5A);
  w.q8h_scales.assign(packed_scales_bytes(WeightType::kQ8H, rows, k) / sizeof(uint16_t), 0x5A5A);
  w.q8.assign(packed_weights_bytes(WeightType::kQ8, rows, k), 0);
  w.q8_scales.assign(packed_scales_bytes(WeightType::kQ8, rows, k) / sizeof(float), 0.0f);
  w.values.resize(rows * k);
  WeightPacker ph(SourceType::kF32, SourceLayout::kNK, rows, k, WeightType::kQ8H, w.q8h.data(),
                  w.q8h_scales.data());
  WeightPacker p8(SourceType::kF32, SourceLayout::kNK, rows, k, WeightType::kQ8, w.q8.data(),
                  w.q8_scales.data());
  EXPECT_TRUE(ph.check().ok());
  const RepackRowFn to_q8h = exact_repack(TensorDType::kQ8_0, WeightType::kQ8H);
  const RepackRowFn to_q8 = exact_repack(TensorDType::kQ8_0, WeightType::kQ8);
  EXPECT_NE(to_q8h, nullptr);
  RepackScratch scratch;
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* row = blocks.data() + r * k / 32 * kBlockBytes;
    to_q8h(row, k, r, ph, scratch);
    to_q8(row, k, r, p8, scratch);
    ggml::dequantize_row_q8_0(row, w.values.data() + r * k, static_cast<int64_t>(k));
  }
  ph.finish();
  p8.finish();
  return w;
}

// One activation row: q8 values widened (SIMD128's form) and split by sign
// (the relaxed form), and block scales.
struct X {
  std::vector<int8_t> x8, pn;
  std::vector<int16_t> x16;
  std::vector<float> scales;
};
X make_x(size_t k, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(k);
  for (float& v : x) v = dist(rng) * (1 + 4 * dist(rng));
  X out;
  out.x8.resize(q8_padded(k));
  out.scales.resize(q8_blocks(k));
  f32_to_q8_row__scalar(k, x.data(), out.x8.data(), out.scales.data());
  out.x16.assign(out.x8.begin(), out.x8.end());
#if defined(__wasm_relaxed_simd__)
  out.pn.resize(2 * q8_padded(k));
  q8_split_signs_row__relaxed(k, out.x8.data(), out.pn.data());
#endif
  return out;
}

const size_t kRows[] = {1, 3, 4, 5, 9, 16};
const size_t kKs[] = {32, 64, 256, 1024};

// The f16 conversion the kernels use (common/f16x4-inl.h) against the
// scalar one, for every finite f16 bit pattern.
TEST(Q8HLayout, F16ConversionIsExactForEveryFiniteF16) {
  for (uint32_t h = 0; h < 65536; h += 4) {
    if ((h & 0x7C00) == 0x7C00) continue;  // inf and NaN: the loader refuses them (kernels/ggml/validate.h)
    uint16_t bits[4];
    for (uint32_t i = 0; i < 4; ++i) bits[i] = static_cast<uint16_t>(h + i);
    float got[4];
    hwy::HWY_NAMESPACE::StoreU(f16x4::to_f32(bits), hwy::HWY_NAMESPACE::FixedTag<float, 4>(), got);
    for (uint32_t i = 0; i < 4; ++i) {
      const float want = f16_to_f32(bits[i]);
      ASSERT_TRUE(same_bits(got[i], want)) << h + i;
    }
  }
}

// The values: ggml's dequantize_row_q8_0 bit for bit through the gather (a
// tied embedding's lookup), subnormal and zero scales included; the scales
// stored are the file's f16 bits, padding rows all zero.
TEST(Q8HLayout, ValuesAreGgmlsBitForBit) {
  std::mt19937 rng(31);
  for (int pattern : {0, 1}) {
    for (size_t rows : kRows) {
      for (size_t k : kKs) {
        const Weights w = make_weights(rows, k, pattern, rng);
        std::vector<int32_t> ids(rows);
        for (size_t r = 0; r < rows; ++r) ids[r] = static_cast<int32_t>(rows - 1 - r);
        std::vector<float> got(rows * k);
        ASSERT_TRUE(packed_weights_gather_rows(w.q8h_weights(), ids.data(), rows, got.data()).ok());
        for (size_t i = 0; i < rows; ++i) {
          for (size_t c = 0; c < k; ++c) {
            ASSERT_TRUE(same_bits(got[i * k + c], w.values[ids[i] * k + c]))
                << "pattern " << pattern << " " << rows << "x" << k << " at " << ids[i] << "," << c;
          }
        }
        for (size_t r = rows; r < q8_grouped_rows(rows); ++r) {
          for (size_t b = 0; b < q8_blocks(k); ++b) {
            const size_t at = q8_grouped_block(r, b, k);
            ASSERT_EQ(w.q8h_scales[at], 0);
            for (size_t i = 0; i < kQ8BlockSize; ++i) ASSERT_EQ(w.q8h[at * kQ8BlockSize + i], 0);
          }
        }
      }
    }
  }
}

// Every kernel form on q8h gives the bits of the same kernel on the q8
// repack (f32 scales); the SIMD GEMV is within rounding of the oracle, which
// reads the f16 scales itself.
TEST(Q8HGemv, EqualsQ8BitForBitAndTheOracle) {
  std::mt19937 rng(32);
  for (int pattern : {0, 1}) {
    for (size_t rows : kRows) {
      for (size_t k : kKs) {
        const Weights w = make_weights(rows, k, pattern, rng);
        const X x = make_x(k, rng);
        std::vector<float> bias(rows);
        for (float& v : bias) v = static_cast<float>(rng() % 100) / 50 - 1;
        std::vector<float> h(rows), q(rows), oracle(rows), oracle8(rows);
        q8_gemv_ukernel__simd(rows, k, w.q8h.data(), w.q8h_scales.data(), x.x16.data(), x.scales.data(),
                              bias.data(), h.data());
        q8_gemv_ukernel__simd(rows, k, w.q8.data(), w.q8_scales.data(), x.x16.data(), x.scales.data(),
                              bias.data(), q.data());
        q8_gemv_ukernel__scalar(rows, k, w.q8h.data(), w.q8h_scales.data(), x.x16.data(), x.scales.data(),
                                bias.data(), oracle.data());
        q8_gemv_ukernel__scalar(rows, k, w.q8.data(), w.q8_scales.data(), x.x16.data(), x.scales.data(),
                                bias.data(), oracle8.data());
        for (size_t r = 0; r < rows; ++r) {
          ASSERT_TRUE(same_bits(h[r], q[r])) << rows << "x" << k << " row " << r;
          ASSERT_TRUE(same_bits(oracle[r], oracle8[r])) << rows << "x" << k << " row " << r;
          double mag = std::fabs(bias[r]);
          for (size_t c = 0; c < k; ++c)
            mag += std::fabs(double(w.values[r * k + c]) * x.scales[c / 32] * x.x8[c]);
          ASSERT_NEAR(h[r], oracle[r], 1e-5 * mag + 1e-6) << rows << "x" << k << " row " << r;
        }
#if defined(__wasm_relaxed_simd__)
        std::vector<float> relaxed(rows);
        q8_gemv_ukernel__relaxed(rows, k, w.q8h.data(), w.q8h_scales.data(), x.pn.data(), x.scales.data(),
                                 bias.data(), relaxed.data());
        for (size_t r = 0; r < rows; ++r) ASSERT_TRUE(same_bits(relaxed[r], h[r])) << "relaxed row " << r;
#endif
      }
    }
  }
}

// The GEMM kernels (unpacked, packed 4x4 and 4x8 tiles; relaxed ones in
// relaxed builds) on q8h: each activation row the q8h GEMV's bits.
TEST(Q8HGemm, KernelsEqualTheGemvBitForBit) {
  std::mt19937 rng(33);
  for (size_t k : kKs) {
    const size_t blocks = q8_blocks(k), padded = q8_padded(k);
    const Weights w = make_weights(2 * kQ8RowGroup, k, 1, rng);
    std::vector<X> xs;
    for (size_t i = 0; i < kQ8GemmTileRows; ++i) xs.push_back(make_x(k, rng));
    std::vector<int16_t> x16(kQ8GemmTileRows * padded);
    std::vector<int8_t> x8(kQ8GemmTileRows * padded);
    std::vector<float> x_scales(kQ8GemmTileRows * blocks);
    for (size_t i = 0; i < kQ8GemmTileRows; ++i) {
      std::copy(xs[i].x16.begin(), xs[i].x16.end(), x16.begin() + i * padded);
      std::copy(xs[i].x8.begin(), xs[i].x8.end(), x8.begin() + i * padded);
      std::copy(xs[i].scales.begin(), xs[i].scales.end(), x_scales.begin() + i * blocks);
    }
    std::vector<float> bias(2 * kQ8RowGroup);
    for (float& v : bias) v = static_cast<float>(rng() % 100) / 50 - 1;
    // The GEMV per activation row over both row groups.
    std::vector<float> want(kQ8GemmTileRows * 2 * kQ8RowGroup);
    for (size_t i = 0; i < kQ8GemmTileRows; ++i) {
      q8_gemv_ukernel__simd(2 * kQ8RowGroup, k, w.q8h.data(), w.q8h_scales.data(), xs[i].x16.data(),
                            xs[i].scales.data(), bias.data(), want.data() + i * 2 * kQ8RowGroup);
    }
    const size_t y_stride = 2 * kQ8RowGroup;
    auto expect_rows = [&](const std::vector<float>& y, size_t mr, size_t nc, const char* what) {
      for (size_t i = 0; i < mr; ++i) {
        for (size_t j = 0; j < nc; ++j) {
          ASSERT_TRUE(same_bits(y[i * y_stride + j], want[i * y_stride + j]))
              << what << " k=" << k << " mr=" << mr << " at " << i << "," << j;
        }
      }
    };
    for (size_t mr = 1; mr <= kQ8GemmTileRows; ++mr) {
      std::vector<float> y(kQ8GemmTileRows * y_stride);
      q8_gemm_ukernel__simd(mr, kQ8RowGroup, k, x16.data(), padded, x_scales.data(), blocks, w.q8h.data(),
                            w.q8h_scales.data(), bias.data(), y.data(), y_stride);
      expect_rows(y, mr, kQ8RowGroup, "unpacked");
#if !defined(__wasm_relaxed_simd__)
      std::vector<int16_t> xa(kQ8GemmPackedBlock * blocks), packed(2 * kQ8GemmPackedBlock * blocks);
      q8_gemm_pack_x(mr, k, x8.data(), padded, xa.data());
      for (size_t h = 0; h < 2; ++h) {
        q8_gemm_pack_group__simd(k, w.q8h.data() + h * kQ8RowGroup * padded,
                                 packed.data() + h * kQ8GemmPackedBlock * blocks);
      }
      q8_gemm_ukernel_4x4_packed__simd(mr, kQ8RowGroup, k, xa.data(), x_scales.data(), blocks, packed.data(),
                                       w.q8h_scales.data(), bias.data(), y.data(), y_stride);
      expect_rows(y, mr, kQ8RowGroup, "4x4");
      q8_gemm_ukernel_4x8_packed__simd(mr, 2 * kQ8RowGroup, k, xa.data(), x_scales.data(), blocks,
                                       packed.data(), w.q8h_scales.data(), bias.data(), y.data(), y_stride);
      expect_rows(y, mr, 2 * kQ8RowGroup, "4x8");
#else
      std::vector<int8_t> pn(kQ8GemmTileRows * 2 * padded), xa(kQ8GemmRelaxedTileBlock * blocks);
      std::vector<float> tile_scales(kQ8GemmTileRows * blocks);
      for (size_t i = 0; i < kQ8GemmTileRows; ++i)
        std::copy(xs[i].pn.begin(), xs[i].pn.end(), pn.begin() + i * 2 * padded);
      q8_gemm_ukernel__relaxed(mr, kQ8RowGroup, k, pn.data(), 2 * padded, x_scales.data(), blocks,
                               w.q8h.data(), w.q8h_scales.data(), bias.data(), y.data(), y_stride);
      expect_rows(y, mr, kQ8RowGroup, "relaxed");
      q8_gemm_pack_x__relaxed(mr, k, x8.data(), padded, x_scales.data(), blocks, xa.data(),
                              tile_scales.data());
      q8_gemm_ukernel_4x4_packed__relaxed(mr, kQ8RowGroup, k, xa.data(), tile_scales.data(), w.q8h.data(),
                                          w.q8h_scales.data(), bias.data(), y.data(), y_stride);
      expect_rows(y, mr, kQ8RowGroup, "relaxed 4x4");
#endif
    }
  }
}

// gemm() (decode and prefill, 1 and 3 threads; the packed prefill from 4
// rows): the double-precision product of ggml's values with x's q8 values,
// prefill rows the decode's bits, and the q8 repack's outputs bit for bit.
TEST(Q8HGemm, GgmlBlocksAgainstTheReferenceDequantization) {
  std::mt19937 rng(34);
  for (auto [m, n, k] : {std::tuple<size_t, size_t, size_t>{1, 9, 256},
                         {3, 16, 512},
                         {7, 13, 96},
                         {70, 6, 1024},
                         {9, 21, 64}}) {
    const Weights w = make_weights(n, k, 0, rng);
    quant_test::expect_gemm_matches_values(m, w.q8h_weights(), w.values, rng);
    std::vector<float> x(m * k), yh(m * n), y8(m * n);
    for (float& v : x) v = static_cast<float>(rng() % 2001) / 1000 - 1;
    ASSERT_TRUE(gemm(nullptr, m, x.data(), k, w.q8h_weights(), nullptr, yh.data(), n).ok());
    ASSERT_TRUE(gemm(nullptr, m, x.data(), k, w.q8_weights(), nullptr, y8.data(), n).ok());
    for (size_t i = 0; i < m * n; ++i)
      ASSERT_TRUE(same_bits(yh[i], y8[i])) << m << "x" << n << "x" << k << " " << i;
  }
}

// Sensitivity: the kernels read the f16 scales, not some default. One
// block's scale doubled (exponent + 1) changes that row's output and only it.
TEST(Q8HGemm, OneScaleChangesItsRow) {
  std::mt19937 rng(35);
  Weights w = make_weights(8, 256, 0, rng);
  std::vector<float> x(256), before(8), after(8);
  for (float& v : x) v = static_cast<float>(rng() % 2001) / 1000 - 1;
  ASSERT_TRUE(gemm(nullptr, 1, x.data(), 256, w.q8h_weights(), nullptr, before.data(), 8).ok());
  w.q8h_scales[q8_grouped_block(5, 3, 256)] += 0x0400;
  ASSERT_TRUE(gemm(nullptr, 1, x.data(), 256, w.q8h_weights(), nullptr, after.data(), 8).ok());
  for (size_t r = 0; r < 8; ++r) {
    if (r == 5) {
      EXPECT_NE(after[r], before[r]);
    } else {
      EXPECT_TRUE(same_bits(after[r], before[r])) << r;
    }
  }
}

// f32 rows and [K, N] sources are refused by name (q8h holds ggml's blocks);
// a row past N or of another type too.
TEST(Q8HLayout, RefusesWhatItCannotHold) {
  std::vector<int8_t> data(packed_weights_bytes(WeightType::kQ8H, 4, 64));
  std::vector<uint16_t> scales(packed_scales_bytes(WeightType::kQ8H, 4, 64) / sizeof(uint16_t));
  WeightPacker packer(SourceType::kF32, SourceLayout::kNK, 4, 64, WeightType::kQ8H, data.data(),
                      scales.data());
  ASSERT_TRUE(packer.check().ok());
  int8_t q[64] = {};
  uint16_t d[2] = {0x3C00, 0x3800};
  float f[2] = {1, 1};
  EXPECT_TRUE(packer.add_q8h_row(0, q, d).ok());
  EXPECT_FALSE(packer.add_q8h_row(4, q, d).ok());
  EXPECT_FALSE(packer.add_q8_row(1, q, f).ok());
  std::vector<float> x(64);
  const Status rows = packer.add_rows(x.data(), 0, 1, nullptr);
  EXPECT_FALSE(rows.ok());
  EXPECT_NE(rows.message().find("q8h"), std::string::npos) << rows.message();
  EXPECT_FALSE(
      WeightPacker(SourceType::kF32, SourceLayout::kKN, 4, 64, WeightType::kQ8H, data.data(), scales.data())
          .check()
          .ok());
}

// 32 bytes of values and one f16 per 32 weights: Q8_0's 34 bytes exactly,
// against q8's 36.
TEST(Q8HLayout, SizeIsQ8_0s) {
  for (auto [n, k] : {std::pair<uint64_t, uint64_t>{4, 32}, {8, 1024}, {151936, 1024}, {3072, 1024}}) {
    EXPECT_EQ(packed_size(WeightType::kQ8H, n, k).total(), n * k / 32 * 34);
    EXPECT_EQ(packed_size(WeightType::kQ8, n, k).total(), n * k / 32 * 36);
  }
  EXPECT_STREQ(weight_type_name(WeightType::kQ8H), "q8h");
}

// The policy: GGUF Q8_0 and Q5_0 matrices are q8h by default and under 'q8'
// (Q4_0 under 'q8' too, and q4 by default); safetensors' matrices and the
// types q8h cannot hold stay q8.
TEST(Q8HPolicy, GgufQ8_0IsQ8hSafetensorsStaysQ8) {
  using Role = TensorSlot::Role;
  const WeightChoice automatic{}, q8{WeightType::kQ8, std::nullopt, std::nullopt};
  for (Role role : {Role::kLayer, Role::kEmbedding, Role::kLmHead, Role::kTiedEmbedding}) {
    EXPECT_EQ(matrix_weight_type(automatic, WeightType::kQ8, role, TensorDType::kQ8_0), WeightType::kQ8H);
    EXPECT_EQ(matrix_weight_type(q8, WeightType::kQ8, role, TensorDType::kQ8_0), WeightType::kQ8H);
    EXPECT_EQ(matrix_weight_type(automatic, WeightType::kQ8, role, TensorDType::kQ5_0), WeightType::kQ8H);
    EXPECT_EQ(matrix_weight_type(q8, WeightType::kQ8, role, TensorDType::kQ4_0), WeightType::kQ8H);
    EXPECT_EQ(matrix_weight_type(q8, WeightType::kF16, role, TensorDType::kF16), WeightType::kQ8);
    EXPECT_EQ(matrix_weight_type(q8, WeightType::kF32, role, TensorDType::kBF16), WeightType::kQ8);
    EXPECT_EQ(matrix_weight_type(automatic, WeightType::kQ8, role, TensorDType::kQ5_1), WeightType::kQ8);
  }
  EXPECT_EQ(matrix_weight_type(automatic, WeightType::kQ4, Role::kLayer, TensorDType::kQ4_0),
            WeightType::kQ4);
  const WeightChoice forced{std::nullopt, WeightType::kF16, std::nullopt};
  EXPECT_EQ(matrix_weight_type(forced, WeightType::kQ8, Role::kEmbedding, TensorDType::kQ8_0),
            WeightType::kF16);
}

}  // namespace
}  // namespace qkv
