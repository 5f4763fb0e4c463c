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

#include <array>
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

// What one pass over `rows` tokens works in, all from the scratch arena:
// the decoder's hidden states x (the encoder writes into the caller's
// buffer), the normed rows, q k v side by side, attention outputs, a
// residual's product, the feed-forward's activations (up: the gated half),
// the relative bias table, and each decoded sequence's first position and
// self-attention call.
struct T5Scratch {
  float *x = nullptr, *xn = nullptr, *qkv = nullptr, *attn = nullptr, *tmp = nullptr, *ff = nullptr,
        *up = nullptr, *bias = nullptr;
  size_t* pos0 = nullptr;
  T5AttentionParams* self_attention = nullptr;  // the decoder's, one per sequence
};

class T5Model : public Model, public Seq2SeqStack {
 public:
  explicit T5Model(const T5Config& config);

  const Seq2SeqStack* seq2seq() const override { return this; }

  int32_t decoder_start_token_id() const override { return config_.decoder_start_token_id; }
  size_t source_vocab_size() const override { return config_.n_vocab; }
  // Relative buckets: any source length is defined.
  size_t max_source_positions() const override { return SIZE_MAX; }
  size_t max_target_positions() const override { return config_.max_target_positions; }
  KvCacheConfig self_cache_config() const override;
  size_t encode_scratch_bytes(size_t n) const override;
  size_t step_scratch_bytes(size_t rows, size_t n_seqs, size_t n_src) const override;
  Status encode(ThreadPool* pool, Arena& scratch, const Seq2SeqEncodeRequest& request) const override;
  Status start(ThreadPool* pool, const float* hidden, size_t n_src, CrossAttentionKv* cross) const override;
  Status step(ThreadPool* pool, Arena& scratch, const Seq2SeqStepRequest& request) const override;

  std::vector<TensorSlot> slots() override;
  const char* checkpoint_prefix() const override { return ""; }

 private:
  void add_stack_slots(std::vector<TensorSlot>* s, const std::string& name, bool decoder, T5Stack* stack);
  Status check_ids(const char* what, const int32_t* ids, size_t n) const;
  // The request fits the model and its caches; rows: the tokens it adds.
  Status check_step(const Seq2SeqStepRequest& r, size_t* rows) const;
  // T5Scratch's float buffers x .. bias, in order, for a pass over `rows`
  // tokens (x only for the decoder) with a bias table of bias_floats.
  std::array<size_t, 8> scratch_floats(size_t rows, bool decoder, size_t bias_floats) const;
  size_t scratch_bytes(size_t rows, bool decoder, size_t bias_floats, size_t n_seqs) const;
  Status take_scratch(Arena& arena, size_t rows, bool decoder, size_t bias_floats, size_t n_seqs,
                      T5Scratch* s) const;
  Status feed_forward(ThreadPool* pool, size_t n, const T5FeedForward& ff, const T5Scratch& s,
                      float* x) const;
  Status project_qkv(ThreadPool* pool, size_t n, const T5Attention& a, const float* x,
                     const T5Scratch& s) const;
  Status add_output(ThreadPool* pool, size_t n, const T5Attention& a, const T5Scratch& s, float* x) const;
  // Self-attention over q, k, v side by side per token (3 * inner floats),
  // out inner floats per token, with the relative bias table of s.bias.
  T5AttentionParams self_attention_params(const T5Scratch& s, int64_t bias_first, size_t bias_len) const;
  // The decoder's causal self-attention of layer l for each sequence of the
  // step, through its own cache; the bias table covers -(max_end - 1) .. 0.
  Status decoder_self_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t l, size_t max_end,
                                const T5Scratch& s) const;
  // Cross-attention of layer l: every row of the step over the source.
  Status cross_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, size_t l,
                         const T5Scratch& s) const;
  // Final norm and LM head: the logits of every row, or of each sequence's last.
  Status head(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, const T5Scratch& s) const;

  T5Config config_;
  Linear shared_;   // [n_vocab, d_model]: both stacks' embedding, the tied head
  Linear lm_head_;  // untied only
  T5Stack encoder_, decoder_;
};

}  // namespace qkv
