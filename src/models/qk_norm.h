// Per-head RMSNorm of the query and key heads of a chunk (the q_norm /
// k_norm of Gemma 3 and Qwen3, applied after the projections and before
// RoPE): each head_dim-wide head of each token normalised on its own with
// one gain vector shared by all heads.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "models/model.h"

namespace qkv {

class ThreadPool;

// x holds n_tokens rows token_stride floats apart; the first n_heads *
// head_dim floats of each row are the heads to normalise, in place, with
// `weight` [head_dim] (nullptr: 1).
Status rmsnorm_heads(ThreadPool* pool, size_t n_tokens, size_t n_heads, size_t head_dim, size_t token_stride,
                     const float* weight, float eps, float* x);

// The q/k norm of a qkv chunk (per token: the query heads, then the key and
// value heads, the layout attend() reads): every query head with gain
// q_norm, every key head with k_norm, in place; values untouched.
Status norm_qk_heads(ThreadPool* pool, const ModelDims& d, size_t n, const float* q_norm, const float* k_norm,
                     float eps, float* qkv);

}  // namespace qkv
