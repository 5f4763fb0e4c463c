// Plain-loop q8 GEMM: the oracle for simd.cc. Each activation row is the
// q8 GEMV's plain loop over the row group (q8-gemv/scalar.cc), which states
// the arithmetic both kernels share.
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"

namespace qkv {

void q8_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                             const float* bias, float* y, size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q8_gemv_ukernel__scalar(nc, k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride, bias,
                            y + i * y_stride);
  }
}

}  // namespace qkv
