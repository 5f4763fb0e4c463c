// The q8 GEMV and GEMM's integer dot products at the extremes of the int8
// range, through gemm() in every build (the build's own kernels and activation
// form: int16 in SIMD128 and native builds, split by sign with relaxed SIMD),
// and the relaxed-SIMD kernels themselves where they exist: exact integer sums
// against plain int64 loops, and the relaxed outputs bit for bit those of the
// SIMD128 kernels (compiled into the same binary).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "core/thread_pool.h"
#include "gemm_tester.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/packed_layout.h"
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8/quant.h"

namespace qkv {
namespace {

// Integer patterns in [-127, 127] with a ±127 first in every block of 32, so
// each block's q8 scale is exactly 1 and its q8 values are the integers
// themselves. Pattern 0: all -127; 1: all +127; 2: alternating ±127; 3:
// values near the top bit (±126, ±127, 64, -64, 63, -65, ...); 4: random.
std::vector<float> extreme_row(size_t k, int pattern, int sign, std::mt19937& rng) {
  static const int kNearTopBit[] = {127, -127, 126, -126, 64, -64, 63, -63, 65, -65, 1, -1, 0, 100, -100};
  std::uniform_int_distribution<int> any(-127, 127);
  std::vector<float> row(k);
  for (size_t i = 0; i < k; ++i) {
    int v = 0;
    switch (pattern) {
      case 0:
        v = -127;
        break;
      case 1:
        v = 127;
        break;
      case 2:
        v = i % 2 ? -127 : 127;
        break;
      case 3:
        v = kNearTopBit[(i * 7 + static_cast<size_t>(sign + 1)) % std::size(kNearTopBit)];
        break;
      default:
        v = any(rng);
        break;
    }
    if (i % kQ8BlockSize == 0) v = 127 * sign;
    row[i] = static_cast<float>(v);
  }
  return row;
}

// gemm() with q8 weights on integer inputs at the extremes: with block scales
// of 1 every output is its exact integer dot product (below 2^24 for these
// K, so the float sum over blocks is exact too), in decode (M = 1, the q8
// GEMV) and prefill (the q8 GEMM), one thread and three.
TEST(Q8Extremes, GemmGivesTheExactIntegerSums) {
  for (auto [m, n, k] :
       {std::tuple<size_t, size_t, size_t>{1, 9, 75}, {1, 16, 256}, {3, 7, 32}, {6, 12, 160}}) {
    std::mt19937 rng(static_cast<unsigned>(m * 1000 + n * 10 + k));
    for (int wp = 0; wp < 5; ++wp) {
      for (int xp = 0; xp < 5; ++xp) {
        std::vector<float> w, x;
        for (size_t r = 0; r < n; ++r) {
          const auto row = extreme_row(k, (wp + static_cast<int>(r)) % 5, r % 2 ? -1 : 1, rng);
          w.insert(w.end(), row.begin(), row.end());
        }
        for (size_t i = 0; i < m; ++i) {
          const auto row = extreme_row(k, (xp + static_cast<int>(i)) % 5, i % 3 ? 1 : -1, rng);
          x.insert(x.end(), row.begin(), row.end());
        }
        const Q8PackedMatrix packed(w, n, k);
        const PackedWeights pw = packed.weights();
        for (size_t threads : {1, 3}) {
          std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
          std::vector<float> y(m * n, -1.0f);
          ASSERT_TRUE(gemm(pool.get(), m, x.data(), k, pw, nullptr, y.data(), n).ok());
          for (size_t i = 0; i < m; ++i) {
            for (size_t j = 0; j < n; ++j) {
              int64_t dot = 0;
              for (size_t c = 0; c < k; ++c) dot += int64_t(w[j * k + c]) * int64_t(x[i * k + c]);
              ASSERT_EQ(y[i * n + j], static_cast<float>(dot))
                  << m << "x" << n << "x" << k << " patterns " << wp << "," << xp << " at " << i << "," << j;
            }
          }
        }
      }
    }
  }
}

#if defined(__wasm_relaxed_simd__)

// Every q8 value's sign parts, p = max(q, 0) and n = max(-q, 0), none with the
// top bit set; -128 (never written by the quantizer) still gives 0..127.
TEST(Q8Relaxed, SplitSignsIsExactAndSevenBit) {
  const size_t k = 256 + 11;  // a partial last block: it is read whole (padding included)
  std::vector<int8_t> q(q8_padded(k)), pn(2 * q8_padded(k), 99);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int8_t>(static_cast<int>(i % 256) - 128);
  q8_split_signs_row__relaxed(k, q.data(), pn.data());
  for (size_t i = 0; i < q.size(); ++i) {
    const size_t b = i / kQ8BlockSize, j = i % kQ8BlockSize;
    const int p = pn[b * 2 * kQ8BlockSize + j], n = pn[b * 2 * kQ8BlockSize + kQ8BlockSize + j];
    ASSERT_GE(p, 0) << int(q[i]);
    ASSERT_GE(n, 0) << int(q[i]);
    if (q[i] == -128) {
      ASSERT_EQ(p, 0);
      ASSERT_EQ(n, 127);
    } else {
      ASSERT_EQ(p - n, q[i]);
      ASSERT_EQ(p * n, 0) << int(q[i]);
    }
  }
}

// x by sign, written here from the definition (quant.h), not by the kernel.
std::vector<int8_t> split_by_sign(const std::vector<int8_t>& q) {
  std::vector<int8_t> pn(2 * q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    const size_t at = i / kQ8BlockSize * 2 * kQ8BlockSize + i % kQ8BlockSize;
    pn[at] = static_cast<int8_t>(q[i] > 0 ? q[i] : 0);
    pn[at + kQ8BlockSize] = static_cast<int8_t>(q[i] < 0 ? -q[i] : 0);
  }
  return pn;
}

// Bytes biased to the extremes: a third ±127 (weights: -128 too, which the
// relaxed dot product takes in its first operand), the rest anywhere.
int8_t extreme_byte(std::mt19937& rng, bool allow_min) {
  std::uniform_int_distribution<int> any(allow_min ? -128 : -127, 127), pick(0, 5);
  switch (pick(rng)) {
    case 0:
      return 127;
    case 1:
      return allow_min ? -128 : -127;
    default:
      return static_cast<int8_t>(any(rng));
  }
}

// Unit scales: the kernels' outputs are the exact integer dot products
// (scalar oracle and int64 sums alike); random scales: the relaxed outputs are
// the SIMD128 kernel's bits, padding rows of the last group ignored.
TEST(Q8Relaxed, GemvSumsAreExactAndEqualTheSimd128Kernel) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t rows : {1, 3, 4, 9, 16}) {
    for (size_t k : {1, 31, 32, 75, 256}) {
      const size_t groups_rows = q8_grouped_rows(rows);
      std::vector<int8_t> q(groups_rows * q8_padded(k)), x8(q8_padded(k), 0);
      for (int8_t& v : q) v = extreme_byte(rng, true);
      for (size_t i = 0; i < k; ++i) x8[i] = extreme_byte(rng, false);
      const std::vector<int8_t> x_pn = split_by_sign(x8);
      const std::vector<int16_t> x16(x8.begin(), x8.end());
      std::vector<float> ones_s(groups_rows * q8_blocks(k), 1.0f), ones_x(q8_blocks(k), 1.0f);
      std::vector<float> y_relaxed(rows), y_scalar(rows), y_simd(rows);
      q8_gemv_ukernel__relaxed(rows, k, q.data(), ones_s.data(), x_pn.data(), ones_x.data(), nullptr,
                               y_relaxed.data());
      q8_gemv_ukernel__scalar(rows, k, q.data(), ones_s.data(), x16.data(), ones_x.data(), nullptr,
                              y_scalar.data());
      for (size_t r = 0; r < rows; ++r) {
        int64_t dot = 0;
        for (size_t c = 0; c < k; ++c)
          dot += int64_t(q[q8_grouped_block(r, c / 32, k) * 32 + c % 32]) * x8[c];
        ASSERT_EQ(y_scalar[r], static_cast<float>(dot)) << rows << " " << k << " row " << r;
        ASSERT_EQ(y_relaxed[r], static_cast<float>(dot)) << rows << " " << k << " row " << r;
      }
      std::vector<float> scales(ones_s.size()), xs(ones_x.size()), bias(rows);
      for (float& v : scales) v = dist(rng) * 0.01f;
      for (float& v : xs) v = dist(rng) * 0.02f;
      for (float& v : bias) v = dist(rng);
      q8_gemv_ukernel__relaxed(rows, k, q.data(), scales.data(), x_pn.data(), xs.data(), bias.data(),
                               y_relaxed.data());
      q8_gemv_ukernel__simd(rows, k, q.data(), scales.data(), x16.data(), xs.data(), bias.data(),
                            y_simd.data());
      for (size_t r = 0; r < rows; ++r) {
        ASSERT_EQ(std::memcmp(&y_relaxed[r], &y_simd[r], sizeof(float)), 0)
            << rows << " " << k << " row " << r << ": " << y_relaxed[r] << " vs " << y_simd[r];
      }
    }
  }
}

