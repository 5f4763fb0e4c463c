#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gemm_tester.h"
#include "kernel_cases.h"
#include "kernels/common/madd.h"
#include "kernels/f16-gemv/gemv.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemv/gemv.h"
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8/quant.h"

#if defined(QKV_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

namespace qkv {
namespace {

const WeightType kTypes[] = {WeightType::kF32, WeightType::kF16, WeightType::kQ8, WeightType::kQ4};

TEST(Gemm, SweepsAwkwardShapesForEveryWeightType) {
  for (WeightType type : kTypes) {
    for (size_t m : {1, 2, 5, 6, 7, 13}) {
      for (size_t n : {1, 3, 8, 9, 17, 33, 64}) {
        for (size_t k : {1, 4, 7, 31, 32, 33, 100, 300}) {
          GemmTester().m(m).n(n).k(k).type(type).Test();
        }
      }
    }
  }
}

TEST(Gemm, LargeShapes) {
  for (WeightType type : kTypes) {
    GemmTester().m(1).n(301).k(768).type(type).Test();
    GemmTester().m(37).n(130).k(769).type(type).Test();
    GemmTester().m(128).n(64).k(1024).type(type).threads(3).Test();
  }
}

TEST(Gemm, SourceTypesAndLayouts) {
  for (WeightType type : kTypes) {
    for (SourceType source : {SourceType::kF32, SourceType::kF16, SourceType::kBF16}) {
      for (SourceLayout layout : {SourceLayout::kNK, SourceLayout::kKN}) {
        GemmTester().m(1).n(19).k(70).type(type).source(source).layout(layout).Test();
        GemmTester().m(9).n(19).k(70).type(type).source(source).layout(layout).Test();
      }
    }
  }
}

TEST(Gemm, NoBiasStridedRowsAndThreads) {
  for (WeightType type : kTypes) {
    GemmTester().m(7).n(45).k(65).type(type).bias(false).x_stride_pad(5).Test();
    GemmTester().m(1).n(200).k(96).type(type).bias(false).threads(4).Test();
    GemmTester().m(20).n(200).k(96).type(type).x_stride_pad(1).threads(4).Test();
  }
}

TEST(Gemm, ThreadedEqualsOneThreadBitForBit) {
  for (WeightType type : kTypes) {
    for (size_t m : {1, 11}) {
      const size_t n = 150, k = 200;
      std::vector<float> w(n * k), x(m * k), b(n);
      std::mt19937 rng(5);
      std::uniform_real_distribution<float> dist(-1, 1);
      for (float& v : w) v = dist(rng);
      for (float& v : x) v = dist(rng);
      for (float& v : b) v = dist(rng);
      std::vector<uint8_t> data(packed_weights_bytes(type, n, k));
      std::vector<float> scales(packed_scales_bytes(type, n, k) / 4 + 1);
      ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, type, data.data(),
                               scales.data(), nullptr)
                      .ok());
      const PackedWeights pw{type, n, k, data.data(), scales.data()};
      std::vector<float> y1(m * n), y4(m * n);
      ThreadPool pool(4);
      ASSERT_TRUE(gemm(nullptr, m, x.data(), k, pw, b.data(), y1.data(), n).ok());
      ASSERT_TRUE(gemm(&pool, m, x.data(), k, pw, b.data(), y4.data(), n).ok());
      EXPECT_EQ(y1, y4) << weight_type_name(type) << " m=" << m;
    }
  }
}

