// Steps shared by the decoder architectures (GPT-2, LLaMA family), in the
// manner of llama.cpp's build_attn / build_ffn helpers.
#pragma once

#include "models/decoder.h"
#include "models/kv_cache.h"
#include "models/weights.h"

namespace qkv {

// The request fits the model, the cache and the activations.
Status check_forward_request(const ModelDims& d, const KvCache& cache, const Activations& act,
                             const ForwardRequest& r);

// y[rows, out] = x[rows, in] · Wᵀ + bias, rows contiguous.
Status linear(ThreadPool* pool, size_t rows, const float* x, const Linear& layer, float* y);
// The same, with y's rows y_stride floats apart (e.g. q, k and v written side
// by side into one row per token).
Status linear_into(ThreadPool* pool, size_t rows, const float* x, const Linear& layer, float* y,
                   size_t y_stride);

// Causal self-attention of the chunk: `qkv` holds, per token, the query heads
// then the key heads then the value heads (n_head + 2 n_head_kv heads of
// head_dim). Keys and values go into layer `layer` of the cache at positions
// pos0 .. pos0+n-1, then every query attends over positions 0 .. its own
// (the last `window` of them for a layer with a sliding window).
// out: [n, n_head * head_dim]. probs: optional [n_head][n][pos0 + n].
Status attend(ThreadPool* pool, const ModelDims& d, KvCache& cache, size_t layer, const ForwardRequest& r,
              const float* qkv, float* out, float* probs);
// The same with the scores scaled by `scale` instead of 1 / sqrt(head_dim)
// (Gemma's query_pre_attn_scalar ** -0.5). With r.bidirectional, every query
// sees every key of the chunk, or those with |i - j| < bidirectional_window
// when that is not 0 (Gemma 3's bidirectional sliding layers).
Status attend_scaled(ThreadPool* pool, const ModelDims& d, KvCache& cache, size_t layer,
                     const ForwardRequest& r, const float* qkv, float scale, float* out, float* probs,
                     size_t bidirectional_window = 0);

}  // namespace qkv
