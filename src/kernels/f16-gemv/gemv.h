// f16 GEMV microkernel behind gemm()'s decode path (M = 1) for f16 weights.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// y[n] = bias + x[k] · P for one group of `count` panels (count <= 4) of an
// f16 packed matrix (packed_layout.h; IEEE binary16 bit patterns, finite),
// interleaved row by row as in the f32 GEMV (f32-gemv/gemv.h).
using F16GemvUkernelFn = void (*)(size_t count, size_t nc, size_t k, const float* x, const uint16_t* panels,
                                  const float* bias, float* y);

// Plain loops in double: the test oracle.
void f16_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x,
                                     const uint16_t* panels, const float* bias, float* y);
// Highway SIMD.
void f16_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const uint16_t* panels,
                                   const float* bias, float* y);

}  // namespace qkv