TEST(Gemm, RejectsBadArgumentsWithNamedErrors) {
  std::vector<float> w(12, 1.0f), x(12), y(12);
  std::vector<uint8_t> data(packed_weights_bytes(WeightType::kF32, 3, 4));
  ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, 3, 4, WeightType::kF32, data.data(),
                           nullptr, nullptr)
                  .ok());
  const PackedWeights pw{WeightType::kF32, 3, 4, data.data(), nullptr};
  EXPECT_EQ(gemm(nullptr, 0, x.data(), 4, pw, nullptr, y.data(), 3).code(), StatusCode::kInvalidArgument);
  Status s = gemm(nullptr, 1, x.data(), 3, pw, nullptr, y.data(), 3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("row strides"), std::string::npos) << s.message();
  EXPECT_EQ(gemm(nullptr, 1, nullptr, 4, pw, nullptr, y.data(), 3).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(gemm(nullptr, 1, x.data(), 4, PackedWeights{}, nullptr, y.data(), 3).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, 0, 4, WeightType::kF32, data.data(),
                         nullptr, nullptr)
                .code(),
            StatusCode::kInvalidArgument);
  std::vector<float> huge = {1e6f, 0, 0, 0};
  std::vector<uint8_t> f16(packed_weights_bytes(WeightType::kF16, 1, 4));
  s = pack_weights(huge.data(), SourceType::kF32, SourceLayout::kNK, 1, 4, WeightType::kF16, f16.data(),
                   nullptr, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("does not fit in f16"), std::string::npos) << s.message();
  // Quantized weights need their scales: a q4 matrix without them is refused, by the packer and by gemm().
  std::vector<uint8_t> q4(packed_weights_bytes(WeightType::kQ4, 3, 4));
  EXPECT_EQ(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, 3, 4, WeightType::kQ4, q4.data(),
                         nullptr, nullptr)
                .code(),
            StatusCode::kInvalidArgument);
  s = gemm(nullptr, 1, x.data(), 4, PackedWeights{WeightType::kQ4, 3, 4, q4.data(), nullptr}, nullptr,
           y.data(), 3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not loaded"), std::string::npos) << s.message();
  // The q4 GEMV quantizes x on the stack, up to 32768 inputs; more is named.
  float scale = 0.0f;
  s = gemm(nullptr, 1, x.data(), 40000, PackedWeights{WeightType::kQ4, 3, 40000, q4.data(), &scale}, nullptr,
           y.data(), 3);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("q4 weights with more than 32768 input features"), std::string::npos)
      << s.message();
}

// The SIMD microkernels against their scalar forms, on every row count,
// partial column count and accumulate mode.
TEST(GemmUkernels, SimdMatchesScalar) {
  const size_t nr = gemm_nr();
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t mr = 1; mr <= kGemmMr; ++mr) {
    for (size_t nc : {size_t{1}, nr / 2 + 1, nr}) {
      for (size_t kc : {1, 5, 64}) {
        for (bool accumulate : {false, true}) {
          // Panel rows sit 3 * NR apart, as inside a group of interleaved panels.
          const size_t panel_stride = 3 * nr;
          std::vector<float> a(mr * (kc + 2)), panel(kc * panel_stride), bias(nc), c1(mr * (nr + 1)), c2;
          for (float& v : a) v = dist(rng);
          for (float& v : panel) v = dist(rng);
          for (float& v : bias) v = dist(rng);
          for (float& v : c1) v = dist(rng);
          c2 = c1;
          f32_gemm_ukernel_4xnr__scalar(mr, nc, kc, a.data(), kc + 2, panel.data(), panel_stride, bias.data(),
                                        c1.data(), nr + 1, accumulate);
          f32_gemm_ukernel_4xnr__simd(mr, nc, kc, a.data(), kc + 2, panel.data(), panel_stride, bias.data(),
                                      c2.data(), nr + 1, accumulate);
          for (size_t i = 0; i < c1.size(); ++i)
            ASSERT_NEAR(c1[i], c2[i], 1e-5f) << mr << " " << nc << " " << kc;
        }
      }
    }
  }
}

