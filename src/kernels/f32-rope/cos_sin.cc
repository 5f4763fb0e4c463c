#include <cmath>

#include "kernels/f32-rope/rope.h"

namespace qkv {

void rope_fill_cos_sin(size_t n_pos, size_t n_rot, double theta_base, float* cos, float* sin) {
  const size_t half = n_rot / 2;
  // torch turns the Python float base into a float32 operand of pow.
  const double base = static_cast<float>(theta_base);
  for (size_t i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(n_rot);
    const float power = static_cast<float>(std::pow(base, static_cast<double>(exponent)));
    const float inv_freq = 1.0f / power;
    for (size_t p = 0; p < n_pos; ++p) {
      // HF forms the angles as a float32 matmul with K = 1: one rounded product.
      const double angle = static_cast<float>(static_cast<float>(p) * inv_freq);
      cos[p * half + i] = static_cast<float>(std::cos(angle));
      sin[p * half + i] = static_cast<float>(std::sin(angle));
    }
  }
}

}  // namespace qkv
