#include "kernels/common/f16.h"
#include "kernels/cvt/cvt.h"

namespace qkv {

void f16_to_f32_ukernel__scalar(size_t n, const uint16_t* x, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = f16_to_f32(x[i]);
}

void bf16_to_f32_ukernel__scalar(size_t n, const uint16_t* x, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = bf16_to_f32(x[i]);
}

void f32_to_f16_ukernel__scalar(size_t n, const float* x, uint16_t* y) {
  for (size_t i = 0; i < n; ++i) y[i] = f32_to_f16(x[i]);
}

}  // namespace qkv