// madd, the f32 kernels' multiply-add (kernels/common/madd.h), rounds a * b + c
// once (fused) or twice, nothing else: fused where hn::MulAdd is an FMA
// (AVX2, AVX-512), unfused on SIMD128, either in the relaxed-SIMD build (the
// engine's choice). a * b = 1 + 2^-11 + 2^-24 rounds (a tie, to even) to
// 1 + 2^-11, so the unfused sum with c = -(1 + 2^-11) is 0 and the fused one
// 2^-24.
TEST(GemmUkernels, MaddRoundsOnceOrTwice) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> d;
  const float a = 1.0f + 0x1.0p-12f, c = -(1.0f + 0x1.0p-11f);
  std::vector<float> out(hn::Lanes(d));
  hn::StoreU(madd(hn::Set(d, a), hn::Set(d, a), hn::Set(d, c)), d, out.data());
  for (float r : out) {
#if QKV_RELAXED_MADD
    EXPECT_TRUE(r == 0.0f || r == 0x1.0p-24f) << r;
#elif HWY_NATIVE_FMA
    EXPECT_EQ(r, 0x1.0p-24f);
#else
    EXPECT_EQ(r, 0.0f);
#endif
  }
  // Operands whose product and sum are exact in float: every form gives the exact value.
  const float x = 1.5f, y = -2.25f, z = 0.375f;
  hn::StoreU(madd(hn::Set(d, x), hn::Set(d, y), hn::Set(d, z)), d, out.data());
  for (float r : out) EXPECT_EQ(r, -3.0f);
}

TEST(GemmUkernels, GemvAndQ8SimdMatchScalar) {
  const size_t nr = gemm_nr();
  std::mt19937 rng(12);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t count = 1; count <= 4; ++count) {
    for (size_t nc : {size_t{1}, nr}) {
      const size_t k = 37;
      std::vector<float> x(k), panels(count * k * nr), bias(count * nr), y1(count * nr, 0), y2(count * nr, 0);
      std::vector<uint16_t> panels16(panels.size());
      for (float& v : x) v = dist(rng);
      for (size_t i = 0; i < panels.size(); ++i) panels16[i] = f32_to_f16(panels[i] = dist(rng));
      for (float& v : bias) v = dist(rng);
      f32_gemv_ukernel_4panel__scalar(count, nc, k, x.data(), panels.data(), bias.data(), y1.data());
      f32_gemv_ukernel_4panel__simd(count, nc, k, x.data(), panels.data(), bias.data(), y2.data());
      for (size_t i = 0; i < y1.size(); ++i) ASSERT_NEAR(y1[i], y2[i], 1e-5f);
      f16_gemv_ukernel_4panel__scalar(count, nc, k, x.data(), panels16.data(), bias.data(), y1.data());
      f16_gemv_ukernel_4panel__simd(count, nc, k, x.data(), panels16.data(), bias.data(), y2.data());
      for (size_t i = 0; i < y1.size(); ++i) ASSERT_NEAR(y1[i], y2[i], 1e-5f);
    }
  }
  // q8 rows: the int8 x int16 products are exact, so only the float scaling differs.
  for (size_t rows : {1, 3, 4, 9, 16}) {
    const size_t k = 75;
    // Random bytes in the grouped layout, padding rows included (the kernels must ignore them).
    std::vector<int8_t> q(q8_grouped_rows(rows) * q8_padded(k));
    std::vector<float> scales(q8_grouped_rows(rows) * q8_blocks(k)), x(k), xs(q8_blocks(k)), bias(rows),
        y1(rows), y2(rows);
    std::vector<int16_t> xq(q8_padded(k));
    std::uniform_int_distribution<int> qd(-127, 127);
    for (int8_t& v : q) v = static_cast<int8_t>(qd(rng));
    for (float& v : scales) v = dist(rng) * 0.01f;
    for (float& v : x) v = dist(rng);
    for (float& v : bias) v = dist(rng);
    std::vector<int8_t> x8(q8_padded(k));
    f32_to_q8_row__scalar(k, x.data(), x8.data(), xs.data());
    std::copy(x8.begin(), x8.end(), xq.begin());
    q8_gemv_ukernel__scalar(rows, k, q.data(), scales.data(), xq.data(), xs.data(), bias.data(), y1.data());
    q8_gemv_ukernel__simd(rows, k, q.data(), scales.data(), xq.data(), xs.data(), bias.data(), y2.data());
    for (size_t i = 0; i < rows; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-4f) << rows;
  }
}

