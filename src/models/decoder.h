// The decoder role (GPT-2, the LLaMA family): one forward() over a chunk of
// tokens that reads and extends a KV cache and ends in the LM head. Buffers
// are owned by the caller (runtime/Session) and sized once; forward() never
// allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "models/kv_cache.h"
#include "models/model.h"

namespace qkv {

class ThreadPool;

// Scratch activations for chunks of up to `capacity` tokens.
struct Activations {
  size_t capacity = 0;
  std::vector<float> x, xn, qkv, attn, tmp, ff;

  void resize(const ModelDims& d, size_t tokens) {
    capacity = tokens;
    x.assign(tokens * d.n_embd, 0.0f);
    xn.assign(tokens * d.n_embd, 0.0f);
    qkv.assign(tokens * (d.n_head + 2 * d.n_head_kv) * d.head_dim, 0.0f);
    attn.assign(tokens * d.n_head * d.head_dim, 0.0f);
    tmp.assign(tokens * d.n_embd, 0.0f);
    ff.assign(tokens * 2 * d.n_ff, 0.0f);  // 2x: gate and up for SwiGLU
  }
};

struct ForwardRequest {
  const int32_t* ids = nullptr;
  size_t n = 0;             // tokens in this chunk, <= Activations::capacity
  size_t pos0 = 0;          // position of ids[0]; the cache holds 0 .. pos0-1
  float* logits = nullptr;  // [n_vocab] for the last token, or [n, n_vocab] if all_logits
  bool all_logits = false;
  // Optional, per layer: probabilities [n_head][n][pos0 + n] of this chunk.
  float* const* attention_probs = nullptr;
  // Embedding models (DecoderEncoder): when set, the final-normed hidden
  // states [n, n_embd] of every token go here and no LM head runs (logits
  // may be null).
  float* hidden = nullptr;
  // Every token of the chunk sees every other (Gemma 3's
  // use_bidirectional_attention); the whole sequence must be one chunk from
  // position 0.
  bool bidirectional = false;
};

class DecoderStack {
 public:
  virtual ~DecoderStack() = default;
  // The LM head applies only to the rows whose logits are asked for (the
  // last one, or every one with all_logits), so it belongs to the forward.
  virtual Status forward(ThreadPool* pool, KvCache& cache, Activations& act,
                         const ForwardRequest& request) const = 0;
  // The model's own sliding windows, as KvCacheConfig::windows: per layer 0 =
  // full attention, w = a query at position i sees keys j with j <= i and
  // i - j < w. Empty: every layer full. Sessions use it unless their options
  // give windows.
  virtual std::vector<size_t> layer_windows() const { return {}; }
};

}  // namespace qkv
