// kernels/ggml/validate.h: the f16 scales of every block type qkv reads are
// found where ggml's block structs keep them, and an inf or NaN one is
// reported by its block, as llama.cpp's ggml_validate_row_data refuses it.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/ggml/blocks.h"
#include "kernels/ggml/validate.h"

namespace qkv {
namespace {

using ggml::Type;

struct Case {
  Type type;
  size_t block_bytes;
  int64_t block_values;
  std::vector<size_t> scale_offsets;
};

const Case kCases[] = {
    {Type::kQ4_0, sizeof(ggml::BlockQ4_0), 32, {0}},
    {Type::kQ4_1, sizeof(ggml::BlockQ4_1), 32, {0, 2}},
    {Type::kQ5_0, sizeof(ggml::BlockQ5_0), 32, {0}},
    {Type::kQ5_1, sizeof(ggml::BlockQ5_1), 32, {0, 2}},
    {Type::kQ8_0, sizeof(ggml::BlockQ8_0), 32, {0}},
    {Type::kQ4_K, sizeof(ggml::BlockQ4_K), 256, {0, 2}},
    {Type::kQ5_K, sizeof(ggml::BlockQ5_K), 256, {0, 2}},
    {Type::kQ6_K, sizeof(ggml::BlockQ6_K), 256, {208}},  // ql, qh, scales, then d
};

void put_half(uint8_t* at, uint16_t bits) {
  at[0] = static_cast<uint8_t>(bits & 0xFF);
  at[1] = static_cast<uint8_t>(bits >> 8);
}

TEST(GgmlValidate, NonFiniteScalesAreFoundByBlock) {
  for (const Case& c : kCases) {
    EXPECT_TRUE(ggml::has_f16_scales(c.type));
    // Three blocks of values with the exponent bits all set (0xFF) except in
    // the scales, which hold finite values: only a scale can make a block bad.
    std::vector<uint8_t> row(3 * c.block_bytes, 0xFF);
    for (size_t b = 0; b < 3; ++b) {
      for (size_t off : c.scale_offsets) put_half(row.data() + b * c.block_bytes + off, 0x3C00);  // 1.0
    }
    const int64_t k = 3 * c.block_values;
    EXPECT_EQ(ggml::first_nonfinite_scale(c.type, row.data(), k), -1) << static_cast<int>(c.type);
    for (size_t off : c.scale_offsets) {
      for (uint16_t bad : {uint16_t{0x7C00}, uint16_t{0xFC00}, uint16_t{0x7E00}, uint16_t{0xFFFF}}) {
        std::vector<uint8_t> with = row;
        put_half(with.data() + 2 * c.block_bytes + off, bad);
        EXPECT_EQ(ggml::first_nonfinite_scale(c.type, with.data(), k), 2)
            << static_cast<int>(c.type) << " " << off;
        put_half(with.data() + 1 * c.block_bytes + off, bad);
        EXPECT_EQ(ggml::first_nonfinite_scale(c.type, with.data(), k), 1)
            << static_cast<int>(c.type) << " " << off;
      }
      // The largest finite f16, a subnormal and negative zero are scales like any other.
      for (uint16_t fine : {uint16_t{0x7BFF}, uint16_t{0x0001}, uint16_t{0x8000}}) {
        std::vector<uint8_t> with = row;
        put_half(with.data() + c.block_bytes + off, fine);
        EXPECT_EQ(ggml::first_nonfinite_scale(c.type, with.data(), k), -1) << static_cast<int>(c.type);
      }
    }
  }
}

TEST(GgmlValidate, TypesWithoutScalesAreNeverRefused) {
  const std::vector<uint8_t> infs(64, 0xFF);
  for (Type t : {Type::kF32, Type::kF16, Type::kBF16}) {
    EXPECT_FALSE(ggml::has_f16_scales(t));
    EXPECT_EQ(ggml::first_nonfinite_scale(t, infs.data(), 16), -1);
  }
}

}  // namespace
}  // namespace qkv