TEST(GemmUkernels, Q8GemmSimdMatchesScalar) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::uniform_int_distribution<int> qd(-127, 127);
  for (size_t k : {1, 31, 32, 75, 256}) {
    for (size_t mr : {1, 2, 5}) {
      for (size_t nc = 1; nc <= kQ8RowGroup; ++nc) {
        // Random bytes in the grouped layout (one group), padding rows included: the kernels must ignore
        // them.
        std::vector<int8_t> q(kQ8RowGroup * q8_padded(k));
        std::vector<float> scales(kQ8RowGroup * q8_blocks(k)), bias(nc);
        for (int8_t& v : q) v = static_cast<int8_t>(qd(rng));
        for (float& v : scales) v = dist(rng) * 0.01f;
        for (float& v : bias) v = dist(rng);
        // Activation rows with padded strides, quantized by the scalar reference.
        const size_t xq_stride = q8_padded(k) + 32, xs_stride = q8_blocks(k) + 1, y_stride = nc + 2;
        std::vector<int16_t> xq(mr * xq_stride);
        std::vector<float> xs(mr * xs_stride);
        for (size_t i = 0; i < mr; ++i) {
          std::vector<float> x(k);
          std::vector<int8_t> x8(q8_padded(k));
          for (float& v : x) v = dist(rng);
          f32_to_q8_row__scalar(k, x.data(), x8.data(), xs.data() + i * xs_stride);
          std::copy(x8.begin(), x8.end(), xq.begin() + i * xq_stride);
        }
        std::vector<float> y1(mr * y_stride, -7.0f), y2(mr * y_stride, -7.0f);
        q8_gemm_ukernel__scalar(mr, nc, k, xq.data(), xq_stride, xs.data(), xs_stride, q.data(),
                                scales.data(), bias.data(), y1.data(), y_stride);
        q8_gemm_ukernel__simd(mr, nc, k, xq.data(), xq_stride, xs.data(), xs_stride, q.data(), scales.data(),
                              bias.data(), y2.data(), y_stride);
        for (size_t i = 0; i < y1.size(); ++i) {
          // The int8 x int16 products are exact: only the float scaling differs; nothing past nc is written.
          ASSERT_NEAR(y1[i], y2[i], 1e-4f) << "k=" << k << " mr=" << mr << " nc=" << nc << " at " << i;
          if (i % y_stride >= nc) ASSERT_EQ(y2[i], -7.0f);
        }
      }
    }
  }
}

// A prefilled token's outputs are the bits of the same token decoded alone: q8
// GEMM rows equal q8 GEMV calls (same activation quantization, same arithmetic).
TEST(Gemm, Q8PrefillRowsEqualTheDecodeGemvBitForBit) {
  for (auto [m, n, k] :
       {std::tuple<size_t, size_t, size_t>{2, 9, 40}, {7, 64, 96}, {70, 37, 300}, {130, 8, 64}}) {
    std::mt19937 rng(static_cast<unsigned>(m * 31 + n + k));
    std::uniform_real_distribution<float> dist(-1, 1);
    std::vector<float> w(n * k), x(m * k), b(n);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng) * (1 + 10 * dist(rng) * dist(rng));  // rows of different scales
    for (float& v : b) v = dist(rng);
    const Q8PackedMatrix packed(w, n, k);
    const PackedWeights pw = packed.weights();
    for (size_t threads : {1, 3}) {
      std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
      std::vector<float> prefill(m * n), decode(n);
      ASSERT_TRUE(gemm(pool.get(), m, x.data(), k, pw, b.data(), prefill.data(), n).ok());
      for (size_t i = 0; i < m; ++i) {
        ASSERT_TRUE(gemm(pool.get(), 1, x.data() + i * k, k, pw, b.data(), decode.data(), n).ok());
        for (size_t j = 0; j < n; ++j) {
          ASSERT_EQ(prefill[i * n + j], decode[j])
              << m << "x" << n << "x" << k << " row " << i << " col " << j;
        }
      }
    }
  }
}

