#include <cmath>

#include "kernels/q8/quant.h"

namespace qkv {

void f32_to_q8_row__scalar(size_t k, const float* x, int8_t* q, float* scales) {
  for (size_t b = 0; b < q8_blocks(k); ++b) {
    const size_t begin = b * kQ8BlockSize;
    const size_t end = begin + kQ8BlockSize < k ? begin + kQ8BlockSize : k;
    float amax = 0.0f;
    for (size_t i = begin; i < end; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    const float scale = amax / 127.0f;
    scales[b] = scale;
    for (size_t i = begin; i < begin + kQ8BlockSize; ++i) {
      if (i >= end || scale == 0.0f) {
        q[i] = 0;
        continue;
      }
      // fmin/fmax before the cast: a NaN then lands in range instead of
      // being undefined behaviour.
      const float r = std::round(x[i] / scale);
      q[i] = static_cast<int8_t>(std::fmin(std::fmax(r, -127.0f), 127.0f));
    }
  }
}

void q8_to_f32_row__scalar(size_t k, const int8_t* q, const float* scales, float* y) {
  for (size_t i = 0; i < k; ++i) y[i] = scales[i / kQ8BlockSize] * static_cast<float>(q[i]);
}

}  // namespace qkv
