#include <cmath>

#include "kernels/f32-argmax/argmax.h"

namespace qkv {

size_t f32_argmax_ukernel__scalar(size_t n, const float* x) {
  size_t best = n;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isnan(x[i]) && (best == n || x[i] > x[best])) best = i;
  }
  return best == n ? 0 : best;
}

}  // namespace qkv