TEST(GemmUkernels, F16PanelConversionIsExactForFiniteValues) {
  const size_t nr = gemm_nr();
  std::vector<uint16_t> src;
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7c00u) != 0x7c00u) src.push_back(static_cast<uint16_t>(h));  // skip inf/NaN
  }
  src.resize(src.size() / nr * nr);
  for (const auto& k : kF16F32PanelKernels) {
    SCOPED_TRACE(k.name);
    std::vector<float> dst(src.size());
    k.fn(src.size() / nr, src.data(), nr, dst.data());
    for (size_t i = 0; i < src.size(); ++i) ASSERT_EQ(dst[i], f16_to_f32(src[i])) << std::hex << src[i];
    // Strided rows (a panel inside its group): every other row of NR values.
    const size_t rows = src.size() / nr / 2;
    k.fn(rows, src.data(), 2 * nr, dst.data());
    for (size_t r = 0; r < rows; ++r) {
      for (size_t j = 0; j < nr; ++j) ASSERT_EQ(dst[r * nr + j], f16_to_f32(src[2 * r * nr + j]));
    }
  }
}

#if defined(QKV_HAVE_XNNPACK)
// qkv's f32 GEMM against XNNPACK's fully-connected operator on the same data.
TEST(Gemm, AgreesWithXnnpackFullyConnected) {
  ASSERT_EQ(xnn_initialize(nullptr), xnn_status_success);
  for (auto [m, k, n] : {std::tuple<size_t, size_t, size_t>{1, 768, 300}, {128, 768, 96}, {7, 33, 65}}) {
    std::vector<float> w(n * k), x(m * k), b(n), y_qkv(m * n), y_xnn(m * n);
    std::mt19937 rng(static_cast<unsigned>(m + k + n));
    std::uniform_real_distribution<float> dist(-1, 1);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng);
    for (float& v : b) v = dist(rng);
    xnn_operator_t op = nullptr;
    ASSERT_EQ(xnn_create_fully_connected_nc_f32(k, n, k, n, w.data(), b.data(), -INFINITY, INFINITY, 0, &op),
              xnn_status_success);
    ASSERT_EQ(xnn_setup_fully_connected_nc_f32(op, m, x.data(), y_xnn.data(), nullptr), xnn_status_success);
    ASSERT_EQ(xnn_run_operator(op, nullptr), xnn_status_success);
    xnn_delete_operator(op);
    std::vector<uint8_t> data(packed_weights_bytes(WeightType::kF32, n, k));
    ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kF32,
                             data.data(), nullptr, nullptr)
                    .ok());
    ASSERT_TRUE(gemm(nullptr, m, x.data(), k, PackedWeights{WeightType::kF32, n, k, data.data(), nullptr},
                     b.data(), y_qkv.data(), n)
                    .ok());
    for (size_t i = 0; i < y_qkv.size(); ++i)
      ASSERT_NEAR(y_qkv[i], y_xnn[i], 2e-4f) << m << "x" << k << "x" << n;
  }
}
#endif

}  // namespace
}  // namespace qkv

