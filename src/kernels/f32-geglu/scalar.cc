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

// 0.5 x (1 + erf(x / sqrt(2))) as 0.5 x erfc(-x / sqrt(2)), which keeps the
// negative tail's relative accuracy.
double gelu_erf(double x) { return 0.5 * x * std::erfc(-x * 0.70710678118654752440); }
}  // namespace

void f32_geglu_ukernel__scalar(size_t n, const float* gate, const float* up, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(gelu_tanh(gate[i]) * up[i]);
}

void f32_geglu_erf_ukernel__scalar(size_t n, const float* gate, const float* up, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(gelu_erf(gate[i]) * up[i]);
}

}  // namespace qkv
