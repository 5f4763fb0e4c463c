// Plain-loop q4 GEMM: the oracle for simd.cc and relaxed.cc. Each activation
// row is the q4 GEMV's plain loop over the row group (q4-gemv/scalar.cc).
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4-gemv/gemv.h"

namespace qkv {

void q4_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* q,
                             const float* scales, const float* bias, float* y, size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q4_gemv_ukernel__scalar(nc, k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride,
                            x_sums + i * xs_stride, bias, y + i * y_stride);
  }
}

}  // namespace qkv