namespace qkv {
namespace {

// A row as the packed table holds it: rounded through f16, or through the q8
// or q4 spec's round trip, or as it is.
std::vector<double> stored_row(WeightType type, const std::vector<float>& row) {
  if (type == WeightType::kQ8) return q8_spec_roundtrip(row);
  if (type == WeightType::kQ4) {
    const std::vector<float> stored = q4_spec_quantize(row).stored;
    return std::vector<double>(stored.begin(), stored.end());
  }
  std::vector<double> out(row.size());
  for (size_t c = 0; c < row.size(); ++c)
    out[c] = type == WeightType::kF16 ? f16_to_f32(f32_to_f16(row[c])) : row[c];
  return out;
}

// Gathering rows of packed weights gives the weights as the type represents
// them (the same values GemmTester's reference uses).
TEST(GemmGather, RowsMatchTheRepresentedWeights) {
  for (WeightType type : kTypes) {
    const size_t n = 37, k = 45;
    std::vector<float> w(n * k);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (float& v : w) v = dist(rng);
    std::vector<uint8_t> data(packed_weights_bytes(type, n, k));
    std::vector<float> scales(packed_scales_bytes(type, n, k) / 4 + 1);
    ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, type, data.data(),
                             scales.data(), nullptr)
                    .ok());
    const PackedWeights pw{type, n, k, data.data(), scales.data()};
    const int32_t ids[] = {0, 36, 9, 9, 17};
    std::vector<float> out(5 * k);
    ASSERT_TRUE(packed_weights_gather_rows(pw, ids, 5, out.data()).ok());
    for (size_t i = 0; i < 5; ++i) {
      std::vector<float> row(w.begin() + ids[i] * k, w.begin() + (ids[i] + 1) * k);
      const std::vector<double> expect = stored_row(type, row);
      for (size_t c = 0; c < k; ++c)
        ASSERT_EQ(out[i * k + c], static_cast<float>(expect[c])) << i << " " << c;
    }
    const int32_t bad[] = {3, 37};
    Status s = packed_weights_gather_rows(pw, bad, 2, out.data());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("token id 37 at position 1"), std::string::npos) << s.message();
  }
}

// The embedding lookups of the models (a packed table shared with the LM
// head) over widths around the vector widths and the q8 block, plus model
// widths, with repeated and extreme ids.
TEST(GemmGather, RowsOverAwkwardWidths) {
  const size_t n = 50;
  const int32_t ids[] = {0, 49, 7, 7, 23, 1, 48};
  for (WeightType type : kTypes) {
    for (size_t k : {1, 3, 4, 15, 16, 17, 31, 32, 33, 64, 65, 768, 1000}) {
      std::vector<float> w(n * k);
      for (size_t r = 0; r < n; ++r) {
        for (size_t c = 0; c < k; ++c) w[r * k + c] = std::sin(0.37f * r + 0.11f * c) * (1.0f + r % 5);
      }
      std::vector<uint8_t> data(packed_weights_bytes(type, n, k));
      std::vector<float> scales(packed_scales_bytes(type, n, k) / 4 + 1);
      ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, type, data.data(),
                               scales.data(), nullptr)
                      .ok());
      const PackedWeights pw{type, n, k, data.data(), scales.data()};
      std::vector<float> out(std::size(ids) * k);
      ASSERT_TRUE(packed_weights_gather_rows(pw, ids, std::size(ids), out.data()).ok());
      for (size_t i = 0; i < std::size(ids); ++i) {
        std::vector<float> row(w.begin() + ids[i] * k, w.begin() + (ids[i] + 1) * k);
        const std::vector<double> expect = stored_row(type, row);
        for (size_t c = 0; c < k; ++c) {
          ASSERT_EQ(out[i * k + c], static_cast<float>(expect[c])) << weight_type_name(type) << " k=" << k;
        }
      }
    }
  }
}

TEST(GemmGather, EmptyIdListIsFine) {
  std::vector<float> w(50 * 4, 1.0f);
  std::vector<uint8_t> data(packed_weights_bytes(WeightType::kF32, 50, 4));
  ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, 50, 4, WeightType::kF32,
                           data.data(), nullptr, nullptr)
                  .ok());
  const PackedWeights pw{WeightType::kF32, 50, 4, data.data(), nullptr};
  EXPECT_TRUE(packed_weights_gather_rows(pw, nullptr, 0, nullptr).ok());
}

