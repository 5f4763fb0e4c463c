// Plain-loop q8k GEMM: the oracle for simd.cc and relaxed.cc. Each activation
// row is the q8k GEMV's plain loop over the row group (q8k-gemv/scalar.cc).
#include "kernels/q8k-gemm/gemm.h"
#include "kernels/q8k-gemv/gemv.h"

namespace qkv {

void q8k_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride,
                              const int8_t* data, const float* scales, const float* bias, float* y,
                              size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q8k_gemv_ukernel__scalar(nc, k, data, scales, xq + i * xq_stride, x_scales + i * xs_stride,
                             x_sums + i * xs_stride, bias, y + i * y_stride);
  }
}

}  // namespace qkv
