// Refusing ggml blocks whose f16 scales are inf or NaN, as llama.cpp's
// ggml_validate_row_data does (ggml-quants.c: d for Q4_0, Q5_0, Q8_0 and Q6_K;
// d and m / dmin for Q4_1, Q5_1, Q4_K and Q5_K). Such a block has no values
// (each one is inf or NaN), so a model holding it could only produce
// garbage; refusing it at load is also what lets the SIMD kernels that read
// f16 scales in place (q8h, q4k: common/f16x4-inl.h) skip inf/NaN handling.
#pragma once

#include <cstdint>

#include "kernels/ggml/blocks.h"

namespace qkv {
namespace ggml {

// Whether `type` is a block type with f16 scales (the quantized types of
// blocks.h); the others (f32, f16, bf16) are never refused here.
bool has_f16_scales(Type type);

// The index of the first block of a row of k values of `type` (k a multiple
// of its block size) whose d, m or dmin is inf or NaN, or -1 when every one
// is finite.
int64_t first_nonfinite_scale(Type type, const void* row, int64_t k);

}  // namespace ggml
}  // namespace qkv
