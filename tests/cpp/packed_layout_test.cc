// The packed layouts' geometry (kernels/gemm/packed_layout.h) against the
// layouts as gemm.h and packed_layout.h describe them, written out here.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/gemm/gemm.h"

namespace qkv {
namespace {

const WeightType kTypes[] = {WeightType::kF32, WeightType::kF16, WeightType::kQ8, WeightType::kQ4};
const size_t kAwkward[] = {1, 3, 4, 5, 8, 9, 17, 31, 32, 33, 63, 64, 65, 100, 129, 768, 1000};

uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }

// f32/f16: N rounded up to whole panels of NR, times K values of 4 or 2
// bytes. q8: N rounded up to groups of 4 rows, each row K rounded up to 32
// int8 values plus one f32 scale per 32.
TEST(PackedLayout, SizesFollowTheLayouts) {
  const uint64_t nr = gemm_nr();
  for (size_t n : kAwkward) {
    for (size_t k : kAwkward) {
      const uint64_t rows = round_up(n, 4), blocks = round_up(k, 32) / 32;
      const PackedSize f32 = packed_size(WeightType::kF32, n, k), f16 = packed_size(WeightType::kF16, n, k),
                       q8 = packed_size(WeightType::kQ8, n, k);
      EXPECT_EQ(f32.data, round_up(n, nr) * k * 4) << n << "x" << k;
      EXPECT_EQ(f16.data, round_up(n, nr) * k * 2) << n << "x" << k;
      EXPECT_EQ(q8.data, rows * blocks * 32) << n << "x" << k;
      EXPECT_EQ(q8.scales, rows * blocks * 4) << n << "x" << k;
      EXPECT_EQ(f32.scales + f16.scales, 0u);
      EXPECT_EQ(q8.total(), q8.data + q8.scales);
      // q4: 16 nibble bytes and two floats (d, m) per block of 32.
      const PackedSize q4 = packed_size(WeightType::kQ4, n, k);
      EXPECT_EQ(q4.data, rows * blocks * 16) << n << "x" << k;
      EXPECT_EQ(q4.scales, rows * blocks * 8) << n << "x" << k;
      for (WeightType type : kTypes) {
        EXPECT_EQ(packed_weights_bytes(type, n, k), packed_size(type, n, k).data);
        EXPECT_EQ(packed_scales_bytes(type, n, k), packed_size(type, n, k).scales);
      }
    }
  }
}

// The loader plans whole models with these sizes before allocating, in
// 64 bits: a matrix past 4 GB must not wrap as it would in wasm's size_t.
TEST(PackedLayout, SizesDoNotWrapPast4GB) {
  const uint64_t n = 65536 * 4, k = 8192;  // 2^31 weights
  EXPECT_EQ(packed_size(WeightType::kF32, n, k).total(), n * k * 4);
  EXPECT_EQ(packed_size(WeightType::kF16, n, k).total(), n * k * 2);
  EXPECT_EQ(packed_size(WeightType::kQ8, n, k).total(), n * k + n * k / 32 * 4);
  EXPECT_EQ(packed_size(WeightType::kQ4, n, k).total(), n * k / 2 + n * k / 32 * 8);
}

// Every value of every panel has its own place inside the f32/f16 buffer,
// and together they fill it: panel p's row i starts at offset + i *
// row_stride and holds NR values.
TEST(PackedLayout, PanelLocationsTileTheBuffer) {
  const size_t nr = gemm_nr();
  for (size_t n : kAwkward) {
    for (size_t k : {1, 2, 7, 33}) {
      const size_t elements = packed_weights_bytes(WeightType::kF32, n, k) / sizeof(float);
      std::vector<int> hits(elements, 0);
      const size_t n_panels = (n + nr - 1) / nr;
      for (size_t p = 0; p < n_panels; ++p) {
        const PanelLocation at = gemm_panel_location(p, n, k);
        ASSERT_GE(at.row_stride, nr);
        for (size_t i = 0; i < k; ++i) {
          for (size_t j = 0; j < nr; ++j) {
            const size_t e = at.offset + i * at.row_stride + j;
            ASSERT_LT(e, elements) << "n=" << n << " k=" << k << " panel " << p;
            ++hits[e];
          }
        }
      }
      for (size_t e = 0; e < elements; ++e)
        ASSERT_EQ(hits[e], 1) << "n=" << n << " k=" << k << " element " << e;
    }
  }
}

// Every (row, block) of a q8 matrix has its own block index, and together
// they fill the padded rows.
TEST(PackedLayout, Q8BlocksTileTheBuffer) {
  for (size_t n : kAwkward) {
    for (size_t k : {1, 32, 33, 100}) {
      const size_t blocks = packed_scales_bytes(WeightType::kQ8, n, k) / sizeof(float);
      ASSERT_EQ(blocks * kQ8BlockSize, packed_weights_bytes(WeightType::kQ8, n, k));
      std::vector<int> hits(blocks, 0);
      for (size_t r = 0; r < q8_grouped_rows(n); ++r) {
        for (size_t b = 0; b < q8_blocks(k); ++b) {
          const size_t at = q8_grouped_block(r, b, k);
          ASSERT_LT(at, blocks);
          ++hits[at];
        }
      }
      for (size_t i = 0; i < blocks; ++i) ASSERT_EQ(hits[i], 1) << "n=" << n << " k=" << k << " block " << i;
    }
  }
}

// Every (row, block) of a q4 matrix has its own nibble block, d and m, and
// together they fill both buffers; a group's block b is 4 rows' nibbles in
// a row, then their 4 d and 4 m.
TEST(PackedLayout, Q4BlocksTileTheBuffers) {
  for (size_t n : kAwkward) {
    for (size_t k : {1, 32, 33, 100}) {
      const size_t blocks = packed_weights_bytes(WeightType::kQ4, n, k) / kQ4BlockBytes;
      ASSERT_EQ(blocks * 2 * sizeof(float), packed_scales_bytes(WeightType::kQ4, n, k));
      std::vector<int> hits(blocks, 0), scale_hits(2 * blocks, 0);
      for (size_t r = 0; r < q4_grouped_rows(n); ++r) {
        for (size_t b = 0; b < q4_blocks(k); ++b) {
          const size_t at = q4_grouped_block(r, b, k), s = q4_grouped_d(r, b, k);
          ASSERT_EQ(at, (r / 4 * q4_blocks(k) + b) * 4 + r % 4);
          ASSERT_EQ(s, (r / 4 * q4_blocks(k) + b) * 8 + r % 4);
          ASSERT_LT(at, blocks);
          ++hits[at];
          ++scale_hits[s];
          ++scale_hits[s + kQ4RowGroup];
        }
      }
      for (size_t i = 0; i < blocks; ++i) ASSERT_EQ(hits[i], 1) << "n=" << n << " k=" << k << " block " << i;
      for (size_t i = 0; i < 2 * blocks; ++i)
        ASSERT_EQ(scale_hits[i], 1) << "n=" << n << " k=" << k << " scale " << i;
    }
  }
}

// q4_store_block puts a block's bytes, d and m where the layout says.
TEST(PackedLayout, Q4StoreBlockWritesTheLayout) {
  const size_t n = 6, k = 70;
  std::vector<uint8_t> data(packed_weights_bytes(WeightType::kQ4, n, k), 0);
  std::vector<float> scales(packed_scales_bytes(WeightType::kQ4, n, k) / sizeof(float), 0.0f);
  uint8_t block[kQ4BlockBytes];
  for (size_t i = 0; i < kQ4BlockBytes; ++i) block[i] = static_cast<uint8_t>(0x10 * i + 15 - i);
  q4_store_block(data.data(), scales.data(), k, 5, 2, block, 0.5f, -3.0f);
  // Row 5 is row 1 of group 1; 3 blocks per row: group 1 starts at block 12.
  const size_t at = (1 * 3 + 2) * 4 + 1;
  for (size_t i = 0; i < kQ4BlockBytes; ++i) ASSERT_EQ(data[at * 16 + i], block[i]);
  EXPECT_EQ(scales[(1 * 3 + 2) * 8 + 1], 0.5f);
  EXPECT_EQ(scales[(1 * 3 + 2) * 8 + 5], -3.0f);
  size_t nonzero = 0;
  for (uint8_t v : data) nonzero += v != 0;
  EXPECT_EQ(nonzero, kQ4BlockBytes);
}

}  // namespace
}  // namespace qkv
