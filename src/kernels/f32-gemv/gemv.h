// f32 GEMV microkernel behind gemm()'s decode path (M = 1) for f32 weights.
#pragma once

#include <cstddef>

namespace qkv {

// y[n] = bias + x[k] · P for one group of `count` panels (count <= 4) of an
// f32 packed matrix (packed_layout.h), interleaved row by row: row i of
// panel j is at panels + (i * count + j) * NR. nc is the number of valid
// columns in the last panel; y receives (count-1)*NR + nc values; bias may
// be null.
using F32GemvUkernelFn = void (*)(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                  const float* bias, float* y);

// Plain loops in double: the test oracle.
void f32_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                     const float* bias, float* y);
// Highway SIMD.
void f32_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                   const float* bias, float* y);

}  // namespace qkv
