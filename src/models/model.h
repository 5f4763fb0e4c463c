// What every decoder architecture (gpt2.cc, llama.cc) offers the runtime: its
// dimensions and one forward() over a chunk of tokens that reads and extends
// a KV cache. Buffers are owned by the caller (runtime/Session) and sized
// once; forward() never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "models/kv_cache.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

class ThreadPool;

// Architectures fill it in this member order (aggregate initialization).
struct ModelDims {
  size_t n_vocab = 0;
  size_t n_ctx = 0;  // positions the model can attend over
  size_t n_embd = 0;
  size_t n_layer = 0;
  size_t n_head = 0;
  size_t n_head_kv = 0;  // == n_head without grouped-query attention
  size_t head_dim = 0;
  size_t n_ff = 0;  // width of the MLP's hidden layer
};

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
};

// An encoder pass (BERT) over sequences packed back to back without padding:
// sequence s is tokens [offset_s, offset_s + lengths[s]) of ids, where
// offset_s is the sum of the lengths before it. Each sequence attends only
// to itself, so a batch gives the same states as one sequence at a time
// (what a padded batch with an attention mask computes, minus the padding).
struct EncodeRequest {
  const int32_t* ids = nullptr;
  const int32_t* token_types = nullptr;  // optional, per token (segment A = 0)
  const size_t* lengths = nullptr;       // n_seqs lengths, each 1..n_ctx
  size_t n_seqs = 0;
  float* hidden = nullptr;  // [total tokens, n_embd]: last_hidden_state
  // Optional, per layer: probabilities [n_head][len][len], one sequence only.
  float* const* attention_probs = nullptr;
};

class Model {
 public:
  virtual ~Model() = default;
  const ModelDims& dims() const { return dims_; }
  // Weight bytes held in memory (for inspection and the loader's budget).
  size_t weight_bytes() const { return store_.bytes(); }
  virtual Status forward(ThreadPool* pool, KvCache& cache, Activations& act,
                         const ForwardRequest& request) const = 0;
  // Encoders run encode() instead of forward(); decoders say so.
  virtual bool is_encoder() const { return false; }
  virtual Status encode(ThreadPool* /*pool*/, const EncodeRequest& /*request*/) const {
    return Status::unsupported("this model is a decoder: it generates (forward) rather than encodes");
  }

  // Loading (runtime/loader): every checkpoint tensor the model needs, named
  // without checkpoint_prefix(), each pointing at where its data goes, and
  // the store that owns the weights.
  virtual std::vector<TensorSlot> slots() = 0;
  WeightStore& store() { return store_; }
  // What Hub checkpoints may put before every slot name ("transformer." for GPT-2).
  virtual const char* checkpoint_prefix() const = 0;
 protected:
  ModelDims dims_;     // set by each architecture's constructor
  WeightStore store_;  // owns every packed weight
};

}  // namespace qkv
