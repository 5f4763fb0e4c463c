// Plain-loop q4k GEMV: the oracle for simd.cc and relaxed.cc. It reads the
// scales through common/q4k.h's own unpacking (q4k_block_dm).
#include "kernels/common/q4k.h"
#include "kernels/q4k-gemv/gemv.h"

namespace qkv {

void q4k_gemv_ukernel__scalar(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                              const int16_t* xq, const float* x_scales, const float* x_sums,
                              const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    for (size_t b = 0; b < q4_blocks(k); ++b) {
      const uint8_t* block = data + q4_grouped_block(r, b, k) * kQ4BlockBytes;
      int32_t dot = 0;
      for (size_t i = 0; i < kQ4BlockSize; ++i)
        dot += int32_t(q4_nibble(block, i)) * xq[b * kQ4BlockSize + i];
      float d, m;
      q4k_block_dm(scales + q4k_group_scales(r, b / kQ4KBlocksPerSuper, k), r % kQ4KRowGroup,
                   b % kQ4KBlocksPerSuper, &d, &m);
      acc += double(d) * x_scales[b] * dot + double(m) * x_sums[b];
    }
    y[r] = static_cast<float>(acc);
  }
}

}  // namespace qkv
