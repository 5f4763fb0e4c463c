// q8 GEMV microkernel behind gemm()'s decode path (M = 1) for q8 and q8h
// weights.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// y[r] = bias[r] + sum_b  w_scale[r,b] * x_scale[b] * (Wq[r, block b] · xq[block b])
// for rows [0, rows) of q8 weights in the grouped layout of packed_layout.h;
// q and scales point at the start of a row group (rows need not fill the
// last one). xq is x quantized to q8 (q8/quant.h) and widened to int16;
// bias may be null. Each kernel has two forms, one body: scales as f32 (q8)
// or as f16 bits (q8h, common/q8.h), converted block by block.
using Q8GemvUkernelFn = void (*)(size_t rows, size_t k, const int8_t* q, const float* scales,
                                 const int16_t* xq, const float* x_scales, const float* bias, float* y);

// Plain loops: the test oracle.
void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* bias, float* y);
void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const uint16_t* scales,
                             const int16_t* xq, const float* x_scales, const float* bias, float* y);
// Highway SIMD.
void q8_gemv_ukernel__simd(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                           const float* x_scales, const float* bias, float* y);
void q8_gemv_ukernel__simd(size_t rows, size_t k, const int8_t* q, const uint16_t* scales, const int16_t* xq,
                           const float* x_scales, const float* bias, float* y);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD: the same outputs, bit for bit, as q8_gemv_ukernel__simd with
// x (as int16) in xq; here x comes split by sign, 2 * q8_padded(k) values
// (q8_split_signs_row__relaxed in q8/quant.h).
void q8_gemv_ukernel__relaxed(size_t rows, size_t k, const int8_t* q, const float* scales, const int8_t* x_pn,
                              const float* x_scales, const float* bias, float* y);
void q8_gemv_ukernel__relaxed(size_t rows, size_t k, const int8_t* q, const uint16_t* scales,
                              const int8_t* x_pn, const float* x_scales, const float* bias, float* y);
#endif

}  // namespace qkv
