#include <cmath>
#include <vector>

#include "kernels/f32-rope/rope.h"

namespace qkv {
namespace {

// Rounds to float32 as one torch op does. The volatile store keeps the
// compiler from fusing a product and the following sum into an FMA (GCC
// contracts across statements under -march with FMA), which torch, running
// the two as separate ops, never does.
float f32_op(float x) {
  volatile float v = x;
  return v;
}

}  // namespace

void rope_default_inv_freq(size_t n_rot, double theta_base, float* inv_freq) {
  // torch turns the Python float base into a float32 operand of pow.
  const double base = static_cast<float>(theta_base);
  for (size_t i = 0; i < n_rot / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(n_rot);
    const float power = static_cast<float>(std::pow(base, static_cast<double>(exponent)));
    inv_freq[i] = 1.0f / power;
  }
}

void rope_fill_cos_sin_from_inv_freq(size_t n_pos, size_t n_pairs, const float* inv_freq, float* cos,
                                     float* sin) {
  for (size_t i = 0; i < n_pairs; ++i) {
    for (size_t p = 0; p < n_pos; ++p) {
      // HF forms the angles as a float32 matmul with K = 1: one rounded product.
      const double angle = static_cast<float>(static_cast<float>(p) * inv_freq[i]);
      cos[p * n_pairs + i] = static_cast<float>(std::cos(angle));
      sin[p * n_pairs + i] = static_cast<float>(std::sin(angle));
    }
  }
}

void rope_fill_cos_sin(size_t n_pos, size_t n_rot, double theta_base, float* cos, float* sin) {
  std::vector<float> inv_freq(n_rot / 2);
  rope_default_inv_freq(n_rot, theta_base, inv_freq.data());
  rope_fill_cos_sin_from_inv_freq(n_pos, inv_freq.size(), inv_freq.data(), cos, sin);
}

float rope_llama3_inv_freq(float inv_freq, const RopeLlama3Scaling& s) {
  const double context = static_cast<double>(s.original_max_position_embeddings);
  // The Python scalars of the formula (2 * math.pi, ...), as float32 operands.
  const float two_pi = static_cast<float>(2 * 3.141592653589793);
  const float low_freq_wavelen = static_cast<float>(context / s.low_freq_factor);
  const float high_freq_wavelen = static_cast<float>(context / s.high_freq_factor);
  const float factor = static_cast<float>(s.factor);

  const float wavelen = f32_op(1.0f / inv_freq) * two_pi;
  if (wavelen > low_freq_wavelen) return inv_freq / factor;
  if (wavelen < high_freq_wavelen) return inv_freq;
  const float ratio = f32_op(f32_op(1.0f / wavelen) * static_cast<float>(context));
  const float smooth = (ratio - static_cast<float>(s.low_freq_factor)) /
                       static_cast<float>(s.high_freq_factor - s.low_freq_factor);
  const float slow = f32_op((1.0f - smooth) * inv_freq) / factor;
  return slow + f32_op(smooth * inv_freq);
}

}  // namespace qkv
