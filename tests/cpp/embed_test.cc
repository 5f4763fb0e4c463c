#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/common/f16.h"
#include "kernels/embed/embed.h"
#include "kernels/q8/quant.h"

namespace qkv {
namespace {

constexpr size_t kVocab = 50;

float table_value(size_t row, size_t col) { return std::sin(0.37f * row + 0.11f * col) * (1.0f + row % 5); }

std::vector<float> make_table(size_t dim) {
  std::vector<float> t(kVocab * dim);
  for (size_t r = 0; r < kVocab; ++r) {
    for (size_t c = 0; c < dim; ++c) t[r * dim + c] = table_value(r, c);
  }
  return t;
}

const std::vector<int32_t> kIds = {0, 49, 7, 7, 23, 1, 48};

// Dims around the vector widths and the q8 block, plus model widths.
const size_t kDims[] = {1, 3, 4, 15, 16, 17, 31, 32, 33, 64, 65, 768, 1000};

TEST(EmbeddingGather, F32CopiesRows) {
  for (size_t dim : kDims) {
    const std::vector<float> table = make_table(dim);
    std::vector<float> out(kIds.size() * dim);
    ASSERT_TRUE(embedding_gather_f32(table.data(), kVocab, dim, kIds.data(), kIds.size(), out.data()).ok());
    for (size_t j = 0; j < kIds.size(); ++j) {
      for (size_t c = 0; c < dim; ++c)
        ASSERT_EQ(out[j * dim + c], table[kIds[j] * dim + c]) << dim << " " << j;
    }
  }
}

TEST(EmbeddingGather, F16WidensRowsExactly) {
  for (size_t dim : kDims) {
    const std::vector<float> f32 = make_table(dim);
    std::vector<uint16_t> table(f32.size());
    for (size_t i = 0; i < f32.size(); ++i) table[i] = f32_to_f16(f32[i]);
    std::vector<float> out(kIds.size() * dim);
    ASSERT_TRUE(embedding_gather_f16(table.data(), kVocab, dim, kIds.data(), kIds.size(), out.data()).ok());
    for (size_t j = 0; j < kIds.size(); ++j) {
      for (size_t c = 0; c < dim; ++c) {
        const float want = f16_to_f32(table[kIds[j] * dim + c]);
        ASSERT_EQ(out[j * dim + c], want) << dim << " " << j;
        ASSERT_NEAR(out[j * dim + c], f32[kIds[j] * dim + c], 5e-3) << "f16 keeps ~3 digits";
      }
    }
  }
}

TEST(EmbeddingGather, Q8DequantizesRows) {
  for (size_t dim : kDims) {
    const std::vector<float> f32 = make_table(dim);
    const size_t padded = q8_padded(dim), blocks = q8_blocks(dim);
    std::vector<int8_t> q(kVocab * padded);
    std::vector<float> scales(kVocab * blocks);
    for (size_t r = 0; r < kVocab; ++r) {
      f32_to_q8_row__scalar(dim, f32.data() + r * dim, q.data() + r * padded, scales.data() + r * blocks);
    }
    const Q8MatrixView view{q.data(), scales.data(), kVocab, dim};
    std::vector<float> out(kIds.size() * dim);
    ASSERT_TRUE(embedding_gather_q8(view, kIds.data(), kIds.size(), out.data()).ok());
    for (size_t j = 0; j < kIds.size(); ++j) {
      const size_t r = static_cast<size_t>(kIds[j]);
      for (size_t c = 0; c < dim; ++c) {
        const float scale = scales[r * blocks + c / kQ8BlockSize];
        ASSERT_EQ(out[j * dim + c], scale * q[r * padded + c]) << dim << " " << j;
        ASSERT_LE(std::fabs(out[j * dim + c] - f32[r * dim + c]), 0.5001f * scale);
      }
    }
  }
}

TEST(EmbeddingGather, EmptyIdListIsFine) {
  const std::vector<float> table = make_table(4);
  EXPECT_TRUE(embedding_gather_f32(table.data(), kVocab, 4, nullptr, 0, nullptr).ok());
}

// The first bad id is named with its index, and out is left untouched.
TEST(EmbeddingGather, RejectsIdsOutsideTheVocabulary) {
  const size_t dim = 8;
  const std::vector<float> f32 = make_table(dim);
  const std::vector<uint16_t> f16(f32.size(), 0x3c00);
  std::vector<int8_t> q(kVocab * q8_padded(dim), 1);
  std::vector<float> scales(kVocab * q8_blocks(dim), 1.0f);
  const Q8MatrixView view{q.data(), scales.data(), kVocab, dim};
  struct Case {
    std::vector<int32_t> ids;
    std::string id_text;
    std::string index_text;
  };
  const Case cases[] = {{{3, 4, -1, 60}, "id -1", "index 2"},
                        {{50}, "id 50", "index 0"},
                        {{0, 1, 2, 3, 2147483647}, "id 2147483647", "index 4"}};
  for (const Case& c : cases) {
    std::vector<float> out(c.ids.size() * dim, -7.0f);
    const Status statuses[] = {
        embedding_gather_f32(f32.data(), kVocab, dim, c.ids.data(), c.ids.size(), out.data()),
        embedding_gather_f16(f16.data(), kVocab, dim, c.ids.data(), c.ids.size(), out.data()),
        embedding_gather_q8(view, c.ids.data(), c.ids.size(), out.data())};
    for (const Status& s : statuses) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find(c.id_text), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(c.index_text), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("[0, 50)"), std::string::npos) << s.message();
    }
    for (float v : out) ASSERT_EQ(v, -7.0f);
  }
}

}  // namespace
}  // namespace qkv
