// Highway q8k GEMV: one row group (4 rows) per pass (q8k_group in
// group-inl.h), sub-scale weighted integer sums per block of 32.
#include <algorithm>

#include "kernels/q8k-gemv/gemv.h"
#include "kernels/q8k-gemv/group-inl.h"

namespace qkv {

void q8k_gemv_ukernel__simd(size_t rows, size_t k, const int8_t* data, const float* scales,
                            const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                            const float* x_sums, const float* bias, float* y) {
  const size_t group_bytes = q8k_supers(k) * kQ8KGroupBytes, group_floats = q8k_supers(k) * kQ8KGroupFloats;
  for (size_t r0 = 0; r0 < rows; r0 += kQ8KRowGroup, data += group_bytes, scales += group_floats) {
    q8k_simd::store_group(q8k_simd::q8k_group(k, data, scales, x_ordered, x_offsets, x_scales, x_sums),
                          std::min(kQ8KRowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
