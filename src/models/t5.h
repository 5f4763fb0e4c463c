// T5 (T5ForConditionalGeneration), as transformers' models/t5/modeling_t5.py:
// a shared token embedding for both stacks, pre-norm blocks with T5LayerNorm
// (RMS, no mean, no bias), attention without 1/sqrt(d) scaling plus a
// relative position bias (computed by each stack's first block, shared by the
// others; bidirectional buckets in the encoder, causal in the decoder; none
// in the cross-attention), a ReLU or gated-GELU feed-forward, final norms,
// and a head tied to the shared embedding (the decoder output scaled by
// d_model ** -0.5 first) or an untied lm_head. Heads of d_kv values, so
// num_heads * d_kv may differ from d_model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/config_reader.h"
#include "models/model.h"
#include "models/seq2seq.h"
#include "models/t5_attention.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

struct T5Config {
  size_t n_vocab = 0, d_model = 0, d_kv = 0, d_ff = 0, n_head = 0;
  size_t n_encoder_layers = 0, n_decoder_layers = 0;
  size_t num_buckets = 32, max_distance = 128;
  float layer_norm_epsilon = 1e-6f;
  // feed_forward_proj "relu": wo(relu(wi x)); "gated-gelu": wo(gelu_new(wi_0 x) * wi_1 x).
  bool gated = false;
  bool tie_word_embeddings = true;
  int32_t decoder_start_token_id = 0;
  size_t max_target_positions = 512;

  // From a T5ForConditionalGeneration config.json, with T5Config's defaults.
  static Status from_config(const ConfigReader& config, T5Config* out);
};

// Self-attention (with its block's norm) or cross-attention of one block.
struct T5Attention {
  const float* norm = nullptr;  // [d_model]: the layer_norm before it
  Linear q, k, v;               // [d_model] -> [n_head * d_kv]
  Linear o;                     // [n_head * d_kv] -> [d_model]
};

struct T5FeedForward {
  const float* norm = nullptr;  // [d_model]
  Linear wi;                    // relu: wi; gated: wi_0 (the activated half)
  Linear wi_1;                  // gated only: the linear half
  Linear wo;
};

struct T5Block {
  T5Attention self;
  T5Attention cross;  // decoder blocks only
  T5FeedForward ff;
};

// One stack (encoder or decoder): its blocks, the relative attention bias of
// its first block [num_buckets, n_head] and its final norm.
struct T5Stack {
  std::vector<T5Block> blocks;
  const float* relative_bias = nullptr;
  const float* final_norm = nullptr;
};

class T5Model : public Model, public Seq2SeqStack {
 public:
  explicit T5Model(const T5Config& config);

  const Seq2SeqStack* seq2seq() const override { return this; }

  int32_t decoder_start_token_id() const override { return config_.decoder_start_token_id; }
  size_t max_target_positions() const override { return config_.max_target_positions; }
  Status encode(ThreadPool* pool, const int32_t* ids, size_t n, float* hidden) const override;
  Status start(ThreadPool* pool, const float* hidden, size_t n_src, Seq2SeqCache* cache) const override;
  Status step(ThreadPool* pool, Seq2SeqCache& cache, const int32_t* ids, size_t n,
              float* logits) const override;

  std::vector<TensorSlot> slots() override;
  const char* checkpoint_prefix() const override { return ""; }

 private:
  void add_stack_slots(std::vector<TensorSlot>* s, const std::string& name, bool decoder, T5Stack* stack);
  Status check_ids(const char* what, const int32_t* ids, size_t n) const;
  Status feed_forward(ThreadPool* pool, size_t n, const T5FeedForward& ff, float* x) const;
  Status project_qkv(ThreadPool* pool, size_t n, const T5Attention& a, const float* x, float* xn,
                     float* qkv) const;
  Status add_output(ThreadPool* pool, size_t n, const T5Attention& a, const float* attn, float* tmp,
                    float* x) const;
  // A stack's self-attention: its heads and relative bias, q, k, v side by
  // side per token (3 * inner floats), out inner floats per token.
  T5AttentionParams self_attention_params(const T5Stack& stack) const;

  T5Config config_;
  Linear shared_;   // [n_vocab, d_model]: both stacks' embedding, the tied head
  Linear lm_head_;  // untied only
  T5Stack encoder_, decoder_;
};

}  // namespace qkv
