#include <cmath>
#include <limits>

#include "kernels/f32-softmax/softmax.h"

namespace qkv {

void f32_softmax_ukernel__scalar(size_t n, const float* x, float* y) {
  // NaN inputs need no special case: they reach the sum and spread to every output.
  float max_value = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) max_value = std::fmax(max_value, x[i]);
  // The sum is kept in double: this kernel is the oracle, and a float sum of
  // a 50K-entry vocabulary row drifts by ~4e-5.
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max_value);
    sum += y[i];
  }
  const float inv_sum = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) y[i] *= inv_sum;
}

void f32_log_softmax_ukernel__scalar(size_t n, const float* x, float* y) {
  float max_value = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) max_value = std::fmax(max_value, x[i]);
  double sum = 0.0;  // NaN reaches it and spreads to every output
  for (size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - max_value);
  const float shift = max_value + static_cast<float>(std::log(sum));
  for (size_t i = 0; i < n; ++i) y[i] = x[i] - shift;
}

}  // namespace qkv
