// Gemma 3's text decoder (Gemma3ForCausalLM, model_type "gemma3_text":
// Gemma 3 270M and 1B), as transformers' modeling_gemma3.py computes it:
// token embeddings scaled by sqrt(hidden_size); RMSNorm with gains applied
// as (1 + weight), in float32; four norms per layer (before and after the
// attention and the MLP); per-head q_norm / k_norm before RoPE; attention
// scores scaled by query_pre_attn_scalar ** -0.5; grouped-query attention;
// sliding-window layers named by layer_types, with their own RoPE base
// (rope_local_base_freq) while the full layers use rope_theta and
// rope_scaling (default or linear); GeGLU MLP (gelu_pytorch_tanh); tied LM
// head by default; optional final_logit_softcapping.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "io/config_reader.h"
#include "models/decoder.h"
#include "models/decoder_encoder.h"
#include "models/model.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// An architecture name or model_type Gemma3Config reads.
bool is_gemma3_text(const std::string& architecture);

// One kind of layer's rotary embedding: inv_freq = default(theta) / factor
// (factor 1: rope_type "default"; else "linear").
struct Gemma3Rope {
  double theta = 0;
  double linear_factor = 1.0;
};

struct Gemma3Config {
  size_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
  float rms_norm_eps = 1e-6f;
  double query_pre_attn_scalar = 256;
  bool attention_bias = false;
  bool tied_embeddings = true;
  // The norm gains are stored as 1 + weight already (llama.cpp's converter
  // adds the one; qkv's GGUF loader sets the key "norm_weights_include_one").
  bool norm_weights_include_one = false;
  float final_logit_softcapping = 0;  // 0: none
  Gemma3Rope rope_global;             // full_attention layers
  Gemma3Rope rope_local;              // sliding_attention layers
  std::vector<bool> sliding;          // per layer: layer_types[i] == "sliding_attention"
  size_t sliding_window = 0;          // keys a sliding layer sees (0: none slides)
  // As DecoderStack::layer_windows: per layer 0 = full attention, w = the
  // last w keys; empty when no window is shorter than the context.
  std::vector<size_t> layer_windows;
  // use_bidirectional_attention (EmbeddingGemma): no causal mask; sliding
  // layers see the keys j with |i - j| < bidirectional_window, which
  // Gemma3TextConfig makes sliding_window // 2 + 1 (0: the window masks
  // nothing). Such a model embeds and does not generate.
  bool bidirectional = false;
  size_t bidirectional_window = 0;
  // architectures names Gemma3TextModel (no LM head): an encoder.
  bool base_model = false;

  // From a Gemma3ForCausalLM (gemma3_text) config.json, with
  // Gemma3TextConfig's defaults for absent keys.
  static Status from_config(const ConfigReader& config, Gemma3Config* out);
};

struct Gemma3Layer {
  const float* input_norm = nullptr;      // input_layernorm.weight [n_embd]
  Linear q_proj;                          // [n_embd] -> [n_head * head_dim]
  Linear k_proj;                          // [n_embd] -> [n_head_kv * head_dim]
  Linear v_proj;                          // [n_embd] -> [n_head_kv * head_dim]
  const float* q_norm = nullptr;          // self_attn.q_norm.weight [head_dim]
  const float* k_norm = nullptr;          // self_attn.k_norm.weight [head_dim]
  Linear o_proj;                          // [n_head * head_dim] -> [n_embd]
  const float* post_attn_norm = nullptr;  // post_attention_layernorm.weight [n_embd]
  const float* pre_ff_norm = nullptr;     // pre_feedforward_layernorm.weight [n_embd]
  Linear gate_proj;                       // [n_embd] -> [n_ff]
  Linear up_proj;                         // [n_embd] -> [n_ff]
  Linear down_proj;                       // [n_ff] -> [n_embd]
  const float* post_ff_norm = nullptr;    // post_feedforward_layernorm.weight [n_embd]
};

class Gemma3Model : public Model, public DecoderStack {
 public:
  explicit Gemma3Model(const Gemma3Config& config);

  const DecoderStack* decoder() const override { return config_.bidirectional || headless_ ? nullptr : this; }
  const EncoderStack* encoder() const override {
    return config_.bidirectional || config_.base_model || base_checkpoint_ ? &embedder_ : nullptr;
  }
  const char* base_model_prefix() const override { return "model."; }
  std::vector<size_t> layer_windows() const override { return config_.layer_windows; }

  Status forward(ThreadPool* pool, KvCache& cache, Activations& act,
                 const ForwardRequest& request) const override;

  std::vector<TensorSlot> slots() override;
  const char* checkpoint_prefix() const override { return ""; }
  // Every norm gain w of the checkpoint becomes float32(1 + w), as
  // Gemma3RMSNorm computes it, once.
  Status finish_loading() override;

 private:
  // cos / sin tables of one rotary embedding (the first kRopeTablePositions
  // positions; later ones computed per token from inv_freq).
  struct RopeTable {
    std::vector<float> inv_freq, cos, sin;
  };
  void init_rope(const Gemma3Rope& rope, RopeTable* table) const;
  // Rotates the query and key heads of each token of a qkv chunk in place.
  void apply_rope(const RopeTable& table, size_t n, size_t pos0, float* qkv) const;

  Gemma3Config config_;
  Linear embed_tokens_;  // model.embed_tokens.weight [n_vocab, n_embd] (the LM head when tied)
  Linear lm_head_;       // lm_head.weight [n_vocab, n_embd], untied models only
  std::vector<Gemma3Layer> layers_;
  const float* final_norm_ = nullptr;  // model.norm.weight [n_embd]
  float embed_scale_ = 1.0f;           // float32(sqrt(hidden_size))
  float attn_scale_ = 1.0f;            // float32(query_pre_attn_scalar ** -0.5)
  static constexpr size_t kRopeTablePositions = 4096;
  RopeTable rope_global_, rope_local_;
  DecoderEncoder embedder_{this, &dims_};
};

}  // namespace qkv
