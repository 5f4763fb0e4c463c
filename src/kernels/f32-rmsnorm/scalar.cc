#include <cmath>

#include "kernels/f32-rmsnorm/rmsnorm.h"

namespace qkv {

void f32_rmsnorm_ukernel__scalar(size_t n, const float* x, const float* weight, float eps, float* y) {
  double sq = 0.0;
  for (size_t i = 0; i < n; ++i) sq += static_cast<double>(x[i]) * x[i];
  const double rstd = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
  for (size_t i = 0; i < n; ++i) {
    const double w = weight != nullptr ? weight[i] : 1.0;
    y[i] = static_cast<float>(x[i] * rstd * w);
  }
}

}  // namespace qkv
