// The BART family of encoder-decoders, as transformers' modeling_bart.py,
// modeling_marian.py and modeling_m2m_100.py run them: one class, three
// variants that differ in a few switches.
//   - BART / distilbart (BartForConditionalGeneration): learned positions
//     offset by 2, layernorm_embedding, post-LN blocks, GELU, a shared
//     embedding tied to the head, final_logits_bias.
//   - Marian / opus-mt (MarianMTModel): static sinusoids (sin in the first
//     half, cos in the second, from position 0), embeddings scaled by
//     sqrt(d_model), post-LN, SiLU, final_logits_bias; the decoder's own
//     embedding when share_encoder_decoder_embeddings is false.
//   - M2M100 / NLLB (M2M100ForConditionalGeneration): fairseq sinusoids
//     numbered from pad_token_id + 1 (pad tokens get the zero row), scaled
//     embeddings, pre-LN blocks with a final LayerNorm per stack, ReLU, no
//     final_logits_bias.
// Attention: q, k, v, out projections with biases, scores scaled by
// head_dim ** -0.5; every LayerNorm is nn.LayerNorm's default (eps 1e-5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/config_reader.h"
#include "models/model.h"
#include "models/seq2seq.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// BartForConditionalGeneration, MarianMTModel, M2M100ForConditionalGeneration
// (and their model_type names).
bool is_bart_family(const std::string& architecture);

enum class BartVariant { kBart, kMarian, kM2M100 };
enum class BartActivation { kGeluErf, kGeluTanh, kRelu, kSilu };

struct BartConfig {
  BartVariant variant = BartVariant::kBart;
  size_t n_vocab = 0;          // vocab_size: the encoder's (and shared) embedding rows
  size_t n_decoder_vocab = 0;  // the decoder embedding's and the head's rows (Marian's decoder_vocab_size)
  size_t d_model = 0;
  size_t n_encoder_layers = 0, n_decoder_layers = 0;
  size_t n_encoder_heads = 0, n_decoder_heads = 0;
  size_t encoder_ffn = 0, decoder_ffn = 0;
  size_t max_positions = 0;  // max_position_embeddings
  BartActivation activation = BartActivation::kGeluErf;
  bool scale_embedding = false;     // token embeddings times sqrt(d_model)
  bool shared_embeddings = true;    // one table for both stacks (Marian may have two)
  bool tie_word_embeddings = true;  // the head is the decoder's embedding table
  int32_t pad_token_id = 1;
  int32_t decoder_start_token_id = 2;

  // From a config.json of one of the three architectures, with its config
  // class's defaults (BartConfig, MarianConfig, M2M100Config).
  static Status from_config(const ConfigReader& config, BartConfig* out);
};

struct BartAttention {
  Linear q, k, v, out;            // [d_model] -> [d_model], with biases
  const float* norm_g = nullptr;  // the LayerNorm of this sub-block (after it, or before it pre-LN)
  const float* norm_b = nullptr;
};

struct BartLayer {
  BartAttention self;
  BartAttention cross;  // decoder layers only (encoder_attn)
  Linear fc1, fc2;
  const float* final_norm_g = nullptr;  // final_layer_norm: the feed-forward's LayerNorm
  const float* final_norm_b = nullptr;
};

// One stack's tensors besides its layers.
struct BartStack {
  std::vector<BartLayer> layers;
  size_t n_head = 0, ffn = 0;
  const float* positions = nullptr;         // BART: embed_positions.weight [max_positions + 2, d_model]
  const float* embedding_norm_g = nullptr;  // BART: layernorm_embedding
  const float* embedding_norm_b = nullptr;
  const float* final_norm_g = nullptr;  // M2M100: layer_norm after the last layer
  const float* final_norm_b = nullptr;
};

class BartModel : public Model, public Seq2SeqStack {
 public:
  explicit BartModel(const BartConfig& config);

  const Seq2SeqStack* seq2seq() const override { return this; }

  int32_t decoder_start_token_id() const override { return config_.decoder_start_token_id; }
  size_t source_vocab_size() const override { return config_.n_vocab; }
  size_t max_source_positions() const override { return config_.max_positions; }
  size_t max_target_positions() const override { return config_.max_positions; }
  KvCacheConfig self_cache_config() const override;
  size_t encode_scratch_bytes(size_t n) const override;
  size_t step_scratch_bytes(size_t rows, size_t n_seqs, size_t n_src) const override;
  Status encode(ThreadPool* pool, Arena& scratch, const Seq2SeqEncodeRequest& request) const override;
  Status start(ThreadPool* pool, const float* hidden, size_t n_src, CrossAttentionKv* cross) const override;
  Status step(ThreadPool* pool, Arena& scratch, const Seq2SeqStepRequest& request) const override;

  std::vector<TensorSlot> slots() override;
  const char* checkpoint_prefix() const override { return ""; }
  // Points the decoder's table and the head at the tables they share.
  Status finish_loading() override;

  const BartConfig& config() const { return config_; }

 private:
  // Activations of one encode() or step(), from the scratch arena.
  struct Buffers {
    float *xn = nullptr, *qkv = nullptr, *attn = nullptr, *tmp = nullptr, *ff = nullptr;
  };
  Status take_buffers(Arena& scratch, size_t rows, size_t ffn, const char* what, Buffers* b) const;
  void add_stack_slots(std::vector<TensorSlot>* s, const std::string& name, bool decoder, BartStack* stack);
  Status check_ids(const char* what, const int32_t* ids, size_t n, size_t vocab) const;
  // x[i] = embedding[ids[i]] * embed_scale + the position of token i, the
  // n tokens of one sequence after `past` others (its cache's positions),
  // then layernorm_embedding (BART).
  Status embed(ThreadPool* pool, const BartStack& stack, const Linear& table, const int32_t* ids, size_t n,
               size_t past, float* x) const;
  // The LayerNorm before a sub-block (pre-LN: into xn, which the sub-block
  // reads) or after its residual (post-LN: x in place).
  Status pre_norm(ThreadPool* pool, size_t rows, const float* g, const float* b, const float* x,
                  const float** in, float* xn) const;
  Status post_norm(ThreadPool* pool, size_t rows, const float* g, const float* b, float* x) const;
  // x += out(attn), then the post-LN when the variant has it.
  Status attention_output(ThreadPool* pool, size_t rows, const BartAttention& a, Buffers& b, float* x) const;
  Status feed_forward(ThreadPool* pool, size_t rows, const BartLayer& layer, Buffers& b, float* x) const;
  Status check_step(const Seq2SeqStepRequest& r, size_t* rows) const;
  // pos0[s]: where sequence s's new tokens start (its cache's positions before the step).
  Status decoder_self_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t layer,
                                const size_t* pos0, Buffers& b) const;
  Status cross_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, size_t layer,
                         Buffers& b) const;
  Status lm_head(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, float* x, float* gather) const;

  BartConfig config_;
  float embed_scale_ = 1.0f;
  Linear encoder_embed_;  // [n_vocab, d_model]: model.shared (or model.encoder.embed_tokens)
  Linear decoder_embed_;  // [n_decoder_vocab, d_model]: the shared table again, or the decoder's own
  Linear lm_head_;        // [n_decoder_vocab, d_model]: the decoder's table when tied
  const float* final_logits_bias_ = nullptr;  // [n_decoder_vocab] (BART, Marian)
  // Marian and M2M100: the sinusoid table both stacks read, computed at
  // construction ([max_positions, d_model]; M2M100: [1 + max_positions], row
  // k for position pad_token_id + k).
  std::vector<float> sinusoids_;
  BartStack encoder_, decoder_;
};

}  // namespace qkv
