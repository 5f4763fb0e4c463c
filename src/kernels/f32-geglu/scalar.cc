#include <cmath>

#include "kernels/f32-geglu/geglu.h"

namespace qkv {

namespace {
// gelu_tanh in double as f32-gelu/scalar.cc writes it: 0.5 (1 + tanh(u)) ==
// 1 / (1 + exp(-2u)), without the cancellation of 1 + tanh(u) for x << 0.
double gelu_tanh(double x) {
  const double k = 0.79788456080286535588;  // sqrt(2 / pi)
  const double u = k * (x + 0.044715 * x * x * x);
  return x / (1.0 + std::exp(-2.0 * u));
}
}  // namespace

void f32_geglu_ukernel__scalar(size_t n, const float* gate, const float* up, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(gelu_tanh(gate[i]) * up[i]);
}

}  // namespace qkv
