// Relaxed-SIMD q6k GEMM: the row group unpacked into q8k's layout, then the
// relaxed q8k GEMM kernel (q8k-gemm/relaxed.cc) over it.
#if defined(__wasm_relaxed_simd__)
#include "kernels/q6k-gemm/gemm.h"
#include "kernels/q6k-gemv/unpack-inl.h"
#include "kernels/q8k-gemm/gemm.h"

namespace qkv {

void q6k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                               const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                               size_t xs_stride, const uint8_t* data, const float* scales, const float* bias,
                               float* y, size_t y_stride) {
  const q6k_unpack::Q8KGroup g = q6k_unpack::group_as_q8k(k, data, scales);
  q8k_gemm_ukernel__relaxed(mr, nc, k, x, x_stride, x_offsets, x_scales, x_sums, xs_stride, g.data, g.scales,
                            bias, y, y_stride);
}

}  // namespace qkv
#endif
