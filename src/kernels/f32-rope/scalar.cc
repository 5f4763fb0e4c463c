#include "kernels/f32-rope/rope.h"

namespace qkv {

void f32_rope_ukernel__scalar(size_t n_head, size_t head_dim, size_t n_rot, const float* cos,
                              const float* sin, RopeStyle style, float* x) {
  const size_t half = n_rot / 2;
  const bool interleaved = style == RopeStyle::kInterleaved;
  for (size_t h = 0; h < n_head; ++h) {
    float* xh = x + h * head_dim;
    for (size_t i = 0; i < half; ++i) {
      float& a = xh[interleaved ? 2 * i : i];
      float& b = xh[interleaved ? 2 * i + 1 : i + half];
      const double c = cos[i], s = sin[i], va = a, vb = b;
      a = static_cast<float>(va * c - vb * s);
      b = static_cast<float>(vb * c + va * s);
    }
  }
}

}  // namespace qkv
