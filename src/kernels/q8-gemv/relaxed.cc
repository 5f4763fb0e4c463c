// Relaxed-SIMD q8 GEMV: one row group (4 rows) per pass, as simd.cc, on the
// relaxed int8 dot product (q8_group in relaxed-inl.h); f32 (q8) or f16
// (q8h) block scales.
#if defined(__wasm_relaxed_simd__)
#include <algorithm>

#include "kernels/gemm/packed_layout.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8-gemv/relaxed-inl.h"

namespace qkv {
namespace {

template <class Scale>
void gemv(size_t rows, size_t k, const int8_t* q, const Scale* scales, const int8_t* x_pn,
          const float* x_scales, const float* bias, float* y) {
  const size_t group_q = kQ8RowGroup * q8_padded(k), group_s = kQ8RowGroup * q8_blocks(k);
  for (size_t r0 = 0; r0 < rows; r0 += kQ8RowGroup, q += group_q, scales += group_s) {
    q8_relaxed::store_group(q8_relaxed::q8_group(k, q, scales, x_pn, x_scales),
                            std::min(kQ8RowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace

void q8_gemv_ukernel__relaxed(size_t rows, size_t k, const int8_t* q, const float* scales, const int8_t* x_pn,
                              const float* x_scales, const float* bias, float* y) {
  gemv(rows, k, q, scales, x_pn, x_scales, bias, y);
}

void q8_gemv_ukernel__relaxed(size_t rows, size_t k, const int8_t* q, const uint16_t* scales,
                              const int8_t* x_pn, const float* x_scales, const float* bias, float* y) {
  gemv(rows, k, q, scales, x_pn, x_scales, bias, y);
}

}  // namespace qkv
#endif
