// A q4k row group's scales as q4's (q4k-gemv/expand-inl.h, every super-block)
// in this thread's buffer, valid until its next call: what the q4k GEMM
// kernels hand the q4 GEMM kernels with the group's nibbles.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/common/q4k.h"
#include "kernels/q4k-gemv/expand-inl.h"

namespace qkv {
namespace q4k_expand {
namespace {

inline const float* group_as_q4(size_t k, const uint8_t* scales) {
  constexpr size_t kFloats = 2 * kQ4RowGroup * kQ4KBlocksPerSuper;
  thread_local std::vector<float> q4_scales;
  q4_scales.resize(std::max(q4_scales.size(), q4k_supers(k) * kFloats));
  for (size_t s = 0; s < q4k_supers(k); ++s)
    expand(scales + s * kQ4KGroupScaleBytes, q4_scales.data() + s * kFloats);
  return q4_scales.data();
}

}  // namespace
}  // namespace q4k_expand
}  // namespace qkv
