// Plain-loop q4k GEMM: the oracle, the q4k GEMV's plain loop per activation row.
#include "kernels/q4k-gemm/gemm.h"
#include "kernels/q4k-gemv/gemv.h"

namespace qkv {

void q4k_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride,
                              const uint8_t* data, const uint8_t* scales, const float* bias, float* y,
                              size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q4k_gemv_ukernel__scalar(nc, k, data, scales, xq + i * xq_stride, x_scales + i * xs_stride,
                             x_sums + i * xs_stride, bias, y + i * y_stride);
  }
}

}  // namespace qkv