// The first bad id is named with its position and the vocabulary, and out is
// left untouched.
TEST(GemmGather, RejectsIdsOutsideTheVocabulary) {
  const size_t n = 50, k = 8;
  std::vector<float> w(n * k, 0.5f);
  struct Case {
    std::vector<int32_t> ids;
    std::string id_text;
    std::string position_text;
  };
  const Case cases[] = {{{3, 4, -1, 60}, "id -1", "position 2"},
                        {{50}, "id 50", "position 0"},
                        {{0, 1, 2, 3, 2147483647}, "id 2147483647", "position 4"}};
  for (WeightType type : kTypes) {
    std::vector<uint8_t> data(packed_weights_bytes(type, n, k));
    std::vector<float> scales(packed_scales_bytes(type, n, k) / 4 + 1);
    ASSERT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, type, data.data(),
                             scales.data(), nullptr)
                    .ok());
    const PackedWeights pw{type, n, k, data.data(), scales.data()};
    for (const Case& c : cases) {
      std::vector<float> out(c.ids.size() * k, -7.0f);
      const Status s = packed_weights_gather_rows(pw, c.ids.data(), c.ids.size(), out.data());
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find(c.id_text), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(c.position_text), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("[0, 50)"), std::string::npos) << s.message();
      for (float v : out) ASSERT_EQ(v, -7.0f);
    }
  }
}

}  // namespace
}  // namespace qkv

namespace qkv {
namespace {

// WeightPacker fed a few source rows at a time (as the loader streams a
// checkpoint) writes the same bytes as pack_weights given the whole matrix.
TEST(WeightPacker, RowsInPiecesEqualTheWholeMatrix) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> dist(-2, 2);
  for (WeightType type : {WeightType::kF32, WeightType::kF16, WeightType::kQ8, WeightType::kQ4}) {
    for (SourceLayout layout : {SourceLayout::kNK, SourceLayout::kKN}) {
      for (SourceType src_type : {SourceType::kF32, SourceType::kBF16}) {
        const size_t n = 45, k = 77;  // neither a multiple of NR, of 4 nor of 32
        std::vector<float> w32(n * k);
        std::vector<uint16_t> w16(n * k);
        for (size_t i = 0; i < n * k; ++i) {
          w32[i] = dist(rng);
          uint32_t bits;  // bf16 by truncation: any bf16 value will do
          std::memcpy(&bits, &w32[i], 4);
          w16[i] = static_cast<uint16_t>(bits >> 16);
        }
        const void* src = src_type == SourceType::kF32 ? static_cast<const void*>(w32.data()) : w16.data();
        std::vector<uint8_t> whole(packed_weights_bytes(type, n, k), 0xAB), pieces(whole.size(), 0xCD);
        std::vector<float> whole_scales(packed_scales_bytes(type, n, k) / 4 + 1, 7.0f),
            piece_scales(whole_scales.size(), 9.0f);
        ASSERT_TRUE(
            pack_weights(src, src_type, layout, n, k, type, whole.data(), whole_scales.data(), nullptr).ok());
        WeightPacker packer(src_type, layout, n, k, type, pieces.data(), piece_scales.data());
        ASSERT_TRUE(packer.check().ok());
        ThreadPool pool(3);
        // Pieces of 1, 2, 3 ... granules, last piece short.
        size_t row = 0;
        for (size_t piece = 1; row < packer.source_rows(); ++piece) {
          const size_t rows = std::min(piece * packer.row_granule(), packer.source_rows() - row);
          ASSERT_TRUE(
              packer.add_rows(static_cast<const uint8_t*>(src) + row * packer.row_bytes(), row, rows, &pool)
                  .ok());
          row += rows;
        }
        packer.finish();
        SCOPED_TRACE(std::string(weight_type_name(type)) + (layout == SourceLayout::kNK ? " NK" : " KN"));
        EXPECT_EQ(whole, pieces);
        if (type == WeightType::kQ8 || type == WeightType::kQ4) {
          whole_scales.pop_back();
          piece_scales.pop_back();
          EXPECT_EQ(whole_scales, piece_scales);
        }
        // Rows not on a granule boundary are refused.
        if (packer.row_granule() > 1) {
          EXPECT_EQ(packer.add_rows(src, 1, 32, nullptr).code(), StatusCode::kInvalidArgument);
        }
      }
    }
  }
}

}  // namespace
}  // namespace qkv
