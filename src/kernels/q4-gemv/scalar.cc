// Plain-loop q4 GEMV: the oracle for simd.cc and relaxed.cc.
#include "kernels/gemm/packed_layout.h"
#include "kernels/q4-gemv/gemv.h"

namespace qkv {

void q4_gemv_ukernel__scalar(size_t rows, size_t k, const uint8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* x_sums, const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    for (size_t b = 0; b < q4_blocks(k); ++b) {
      const uint8_t* block = q + q4_grouped_block(r, b, k) * kQ4BlockBytes;
      int32_t dot = 0;
      for (size_t i = 0; i < kQ4BlockSize; ++i)
        dot += int32_t(q4_nibble(block, i)) * xq[b * kQ4BlockSize + i];
      const size_t at = q4_grouped_d(r, b, k);
      acc += double(scales[at]) * x_scales[b] * dot + double(scales[at + kQ4RowGroup]) * x_sums[b];
    }
    y[r] = static_cast<float>(acc);
  }
}

void q4_simd_x_form(size_t k, const int8_t* xq, int16_t* x_form) {
  for (size_t b = 0; b < q4_blocks(k); ++b, xq += kQ4BlockSize, x_form += kQ4BlockSize) {
    for (size_t j = 0; j < 8; ++j) {
      x_form[j] = static_cast<int16_t>(256 * xq[2 * j]);
      x_form[8 + j] = xq[2 * j + 1];
      x_form[16 + j] = static_cast<int16_t>(16 * xq[2 * j + 16]);
      x_form[24 + j] = static_cast<int16_t>(256 * xq[2 * j + 17]);
    }
  }
}

}  // namespace qkv
