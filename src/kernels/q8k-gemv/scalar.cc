// Plain-loop q8k GEMV: the oracle for simd.cc and relaxed.cc. It reads the
// layout through its own index arithmetic (common/q8k.h) and takes x in its
// natural order, not the SIMD kernels' pointer walks and ordered x. Also the
// SIMD kernels' x form (q8k_order_x), which costs O(k) per x.
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
        const int8_t* u = g + (b * kQ8KRowGroup + row) * kQ8KBlock;
        int64_t dot[2] = {0, 0};
        for (size_t p = 0; p < kQ8KBlock; ++p) {
          const size_t i = kQ8KOrder(p);
          dot[i / kQ8KSubBlock] += int64_t(u[p] - kQ8KOffset) * xq[xb * kQ8KBlock + i];
        }
        const int8_t* sc = g + kQ8KGroupScOffset + b * kQ8KGroupScBlock + 2 * row;
        const int64_t a = dot[0] * sc[0] + dot[1] * sc[1];
        const double mn = g[kQ8KGroupMnOffset + b * kQ8KRowGroup + row];
        acc += d * x_scales[xb] * double(a) - dmin * mn * x_sums[xb];
      }
    }
    y[r] = static_cast<float>(acc);
  }
}

void q8k_order_x(size_t k, const int8_t* xq, int8_t* x_ordered, int32_t* x_offsets) {
  for (size_t b = 0; b < k / kQ8KBlock; ++b) {
    const int8_t* x = xq + b * kQ8KBlock;
    int32_t sums[2] = {0, 0};
    for (size_t p = 0; p < kQ8KBlock; ++p) {
      x_ordered[b * kQ8KBlock + p] = x[kQ8KOrder(p)];
      sums[kQ8KOrder(p) / kQ8KSubBlock] += x[kQ8KOrder(p)];
    }
    x_offsets[2 * b] = kQ8KOffset * sums[0];
    x_offsets[2 * b + 1] = kQ8KOffset * sums[1];
  }
}

}  // namespace qkv
