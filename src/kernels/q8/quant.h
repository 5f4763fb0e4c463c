// f32 <-> q8 (kernels/common/q8.h) for one row of k values.
//
// Per block of 32: scale = max|x| / 127 (rounded to float), q = x / scale
// (float division) rounded half away from zero and clamped to [-127, 127].
// A block whose scale is 0 (all zeros, or so tiny that max|x| / 127
// underflows) stores q = 0. The last block of the row is zero-padded in q.
// Inputs must be finite; a NaN or inf gives unspecified (but in-range) q.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/q8.h"

namespace qkv {

// q holds q8_padded(k) values, scales q8_blocks(k); k >= 1.
using F32ToQ8RowFn = void (*)(size_t k, const float* x, int8_t* q, float* scales);
// y holds k values; q and scales as above.
using Q8ToF32RowFn = void (*)(size_t k, const int8_t* q, const float* scales, float* y);

// Plain loops: the test oracles. The SIMD forms give identical bits.
void f32_to_q8_row__scalar(size_t k, const float* x, int8_t* q, float* scales);
void q8_to_f32_row__scalar(size_t k, const int8_t* q, const float* scales, float* y);
// Highway SIMD.
void f32_to_q8_row__simd(size_t k, const float* x, int8_t* q, float* scales);
void q8_to_f32_row__simd(size_t k, const int8_t* q, const float* scales, float* y);

#if defined(__wasm_relaxed_simd__)
// A q8 row (values in [-127, 127], q8_padded(k) of them) by sign, as the
// relaxed-SIMD q8 kernels read x: the relaxed int8 dot product
// (i32x4.relaxed_dot_i8x16_i7x16_add) is exact only while its second operand
// has the top bit clear, so x is kept as p = max(q, 0) and n = max(-q, 0),
// both in [0, 127], and w · x = w · p - w · n. pn holds 2 * q8_padded(k)
// values: per block, its 32 p then its 32 n. (A -128, which the quantizer
// never writes, would give n = 127: off by one, but still never top-bit set.)
void q8_split_signs_row__relaxed(size_t k, const int8_t* q, int8_t* pn);
#endif

}  // namespace qkv
