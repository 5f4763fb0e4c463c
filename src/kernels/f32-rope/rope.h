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
// the rest matches torch bit for bit. n_pos < 2^24 so every position is
// exact in float32. The two steps are also available on their own, for
// scaled variants that change inv_freq in between.
void rope_fill_cos_sin(size_t n_pos, size_t n_rot, double theta_base, float* cos, float* sin);

// The first step: inv_freq[n_rot/2] of the default rotary embedding.
void rope_default_inv_freq(size_t n_rot, double theta_base, float* inv_freq);

// The second step: cos and sin [n_pos, n_pairs] from inv_freq[n_pairs].
void rope_fill_cos_sin_from_inv_freq(size_t n_pos, size_t n_pairs, const float* inv_freq, float* cos,
                                     float* sin);

// config.json's rope_scaling of type "llama3" (Llama 3.1, 3.2), e.g.
// {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
//  "original_max_position_embeddings": 8192, "rope_type": "llama3"}.
struct RopeLlama3Scaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;                   // > low_freq_factor
  size_t original_max_position_embeddings = 8192;  // < 2^24
};

// One default inv_freq as transformers' _compute_llama3_parameters rescales
// it (its attention factor is 1: cos and sin are not scaled). With
// wavelen = 2 pi / inv_freq and L = original_max_position_embeddings:
//   wavelen > L / low_freq_factor    (slow pairs)   inv_freq / factor
//   wavelen < L / high_freq_factor   (fast pairs)   inv_freq
//   otherwise                                       (1 - s) inv_freq / factor + s inv_freq,
//     s = (L / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
// in torch's float32 steps, bit for bit: every Python float is rounded to
// float32, a / t is evaluated as reciprocal(t) * a, each op is rounded.
float rope_llama3_inv_freq(float inv_freq, const RopeLlama3Scaling& scaling);

}  // namespace qkv
