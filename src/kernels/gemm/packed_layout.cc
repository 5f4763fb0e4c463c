// The packed layouts' geometry (packed_layout.h).
#include "kernels/gemm/packed_layout.h"

#include <hwy/highway.h>

#include <algorithm>

#include "kernels/common/q4k.h"

namespace qkv {

const char* weight_type_name(WeightType type) {
  switch (type) {
    case WeightType::kF32:
      return "f32";
    case WeightType::kF16:
      return "f16";
    case WeightType::kQ8:
      return "q8";
    case WeightType::kQ4:
      return "q4";
    case WeightType::kQ8K:
      return "q8k";
    case WeightType::kQ6K:
      return "q6k";
    case WeightType::kQ4K:
      return "q4k";
    case WeightType::kQ8H:
      return "q8h";
  }
  return "?";
}

// Two vectors of the build's SIMD target: the width of the f32 GEMM
// microkernel's rows (f32-gemm/4xnr-simd.cc) and of the GEMV's panels.
size_t gemm_nr() { return 2 * hwy::HWY_NAMESPACE::Lanes(hwy::HWY_NAMESPACE::ScalableTag<float>()); }

namespace {

size_t panels(size_t n) { return (n + gemm_nr() - 1) / gemm_nr(); }

}  // namespace

PanelLocation gemm_panel_location(size_t p, size_t n, size_t k) {
  const size_t nr = gemm_nr(), first = p - p % kGemmPanelGroup;
  const size_t in_group = std::min(kGemmPanelGroup, panels(n) - first);
  return {first * k * nr + (p - first) * nr, in_group * nr};
}

PackedSize packed_size(WeightType type, uint64_t n, uint64_t k) {
  const uint64_t nr = gemm_nr(), padded_n = (n + nr - 1) / nr * nr;
  const uint64_t q8_rows = (n + kQ8RowGroup - 1) / kQ8RowGroup * kQ8RowGroup;
  const uint64_t q8_blocks_per_row = (k + kQ8BlockSize - 1) / kQ8BlockSize;
  switch (type) {
    case WeightType::kF32:
      return {padded_n * k * sizeof(float), 0};
    case WeightType::kF16:
      return {padded_n * k * sizeof(uint16_t), 0};
    case WeightType::kQ8:
      return {q8_rows * q8_blocks_per_row * kQ8BlockSize, q8_rows * q8_blocks_per_row * sizeof(float)};
    case WeightType::kQ8H:
      return {q8_rows * q8_blocks_per_row * kQ8BlockSize, q8_rows * q8_blocks_per_row * sizeof(uint16_t)};
    case WeightType::kQ4: {
      const uint64_t q4_rows = (n + kQ4RowGroup - 1) / kQ4RowGroup * kQ4RowGroup;
      const uint64_t q4_blocks_per_row = (k + kQ4BlockSize - 1) / kQ4BlockSize;
      // Per block: 16 nibble bytes, and d and m.
      return {q4_rows * q4_blocks_per_row * kQ4BlockBytes, q4_rows * q4_blocks_per_row * 2 * sizeof(float)};
    }
    case WeightType::kQ8K: {
      // Per super-block of a row group: values, sub-scales and mins, then d and dmin.
      // (k is a multiple of 256 for any matrix of this type; a partial one is counted whole.)
      const uint64_t groups = (n + kQ8KRowGroup - 1) / kQ8KRowGroup;
      const uint64_t supers = (k + kQ8KSuperBlock - 1) / kQ8KSuperBlock;
      return {groups * supers * kQ8KGroupBytes, groups * supers * kQ8KGroupFloats * sizeof(float)};
    }
    case WeightType::kQ6K: {
      // q8k's groups with 832 bytes and 4 floats per super-block (common/q6k.h).
      const uint64_t groups = (n + kQ6KRowGroup - 1) / kQ6KRowGroup;
      const uint64_t supers = (k + kQ8KSuperBlock - 1) / kQ8KSuperBlock;
      return {groups * supers * kQ6KGroupBytes, groups * supers * kQ6KGroupFloats * sizeof(float)};
    }
    case WeightType::kQ4K: {
      // q4's nibbles, and 64 scale bytes per super-block of a row group (common/q4k.h).
      const uint64_t groups = (n + kQ4KRowGroup - 1) / kQ4KRowGroup;
      const uint64_t supers = (k + kQ4KSuperBlock - 1) / kQ4KSuperBlock;
      return {groups * kQ4KRowGroup * supers * kQ4KSuperBlock / 2, groups * supers * kQ4KGroupScaleBytes};
    }
  }
  return {};
}

}  // namespace qkv
