// Relaxed-SIMD q4 GEMV: one row group (4 rows) per pass, as simd.cc, on the
// relaxed int8 dot product (q4_group in relaxed-inl.h).
#if defined(__wasm_relaxed_simd__)
#include <algorithm>

#include "kernels/gemm/packed_layout.h"
#include "kernels/q4-gemv/gemv.h"
#include "kernels/q4-gemv/relaxed-inl.h"

namespace qkv {

void q4_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* q, const float* scales, const int8_t* x,
                              const float* x_scales, const float* x_sums, const float* bias, float* y) {
  const size_t group_q = kQ4RowGroup * q4_blocks(k) * kQ4BlockBytes, group_s = 2 * kQ4RowGroup * q4_blocks(k);
  for (size_t r0 = 0; r0 < rows; r0 += kQ4RowGroup, q += group_q, scales += group_s) {
    q4_relaxed::store_group(q4_relaxed::q4_group(k, q, scales, x, x_scales, x_sums),
                            std::min(kQ4RowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
#endif
