// T5's attention with a relative position bias: scores = q·k (no 1/sqrt(d)
// scaling) + bias[head][bucket(key position - query position)], as
// T5Attention._relative_position_bucket and compute_bias in transformers'
// modeling_t5.py. The bias depends only on key - query, so a table of it
// per (head, relative position) is filled once per call of a stack (the
// bias is shared by its layers) and each (head, query) row reads a slice of
// it as the fused f32 attention microkernel's additive key mask: no seq x seq
// matrix is held, and nothing is allocated.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/f32-attn/attn.h"

namespace qkv {

class ThreadPool;

// The bucket of relative_position = key position - query position, in
// [0, num_buckets): half the buckets (or all, causal) for exact distances
// below a threshold, logarithmic bins up to max_distance, the last bucket
// beyond. Bidirectional (the encoder) gives keys after the query the upper
// half of the buckets; causal (the decoder) maps every later key to bucket 0.
// The log is computed in float in torch's order, so bins match bit for bit.
size_t t5_relative_position_bucket(int64_t relative_position, bool bidirectional, size_t num_buckets,
                                   size_t max_distance);

// The bias of relative positions first .. first + len - 1 per head:
// out[h * len + (r - first)] = relative_bias[bucket(r)][h], relative_bias
// being [num_buckets][n_head] (nn.Embedding weight).
void t5_fill_bias_table(const float* relative_bias, size_t n_head, size_t num_buckets, size_t max_distance,
                        bool bidirectional, int64_t first, size_t len, float* out);

struct T5AttentionParams {
  size_t n_head = 0, head_dim = 0;
  size_t n_q = 0, q_pos0 = 0;  // query i sits at position q_pos0 + i
  size_t n_kv = 0;             // keys at positions 0 .. n_kv - 1
  bool causal = false;         // causal: the query at p sees keys 0..p, and the buckets are causal
  // t5_fill_bias_table's table (its buckets bidirectional unless causal),
  // covering every relative position the call reads: from
  // -(q_pos0 + n_q - 1) to 0 (causal) or n_kv - 1 - q_pos0.
  const float* bias = nullptr;
  int64_t bias_first = 0;
  size_t bias_len = 0;
  const float* q = nullptr;  // q[i * q_token_stride + h * head_dim + d]
  size_t q_token_stride = 0;
  KvDtype kv_dtype = KvDtype::kF32;
  const void* k = nullptr;  // k[h * kv_head_stride + t * kv_token_stride + d]
  const void* v = nullptr;
  size_t kv_head_stride = 0, kv_token_stride = 0;
  float* out = nullptr;  // out[i * out_token_stride + h * head_dim + d]
  size_t out_token_stride = 0;
  // Optional: probabilities [n_head][n_q][n_kv] (0 for keys after a causal query).
  float* probs = nullptr;
};

// Runs every (head, query) row on the pool (null: the calling thread).
Status t5_attention(ThreadPool* pool, const T5AttentionParams& p);
// Several calls' rows in one pass over the pool (the beams of a decoder
// step, each over its own cache): one dispatch instead of n.
Status t5_attention_batch(ThreadPool* pool, const T5AttentionParams* params, size_t n);

}  // namespace qkv
