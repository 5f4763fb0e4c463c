#include "kernels/ggml/validate.h"

#include <cstddef>

namespace qkv {
namespace ggml {
namespace {

// Where a block type keeps its f16 scales.
struct ScaleFields {
  Type type;
  size_t block_bytes;
  int block_values;
  size_t offsets[2];
  int count;
};

constexpr ScaleFields kFields[] = {
    {Type::kQ4_0, sizeof(BlockQ4_0), kQK4_0, {offsetof(BlockQ4_0, d), 0}, 1},
    {Type::kQ4_1, sizeof(BlockQ4_1), kQK4_1, {offsetof(BlockQ4_1, d), offsetof(BlockQ4_1, m)}, 2},
    {Type::kQ5_0, sizeof(BlockQ5_0), kQK5_0, {offsetof(BlockQ5_0, d), 0}, 1},
    {Type::kQ5_1, sizeof(BlockQ5_1), kQK5_1, {offsetof(BlockQ5_1, d), offsetof(BlockQ5_1, m)}, 2},
    {Type::kQ8_0, sizeof(BlockQ8_0), kQK8_0, {offsetof(BlockQ8_0, d), 0}, 1},
    {Type::kQ4_K, sizeof(BlockQ4_K), kQK_K, {offsetof(BlockQ4_K, d), offsetof(BlockQ4_K, dmin)}, 2},
    {Type::kQ5_K, sizeof(BlockQ5_K), kQK_K, {offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin)}, 2},
    {Type::kQ6_K, sizeof(BlockQ6_K), kQK_K, {offsetof(BlockQ6_K, d), 0}, 1},
};

const ScaleFields* fields_of(Type type) {
  for (const ScaleFields& f : kFields) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

// IEEE binary16 with all exponent bits set: inf or NaN.
bool nonfinite(const uint8_t* half) { return (half[1] & 0x7C) == 0x7C; }

}  // namespace

bool has_f16_scales(Type type) { return fields_of(type) != nullptr; }

int64_t first_nonfinite_scale(Type type, const void* row, int64_t k) {
  const ScaleFields* f = fields_of(type);
  if (f == nullptr) return -1;
  const uint8_t* block = static_cast<const uint8_t*>(row);
  for (int64_t b = 0; b < k / f->block_values; ++b, block += f->block_bytes) {
    for (int i = 0; i < f->count; ++i) {
      if (nonfinite(block + f->offsets[i])) return b;
    }
  }
  return -1;
}

}  // namespace ggml
}  // namespace qkv
