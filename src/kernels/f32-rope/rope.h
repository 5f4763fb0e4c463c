// f32 rotary position embedding (RoPE), in place on one token's heads.
//
// x is [n_head, head_dim]; in every head the first n_rot dims (n_rot even,
// n_rot <= head_dim) are rotated in pairs (a, b) by this position's angles,
//   a' = a cos_i - b sin_i,   b' = b cos_i + a sin_i,   i in [0, n_rot/2),
// and the remaining head_dim - n_rot dims are left untouched (partial rotary,
// as GPT-NeoX's rotary_pct / Phi's partial_rotary_factor).
#pragma once

#include <cstddef>

namespace qkv {

enum class RopeStyle {
  kInterleaved,  // pairs (2i, 2i+1): GPT-J, original Meta LLaMA checkpoints
  kHalfSplit,    // pairs (i, i + n_rot/2): GPT-NeoX, HF LLaMA, Qwen2 (rotate_half)
};

// cos and sin hold the n_rot/2 values of one position (a row of the table
// filled by rope_fill_cos_sin).
using F32RopeUkernelFn = void (*)(size_t n_head, size_t head_dim, size_t n_rot, const float* cos,
                                  const float* sin, RopeStyle style, float* x);

// Plain loops in double: the test oracle.
void f32_rope_ukernel__scalar(size_t n_head, size_t head_dim, size_t n_rot, const float* cos,
                              const float* sin, RopeStyle style, float* x);
// Highway SIMD.
void f32_rope_ukernel__simd(size_t n_head, size_t head_dim, size_t n_rot, const float* cos, const float* sin,
                            RopeStyle style, float* x);

// Fills cos and sin, each [n_pos, n_rot/2], for positions 0..n_pos-1 with
// the float32 arithmetic of HF's default rotary embedding
// (LlamaRotaryEmbedding, GPTNeoXRotaryEmbedding):
//   inv_freq_i = 1 / base^(2i / n_rot)   base, 2i/n_rot, the power and the
//                                        quotient each rounded to float32
//   angle      = float32(pos * inv_freq_i)
//   cos, sin   = cos(angle), sin(angle) rounded to float32
// The power, cos and sin are computed in double and rounded once, i.e.
// correctly rounded (torch's float32 pow/cos/sin are within 1 ulp of that);
// the rest matches torch bit for bit. Scaled variants (llama3, yarn, ntk)
// are not covered. n_pos < 2^24 so every position is exact in float32.
void rope_fill_cos_sin(size_t n_pos, size_t n_rot, double theta_base, float* cos, float* sin);

}  // namespace qkv
