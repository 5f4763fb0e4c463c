// q4k GEMV microkernel behind gemm()'s decode path (M = 1) for q4k weights
// (kernels/common/q4k.h: GGUF's Q4_K blocks, exactly, at Q4_K's size).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For rows r in [0, rows) of q4k weights (data, scales: the start of a row
// group; rows need not fill the last one; k a multiple of 256): the q4 GEMV
// (q4-gemv/gemv.h, same x forms) on the q4 blocks the super-blocks define,
//   y[r] = bias[r] + sum_b ( (q[r, block b] · xq[block b]) * (d_b * x_scale[b]) + m_b * x_sum[b] )
// with d_b = d * sc_j and m_b = -(dmin * mn_j) formed per super-block (exact
// in f32), then q4's float steps in q4's order: a q4k matrix gives the bits
// of the same Q4_K blocks held as q4. bias may be null.
//
// Plain loops (double sums): the test oracle. xq is widened to int16.
void q4k_gemv_ukernel__scalar(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                              const int16_t* xq, const float* x_scales, const float* x_sums,
                              const float* bias, float* y);
// x as q4_simd_x_form writes it.
void q4k_gemv_ukernel__simd(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                            const int16_t* x_form, const float* x_scales, const float* x_sums,
                            const float* bias, float* y);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD, x as int8 (the relaxed q4 GEMV's form): the SIMD128 kernel's bits.
void q4k_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                               const int8_t* x, const float* x_scales, const float* x_sums, const float* bias,
                               float* y);
#endif

}  // namespace qkv
