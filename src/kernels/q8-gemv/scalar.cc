// Plain-loop q8 GEMV: the oracle for simd.cc.
#include "kernels/gemm/packed_layout.h"
#include "kernels/q8-gemv/gemv.h"

namespace qkv {
namespace {

template <class Scale>
void gemv(size_t rows, size_t k, const int8_t* q, const Scale* scales, const int16_t* xq,
          const float* x_scales, const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    for (size_t b = 0; b < q8_blocks(k); ++b) {
      const size_t at = q8_grouped_block(r, b, k);
      int32_t dot = 0;
      for (size_t i = 0; i < kQ8BlockSize; ++i) {
        dot += int32_t(q[at * kQ8BlockSize + i]) * xq[b * kQ8BlockSize + i];
      }
      acc += double(q8_scale(scales[at])) * x_scales[b] * dot;
    }
    y[r] = static_cast<float>(acc);
  }
}

}  // namespace

void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* bias, float* y) {
  gemv(rows, k, q, scales, xq, x_scales, bias, y);
}

void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const uint16_t* scales,
                             const int16_t* xq, const float* x_scales, const float* bias, float* y) {
  gemv(rows, k, q, scales, xq, x_scales, bias, y);
}

}  // namespace qkv
