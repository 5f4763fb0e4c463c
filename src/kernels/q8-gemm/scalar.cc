// Plain-loop q8 GEMM: the oracle for simd.cc.
#include "kernels/gemm/packed_layout.h"
#include "kernels/q8-gemm/gemm.h"

namespace qkv {

void q8_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                             const float* bias, float* y, size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    for (size_t j = 0; j < nc; ++j) {
      double acc = bias ? bias[j] : 0.0;
      for (size_t b = 0; b < q8_blocks(k); ++b) {
        const size_t at = q8_grouped_block(j, b, k);
        int32_t dot = 0;
        for (size_t t = 0; t < kQ8BlockSize; ++t) {
          dot += int32_t(q[at * kQ8BlockSize + t]) * xq[i * xq_stride + b * kQ8BlockSize + t];
        }
        acc += double(scales[at]) * x_scales[i * xs_stride + b] * dot;
      }
      y[i * y_stride + j] = static_cast<float>(acc);
    }
  }
}

}  // namespace qkv