TEST(Q8Relaxed, GemmRowsEqualTheSimd128KernelBitForBit) {
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t k : {1, 31, 32, 75, 256}) {
    for (size_t mr : {1, 2, 3, 5}) {
      for (size_t nc = 1; nc <= kQ8RowGroup; ++nc) {
        std::vector<int8_t> q(kQ8RowGroup * q8_padded(k));
        for (int8_t& v : q) v = extreme_byte(rng, true);
        std::vector<float> scales(kQ8RowGroup * q8_blocks(k)), bias(nc);
        for (float& v : scales) v = dist(rng) * 0.01f;
        for (float& v : bias) v = dist(rng);
        // Padded strides; the int16 and split forms of the same rows.
        const size_t x16_stride = q8_padded(k) + 32, pn_stride = 2 * q8_padded(k) + 64;
        const size_t xs_stride = q8_blocks(k) + 1, y_stride = nc + 2;
        std::vector<int16_t> x16(mr * x16_stride);
        std::vector<int8_t> x_pn(mr * pn_stride);
        std::vector<float> xs(mr * xs_stride);
        for (size_t i = 0; i < mr; ++i) {
          std::vector<int8_t> x8(q8_padded(k), 0);
          for (size_t c = 0; c < k; ++c) x8[c] = extreme_byte(rng, false);
          const std::vector<int8_t> pn = split_by_sign(x8);
          std::copy(x8.begin(), x8.end(), x16.begin() + i * x16_stride);
          std::copy(pn.begin(), pn.end(), x_pn.begin() + i * pn_stride);
          for (size_t b = 0; b < q8_blocks(k); ++b) xs[i * xs_stride + b] = dist(rng) * 0.02f;
        }
        std::vector<float> y_simd(mr * y_stride, -7.0f), y_relaxed(mr * y_stride, -7.0f);
        q8_gemm_ukernel__simd(mr, nc, k, x16.data(), x16_stride, xs.data(), xs_stride, q.data(),
                              scales.data(), bias.data(), y_simd.data(), y_stride);
        q8_gemm_ukernel__relaxed(mr, nc, k, x_pn.data(), pn_stride, xs.data(), xs_stride, q.data(),
                                 scales.data(), bias.data(), y_relaxed.data(), y_stride);
        for (size_t i = 0; i < y_simd.size(); ++i) {
          ASSERT_EQ(std::memcmp(&y_relaxed[i], &y_simd[i], sizeof(float)), 0)
              << "k=" << k << " mr=" << mr << " nc=" << nc << " at " << i;
        }
        // And each row is the relaxed GEMV's output (decode) for that row.
        for (size_t i = 0; i < mr; ++i) {
          std::vector<float> y(nc);
          q8_gemv_ukernel__relaxed(nc, k, q.data(), scales.data(), x_pn.data() + i * pn_stride,
                                   xs.data() + i * xs_stride, bias.data(), y.data());
          for (size_t j = 0; j < nc; ++j) ASSERT_EQ(std::memcmp(&y[j], &y_relaxed[i * y_stride + j], 4), 0);
        }
      }
    }
  }
}

#endif  // __wasm_relaxed_simd__

}  // namespace
}  // namespace qkv
