// Conversions between f16 / bf16 bit patterns and f32, n values each; exact
// (f16 -> f32, bf16 -> f32) or round-to-nearest-even (f32 -> f16) for every
// input including subnormals, inf and NaN. The scalar forms apply
// kernels/common/f16.h element by element; the SIMD forms are vector
// versions of the same bit arithmetic (not Highway's PromoteTo(f16), which
// is slow on wasm and maps inf/NaN to finite values there).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

using F16ToF32UkernelFn = void (*)(size_t n, const uint16_t* x, float* y);
using F32ToF16UkernelFn = void (*)(size_t n, const float* x, uint16_t* y);

void f16_to_f32_ukernel__scalar(size_t n, const uint16_t* x, float* y);
void f16_to_f32_ukernel__simd(size_t n, const uint16_t* x, float* y);

void bf16_to_f32_ukernel__scalar(size_t n, const uint16_t* x, float* y);
void bf16_to_f32_ukernel__simd(size_t n, const uint16_t* x, float* y);

// NaN becomes a quiet f16 NaN with the input's sign; finite values past the
// f16 range become inf.
void f32_to_f16_ukernel__scalar(size_t n, const float* x, uint16_t* y);
void f32_to_f16_ukernel__simd(size_t n, const float* x, uint16_t* y);

}  // namespace qkv
