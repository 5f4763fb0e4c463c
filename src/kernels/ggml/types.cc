// ggml's type_traits for the types qkv reads (blocks.h).
#include "kernels/ggml/blocks.h"

namespace qkv {
namespace ggml {
namespace {

constexpr TypeTraits kTraits[] = {
    {Type::kF32, "f32", 1, 4},
    {Type::kF16, "f16", 1, 2},
    {Type::kQ4_0, "q4_0", kQK4_0, sizeof(BlockQ4_0)},
    {Type::kQ4_1, "q4_1", kQK4_1, sizeof(BlockQ4_1)},
    {Type::kQ5_0, "q5_0", kQK5_0, sizeof(BlockQ5_0)},
    {Type::kQ5_1, "q5_1", kQK5_1, sizeof(BlockQ5_1)},
    {Type::kQ8_0, "q8_0", kQK8_0, sizeof(BlockQ8_0)},
    {Type::kQ4_K, "q4_K", kQK_K, sizeof(BlockQ4_K)},
    {Type::kQ5_K, "q5_K", kQK_K, sizeof(BlockQ5_K)},
    {Type::kQ6_K, "q6_K", kQK_K, sizeof(BlockQ6_K)},
    {Type::kBF16, "bf16", 1, 2},
};

}  // namespace

const TypeTraits* type_traits(uint32_t id) {
  for (const TypeTraits& t : kTraits) {
    if (static_cast<uint32_t>(t.type) == id) return &t;
  }
  return nullptr;
}

bool row_bytes(const TypeTraits& traits, uint64_t n, uint64_t* bytes) {
  if (n % traits.block_values != 0) return false;
  const uint64_t blocks = n / traits.block_values;
  if (blocks > UINT64_MAX / traits.block_bytes) return false;
  *bytes = blocks * traits.block_bytes;
  return true;
}

}  // namespace ggml
}  // namespace qkv
