// Shared by the tests of the block-quantized weight kernels (q4_kernels_test,
// q8k_kernels_test, q6k_kernels_test, loader_q8k_test): the activation
// patterns, the stacking of test rows into a GEMM's strided operands, the
// GEMM-rows-equal-the-GEMV check, gemm()'s prefill-equals-decode check and
// its check against known weight values, and random ggml K-quant blocks.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/q4/quant.h"
#include "kernels/q8/quant.h"
#include "kernels/q8k-gemv/gemv.h"

namespace qkv {
namespace quant_test {

inline bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// q8 activation patterns: 0 all +127; 1 all -127; 2 alternating ±127; 3 random.
inline int x_value(int pattern, size_t i, std::mt19937& rng) {
  switch (pattern) {
    case 0:
      return 127;
    case 1:
      return -127;
    case 2:
      return i % 2 ? -127 : 127;
    default:
      return static_cast<int>(rng() % 255) - 127;
  }
}

// A q8k or q6k test case's activation row of k values in every form the
// kernels take (the fields x8, x16, x_ord, x_offsets, x_scales, x_sums):
// pattern xp (x_value), its block scales 1 (unit) or random below 0.02.
template <class Case>
void fill_q8k_x(Case& c, size_t k, int xp, bool unit, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  c.x8.resize(k);
  for (size_t i = 0; i < k; ++i) c.x8[i] = static_cast<int8_t>(x_value(xp, i, rng));
  c.x16.assign(c.x8.begin(), c.x8.end());
  c.x_scales.assign(k / 32, 1.0f);
  if (!unit) {
    for (float& v : c.x_scales) v = dist(rng) * 0.02f;
  }
  c.x_sums.resize(k / 32);
  q4_activation_sums(k, c.x8.data(), c.x_scales.data(), c.x_sums.data());
  c.x_ord.resize(k);
  c.x_offsets.resize(k / 16);
  q8k_order_x(k, c.x8.data(), c.x_ord.data(), c.x_offsets.data());
}

// One field of each case (a test row of x in some form), `stride` elements
// apart and zero between: a GEMM kernel's strided activation operand.
template <class T, class Case>
std::vector<T> stack_rows(const std::vector<Case>& cases, std::vector<T> Case::*field, size_t stride) {
  std::vector<T> out(cases.size() * stride);
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<T>& row = cases[i].*field;
    std::copy(row.begin(), row.end(), out.begin() + i * stride);
  }
  return out;
}

// A GEMM kernel's output y (mr rows, y_stride apart, filled with kUntouched
// before the call): row i's first nc values are gemv(i)'s bits (the GEMV on
// row i alone, prefill = decode) and within tolerance(j) of y_ref; nothing
// past nc is written.
constexpr float kUntouched = -7.0f;
template <class Gemv, class Tolerance>
void expect_gemm_rows(size_t mr, size_t nc, size_t y_stride, const std::vector<float>& y,
                      const std::vector<float>& y_ref, Gemv gemv, Tolerance tolerance) {
  for (size_t i = 0; i < mr; ++i) {
    const std::vector<float> y_gemv = gemv(i);
    for (size_t j = 0; j < y_stride; ++j) {
      const float v = y[i * y_stride + j];
      if (j >= nc) {
        ASSERT_EQ(v, kUntouched) << "wrote past nc";
        continue;
      }
      ASSERT_TRUE(same_bits(v, y_gemv[j])) << "mr=" << mr << " nc=" << nc << " at " << i << "," << j;
      ASSERT_NEAR(v, y_ref[i * y_stride + j], tolerance(j)) << "mr=" << mr << " nc=" << nc << " at " << i;
    }
  }
}

// gemm() on m rows of x (k apart) with `threads` threads gives each row the
// bits that decoding it alone (M = 1, the GEMV) gives; y receives the prefill.
inline void expect_prefill_equals_decode(size_t threads, size_t m, const float* x, const PackedWeights& pw,
                                         const float* bias, std::vector<float>* y) {
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  y->assign(m * pw.n, 0.0f);
  ASSERT_TRUE(gemm(pool.get(), m, x, pw.k, pw, bias, y->data(), pw.n).ok());
  for (size_t i = 0; i < m; ++i) {
    std::vector<float> row(pw.n);
    ASSERT_TRUE(gemm(nullptr, 1, x + i * pw.k, pw.k, pw, bias, row.data(), pw.n).ok());
    for (size_t j = 0; j < pw.n; ++j) {
      ASSERT_TRUE(same_bits(row[j], (*y)[i * pw.n + j]))
          << m << "x" << pw.n << "x" << pw.k << ": prefill != decode at " << i << "," << j;
    }
  }
}

// gemm() on weights pw whose values are w (n × k floats, e.g. ggml's
// reference dequantization), decode and prefill of m random rows of x, with
// 1 and 3 threads: prefill rows bit for bit the decode GEMV's, and every
// output the double-precision product of w with x's q8 values (the
// quantizer qkv applies to activations, whose rounding is not the kernel's
// to undo), within 1e-5 of the terms' magnitude.
inline void expect_gemm_matches_values(size_t m, const PackedWeights& pw, const std::vector<float>& w,
                                       std::mt19937& rng) {
  const size_t n = pw.n, k = pw.k;
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(m * k), bias(n);
  for (float& v : x) v = dist(rng);
  for (float& v : bias) v = dist(rng);
  for (size_t threads : {1, 3}) {
    std::vector<float> y;
    expect_prefill_equals_decode(threads, m, x.data(), pw, bias.data(), &y);
    for (size_t i = 0; i < m; ++i) {
      std::vector<int8_t> xq(k);
      std::vector<float> xs(k / 32);
      f32_to_q8_row__scalar(k, x.data() + i * k, xq.data(), xs.data());
      for (size_t j = 0; j < n; ++j) {
        double ref = bias[j], mag = std::fabs(bias[j]);
        for (size_t c = 0; c < k; ++c) {
          const double term = double(w[j * k + c]) * xs[c / 32] * xq[c];
          ref += term;
          mag += std::fabs(term);
        }
        ASSERT_NEAR(y[i * n + j], ref, 1e-5 * mag + 1e-6)
            << m << "x" << n << "x" << k << " at " << i << "," << j;
      }
    }
  }
}

// Random Q4_K, Q5_K or Q6_K blocks for n rows of k values, their f16 scales normal
// and finite: the high byte's exponent bits forced to include `exponent_bits`
// (0x08: near 2^-13; 0x24: below 2 and at least 2^-13).
inline std::vector<uint8_t> random_kquant_blocks(ggml::Type type, size_t n, size_t k, uint8_t exponent_bits,
                                                 std::mt19937& rng) {
  const size_t block_bytes = ggml::type_traits(static_cast<uint32_t>(type))->block_bytes;
  std::vector<uint8_t> bytes(n * k / ggml::kQK_K * block_bytes);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  for (size_t at = 0; at < bytes.size(); at += block_bytes) {
    auto half = [&](size_t i) {
      bytes[at + i + 1] = static_cast<uint8_t>(exponent_bits | (bytes[at + i + 1] & 0x83));
    };
    if (type == ggml::Type::kQ4_K || type == ggml::Type::kQ5_K) {
      half(0);
      half(2);
    } else {
      half(block_bytes - 2);
    }
  }
  return bytes;
}

}  // namespace quant_test
}  // namespace qkv
