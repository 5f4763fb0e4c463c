// Plain-loop q6k GEMV: the oracle for simd.cc and relaxed.cc. It reads the
// layout through common/q6k.h's own unpacking and index arithmetic and
// takes x in its natural order.
#include "kernels/common/q6k.h"
#include "kernels/q6k-gemv/gemv.h"

namespace qkv {

void q6k_gemv_ukernel__scalar(size_t rows, size_t k, const uint8_t* data, const float* scales,
                              const int16_t* xq, const float* x_scales, const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    const size_t row = r % kQ6KRowGroup;
    for (size_t s = 0; s < q8k_supers(k); ++s) {
      const size_t at = q8k_group_super(r, s, k);
      const uint8_t* g = data + at * kQ6KGroupBytes;
      const double d = scales[at * kQ6KGroupFloats + row];
      for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
        const size_t xb = s * kQ8KSuperBlock / kQ8KBlock + b;
        uint8_t u[kQ8KBlock];
        q6k_unpack_row(g + b * kQ6KBlockBytes, row, u);
        int64_t dot[2] = {0, 0};
        for (size_t p = 0; p < kQ8KBlock; ++p) {
          const size_t i = kQ8KOrder(p);
          dot[i / kQ8KSubBlock] += int64_t(u[p] - kQ8KOffset) * xq[xb * kQ8KBlock + i];
        }
        const int8_t* sc =
            reinterpret_cast<const int8_t*>(g + kQ6KGroupScOffset + b * kQ8KGroupScBlock) + 2 * row;
        acc += d * x_scales[xb] * double(dot[0] * sc[0] + dot[1] * sc[1]);
      }
    }
    y[r] = static_cast<float>(acc);
  }
}

}  // namespace qkv
