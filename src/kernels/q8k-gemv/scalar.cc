// Plain-loop q8k GEMV: the oracle for simd.cc and relaxed.cc. It reads the
// layout through its own index arithmetic (common/q8k.h), not the SIMD
// kernels' pointer walks.
#include "kernels/common/q8k.h"
#include "kernels/q8k-gemv/gemv.h"

namespace qkv {

void q8k_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* data, const float* scales,
                              const int16_t* xq, const float* x_scales, const float* x_sums,
                              const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    const size_t row = r % kQ8KRowGroup;
    for (size_t s = 0; s < q8k_supers(k); ++s) {
      const size_t at = q8k_group_super(r, s, k);
      const int8_t* g = data + at * kQ8KGroupBytes;
      const double d = scales[at * kQ8KGroupFloats + row];
      const double dmin = scales[at * kQ8KGroupFloats + kQ8KRowGroup + row];
      for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
        const size_t xb = s * kQ8KSuperBlock / kQ8KBlock + b;
        const int8_t* w = g + (b * kQ8KRowGroup + row) * kQ8KBlock;
        int64_t a = 0;
        for (size_t half = 0; half < 2; ++half) {
          int64_t dot = 0;
          for (size_t i = 0; i < kQ8KSubBlock; ++i) {
            const size_t c = half * kQ8KSubBlock + i;
            dot += int64_t(w[c]) * xq[xb * kQ8KBlock + c];
          }
          a += dot * g[kQ8KGroupScOffset + (2 * b + half) * kQ8KRowGroup + row];
        }
        const double mn = g[kQ8KGroupMnOffset + b * kQ8KRowGroup + row];
        acc += d * x_scales[xb] * double(a) - dmin * mn * x_sums[xb];
      }
    }
    y[r] = static_cast<float>(acc);
  }
}

}  // namespace qkv
