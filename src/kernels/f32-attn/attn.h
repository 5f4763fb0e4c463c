// Fused f32 attention: out = softmax(Q·Kᵀ·scale + mask)·V for prefill (a block
// of queries, optionally causal) and decode (one query over the KV cache), with
// grouped-query heads. The fused kernels keep a running max and running sum per
// query row (online softmax) and walk the keys in blocks, so the seq×seq score
// matrix never exists; the probs kernels write one row of probabilities into
// the caller's buffer instead, for callers that want the attention weights.
//
// K and V may be stored as f32 or f16 (KvDtype, the KV cache's storage type);
// the kernels convert f16 to f32 as they load, and compute in f32 either way.
//
// Masking: a key is masked when it lies after the query (causal), outside the
// query's sliding window, or its key_mask entry is -inf. A row whose keys are all masked has no softmax (the
// sum is 0): its output is all zeros and so is its probability row, where
// torch would give NaN. NaN in Q, K or V gives unspecified output.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace qkv {

class ThreadPool;

// Rows one microkernel call handles: the lanes of one SIMD128 vector, so the
// 4-row kernel keeps one lane per row in its softmax state.
constexpr size_t kAttnMaxRows = 4;
constexpr size_t kAttnMaxHeadDim = 256;

// Element type of K and V in memory.
enum class KvDtype : uint8_t { kF32, kF16 };  // kF16: IEEE binary16 bit patterns (uint16_t)

inline size_t kv_dtype_bytes(KvDtype t) { return t == KvDtype::kF16 ? 2 : 4; }
inline const char* kv_dtype_name(KvDtype t) { return t == KvDtype::kF16 ? "f16" : "f32"; }

// One microkernel call: n_rows query rows that read the same KV head. Rows may
// come from different queries or from different query heads of one GQA group.
struct AttnUkernelArgs {
  size_t head_dim = 0;  // multiple of 4, 4..kAttnMaxHeadDim
  float scale = 0;
  size_t n_rows = 0;                  // 1..kAttnMaxRows
  const float* q[kAttnMaxRows] = {};  // head_dim floats per row
  float* out[kAttnMaxRows] = {};      // head_dim floats per row
  // Row r attends keys [kv_begin[r], kv_len[r]), kv_begin[r] < kv_len[r].
  size_t kv_begin[kAttnMaxRows] = {};
  size_t kv_len[kAttnMaxRows] = {};
  float* probs[kAttnMaxRows] = {};  // probs kernels only: n_kv floats per row
  size_t n_kv = 0;                  // probs kernels only: probability row length, >= every kv_len
  KvDtype kv_dtype = KvDtype::kF32;
  const void* k = nullptr;  // key t at k + t * kv_token_stride elements of kv_dtype
  const void* v = nullptr;  // value t at v + t * kv_token_stride elements
  size_t kv_token_stride = 0;
  const float* key_mask = nullptr;  // optional additive mask per key (0 or -inf)
};

// Signature shared by every f32 attention microkernel.
using F32AttnUkernelFn = void (*)(const AttnUkernelArgs& args);

// Plain loops, one key at a time: the reference.
void f32_attn_ukernel__scalar(const AttnUkernelArgs& args);
// Online softmax, one row at a time, 64-key blocks, scores vectorised over keys (decode).
void f32_attn_ukernel_1x64__simd(const AttnUkernelArgs& args);
// Online softmax, four rows per pass over each 64-key block, so every loaded
// K and V row serves four rows; fewer rows are padded by repeating the last.
void f32_attn_ukernel_4x64__simd(const AttnUkernelArgs& args);
// Picks 1x64 for a single row and 4x64 otherwise; specialised for head_dim
// 32, 64, 80, 96 and 128.
void f32_attn_ukernel__simd(const AttnUkernelArgs& args);

// Also write each row's probabilities to probs[r][0..n_kv) (0 where masked),
// then out = probs·V.
void f32_attn_probs_ukernel__scalar(const AttnUkernelArgs& args);
void f32_attn_probs_ukernel__simd(const AttnUkernelArgs& args);

struct AttnParams {
  size_t n_head = 0, n_head_kv = 0, head_dim = 0;
  float scale = 0;    // usually 1/sqrt(head_dim)
  size_t n_q = 0;     // queries in this call (1 for decode)
  size_t q_pos0 = 0;  // absolute position of the first query; query i sits at q_pos0 + i
  size_t n_kv =
      0;  // keys/values stored (positions kv_pos0..kv_pos0+n_kv-1); >= q_pos0 + n_q - kv_pos0 when causal
  bool causal = true;  // false for encoders (BERT): every query sees all n_kv keys
  // Sliding window; 0 = no window. Causal: the query at position i sees the
  // key at position j iff j <= i and i - j < window (transformers'
  // sliding-window causal mask). Not causal: iff |i - j| < window (Gemma 3's
  // bidirectional window, EmbeddingGemma), and then the queries must be among
  // the keys (q_pos0 + n_q <= n_kv).
  size_t window = 0;
  // Causal only: absolute position of stored key 0, > 0 when a windowed cache
  // has dropped keys no query can see any more (needs window != 0 and
  // q_pos0 + 1 >= kv_pos0 + window). Probabilities are indexed by stored key.
  size_t kv_pos0 = 0;
  const float* q = nullptr;
  size_t q_token_stride = 0;  // q[i * q_token_stride + h * head_dim + d]
  KvDtype kv_dtype = KvDtype::kF32;
  const void* k = nullptr;
  const void* v = nullptr;  // k[hk * kv_head_stride + t * kv_token_stride + d], elements of kv_dtype
  size_t kv_head_stride = 0, kv_token_stride = 0;
  const float* key_mask =
      nullptr;  // optional additive mask per key [n_kv] (0 or -inf), for padded encoder batches
  float* out = nullptr;
  size_t out_token_stride = 0;  // out[i * out_token_stride + h * head_dim + d]
  float* probs =
      nullptr;  // optional: if set, probabilities [n_head][n_q][n_kv] are written (masked entries 0)
};

// Validates p (an invalid_argument Status names the offending field), then
// runs the SIMD microkernels over (KV head × block of 4 rows) work items on the
// pool (null = the calling thread only). Query head h reads KV head
// h / (n_head / n_head_kv). The result does not depend on the thread count.
Status f32_attention(ThreadPool* pool, const AttnParams& p);

// The same driver with chosen microkernels, so tests and benchmarks can run
// the scalar reference through identical row grouping and threading.
struct AttnUkernels {
  F32AttnUkernelFn fused = f32_attn_ukernel__simd;
  F32AttnUkernelFn with_probs = f32_attn_probs_ukernel__simd;
};
Status f32_attention_with(ThreadPool* pool, const AttnParams& p, const AttnUkernels& ukernels);

}  // namespace qkv
