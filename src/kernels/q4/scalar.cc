#include <cmath>
#include <cstring>

#include "kernels/q4/quant.h"

namespace qkv {

void f32_to_q4_row__scalar(size_t k, const float* x, uint8_t* nibbles, float* d, float* m) {
  for (size_t b = 0; b < q4_blocks(k); ++b) {
    const size_t begin = b * kQ4BlockSize;
    const size_t end = begin + kQ4BlockSize < k ? begin + kQ4BlockSize : k;
    float lo = x[begin], hi = x[begin];
    for (size_t i = begin + 1; i < end; ++i) {
      lo = std::fmin(lo, x[i]);
      hi = std::fmax(hi, x[i]);
    }
    // + 0: -0 becomes +0, whichever zero min/max picked.
    const float scale = (hi - lo) / 15.0f + 0.0f;
    d[b] = scale;
    m[b] = lo + 0.0f;
    uint8_t q[kQ4BlockSize] = {};
    if (scale != 0.0f) {
      for (size_t i = begin; i < end; ++i) {
        // round() is half away from zero; fmin/fmax before the cast keep a
        // NaN (from non-finite inputs) in range instead of undefined.
        const float diff = x[i] - lo;
        const float r = std::round(diff / scale);
        q[i - begin] = static_cast<uint8_t>(std::fmin(std::fmax(r, 0.0f), 15.0f));
      }
    }
    uint8_t* out = nibbles + b * kQ4BlockBytes;
    for (size_t j = 0; j < kQ4BlockBytes; ++j)
      out[j] = static_cast<uint8_t>(q[j] | q[j + kQ4BlockBytes] << 4);
  }
}

void q4_activation_sums(size_t k, const int8_t* xq, const float* x_scales, float* x_sums) {
  for (size_t b = 0; b < q4_blocks(k); ++b) {
    int32_t sum = 0;
    for (size_t i = 0; i < kQ4BlockSize; ++i) sum += xq[b * kQ4BlockSize + i];
    x_sums[b] = static_cast<float>(sum) * x_scales[b];
  }
}

void q4_to_f32_row__scalar(size_t k, const uint8_t* nibbles, const float* d, const float* m, float* y) {
  for (size_t i = 0; i < k; ++i) {
    const size_t b = i / kQ4BlockSize;
    // Two statements: one expression could be contracted into a fused multiply-add.
    const float dq = d[b] * static_cast<float>(q4_nibble(nibbles + b * kQ4BlockBytes, i % kQ4BlockSize));
    y[i] = dq + m[b];
  }
}

}  // namespace qkv
