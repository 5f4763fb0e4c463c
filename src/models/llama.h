// The LLaMA family (LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM,
// Qwen3ForCausalLM, SmolLM3ForCausalLM): RMSNorm pre-norm blocks, rotary
// positions (rotate_half convention, as Hub checkpoints are converted for it;
// Qwen3 RMS-normalises each query and key head first, SmolLM3 skips RoPE in
// the layers no_rope_layers names),
// grouped-query attention (over a sliding window in the layers Mistral,
// Qwen2, Qwen3 and SmolLM3 configs name), SwiGLU MLP, optional q/k/v(/o) biases, tied or
// separate LM head. Weight shapes in comments use the Hub's names.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/config_reader.h"
#include "kernels/f32-rope/rope.h"
#include "models/decoder.h"
#include "models/decoder_encoder.h"
#include "models/model.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// An architecture name or model_type LlamaConfig reads.
bool is_llama_family(const std::string& architecture);

struct LlamaConfig {
  std::string architecture;
  size_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_ff = 0;
  float rms_norm_eps = 1e-6f;
  double rope_theta = 10000.0;
  // rope_scaling of type "llama3" (Llama 3.1, 3.2); none: the default, unscaled RoPE.
  std::optional<RopeLlama3Scaling> rope_llama3;
  // A GGUF file's rope_freqs.weight [head_dim / 2] (llama.cpp's converter
  // writes Llama 3's rope_scaling as these per-pair divisors of inv_freq):
  // the key "rope_freqs_tensor" that qkv's GGUF loader puts in the config.
  bool rope_freqs = false;
  bool qkv_bias = false;  // Qwen2; LLaMA's attention_bias
  bool o_bias = false;    // LLaMA's attention_bias only
  bool mlp_bias = false;
  bool tied_embeddings = false;
  bool qk_norm = false;  // Qwen3: q_norm / k_norm over each head, before RoPE
  // Per layer: RoPE or none (SmolLM3's NoPE layers). Empty: RoPE in every layer.
  std::vector<bool> rope_layers;
  // Per layer: 0 = full attention, w = sliding window of w keys (shorter than
  // n_ctx: a longer one masks nothing). Empty: no layer slides.
  std::vector<size_t> layer_windows;

  // From a config.json of one of the architectures above.
  static Status from_config(const ConfigReader& config, LlamaConfig* out);
};

struct LlamaLayer {
  const float* input_norm = nullptr;  // input_layernorm.weight [n_embd]
  Linear q_proj;                      // [n_embd] -> [n_head * head_dim]
  Linear k_proj;                      // [n_embd] -> [n_head_kv * head_dim]
  Linear v_proj;                      // [n_embd] -> [n_head_kv * head_dim]
  Linear o_proj;                      // [n_head * head_dim] -> [n_embd]
  const float* q_norm = nullptr;      // self_attn.q_norm.weight [head_dim] (Qwen3)
  const float* k_norm = nullptr;      // self_attn.k_norm.weight [head_dim] (Qwen3)
  const float* post_norm = nullptr;   // post_attention_layernorm.weight [n_embd]
  Linear gate_proj;                   // [n_embd] -> [n_ff]
  Linear up_proj;                     // [n_embd] -> [n_ff]
  Linear down_proj;                   // [n_ff] -> [n_embd]
};

class LlamaModel : public Model, public DecoderStack {
 public:
  explicit LlamaModel(const LlamaConfig& config);

  const DecoderStack* decoder() const override { return headless_ ? nullptr : this; }
  // A base-model checkpoint (Qwen3-Embedding's Qwen3Model weights) embeds too.
  const EncoderStack* encoder() const override { return base_checkpoint_ ? &embedder_ : nullptr; }
  const char* base_model_prefix() const override { return "model."; }
  std::vector<size_t> layer_windows() const override { return config_.layer_windows; }

  Status forward(ThreadPool* pool, KvCache& cache, Activations& act,
                 const ForwardRequest& request) const override;

  std::vector<TensorSlot> slots() override;
  // Divides inv_freq by rope_freqs.weight, when the config asks for it.
  Status finish_loading() override;
  // Hub names are complete ("model.layers.0...", "lm_head.weight").
  const char* checkpoint_prefix() const override { return ""; }

 private:
  // Rotates the query and key heads of each token of a qkv chunk in place.
  void apply_rope(size_t n, size_t pos0, float* qkv) const;

  LlamaConfig config_;
  Linear embed_tokens_;  // model.embed_tokens.weight [n_vocab, n_embd] (the LM head when tied)
  Linear lm_head_;       // lm_head.weight [n_vocab, n_embd], untied models only
  std::vector<LlamaLayer> layers_;
  const float* final_norm_ = nullptr;  // model.norm.weight [n_embd]
  // cos and sin [positions, head_dim / 2] of the first kRopeTablePositions
  // positions; later ones (contexts reach 128K and more) are computed per token.
  static constexpr size_t kRopeTablePositions = 4096;
  std::vector<float> rope_cos_, rope_sin_;
  std::vector<float> rope_inv_freq_;   // [head_dim / 2]
  const float* rope_freqs_ = nullptr;  // rope_freqs.weight [head_dim / 2] (GGUF)
  DecoderEncoder embedder_{this, &dims_};
};

}  // namespace qkv
