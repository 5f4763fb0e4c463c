#include <cmath>

#include "kernels/f32-layernorm/layernorm.h"

namespace qkv {

void f32_layernorm_ukernel__scalar(size_t n, const float* x, const float* gamma, const float* beta, float eps,
                                   float* y) {
  // Two passes in double: the oracle must not inherit the cancellation of
  // E[x^2] - E[x]^2 when |mean| >> std.
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += x[i];
  const double mean = sum / static_cast<double>(n);
  double sq = 0.0;
  for (size_t i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const double rstd = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
  for (size_t i = 0; i < n; ++i) {
    const double g = gamma != nullptr ? gamma[i] : 1.0;
    const double b = beta != nullptr ? beta[i] : 0.0;
    y[i] = static_cast<float>((x[i] - mean) * rstd * g + b);
  }
}

}  // namespace qkv
