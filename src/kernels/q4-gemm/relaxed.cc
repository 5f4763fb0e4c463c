// Relaxed-SIMD q4 GEMM: the row group's weights stay in L1 while the
// activation rows pass over them, each with the relaxed GEMV's own arithmetic
// (q4-gemv/relaxed-inl.h), so a prefilled token's outputs are bit for bit
// those of the same token decoded alone.
#if defined(__wasm_relaxed_simd__)
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4-gemv/relaxed-inl.h"

namespace qkv {

void q4_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* q,
                              const float* scales, const float* bias, float* y, size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q4_relaxed::store_group(q4_relaxed::q4_group(k, q, scales, x + i * x_stride, x_scales + i * xs_stride,
                                                 x_sums + i * xs_stride),
                            nc, bias, y + i * y_stride);
  }
}

}  // namespace qkv
#endif
