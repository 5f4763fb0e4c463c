#include "kernels/f32-add/add.h"

namespace qkv {

void f32_add_ukernel__scalar(size_t n, const float* a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

}  // namespace qkv
