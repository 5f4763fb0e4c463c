// Relaxed-SIMD q4k GEMM: the row group's scales expanded into q4's form, then
// the relaxed q4 GEMM kernel (q4-gemm/relaxed.cc) over its nibbles.
#if defined(__wasm_relaxed_simd__)
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4k-gemm/expand_group-inl.h"
#include "kernels/q4k-gemm/gemm.h"

namespace qkv {

void q4k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                               const float* x_scales, const float* x_sums, size_t xs_stride,
                               const uint8_t* data, const uint8_t* scales, const float* bias, float* y,
                               size_t y_stride) {
  q4_gemm_ukernel__relaxed(mr, nc, k, x, x_stride, x_scales, x_sums, xs_stride, data,
                           q4k_expand::group_as_q4(k, scales), bias, y, y_stride);
}

}  // namespace qkv
#endif
