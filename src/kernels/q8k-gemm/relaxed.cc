// Relaxed-SIMD q8k GEMM: as simd.cc, with the relaxed GEMV's own arithmetic
// (q8k-gemv/relaxed-inl.h), so prefill and decode give a token the same bits.
#if defined(__wasm_relaxed_simd__)
#include "kernels/q8k-gemm/gemm.h"
#include "kernels/q8k-gemv/relaxed-inl.h"

namespace qkv {

void q8k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                               const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                               size_t xs_stride, const int8_t* data, const float* scales, const float* bias,
                               float* y, size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    const size_t at = i * xs_stride;
    q8k_relaxed::store_group(q8k_relaxed::q8k_group(k, data, scales, x + i * x_stride, x_offsets + 2 * at,
                                                    x_scales + at, x_sums + at),
                             nc, bias, y + i * y_stride);
  }
}

}  // namespace qkv
#endif
