// GPT-2 (GPT2LMHeadModel): learned position embeddings, pre-LayerNorm blocks,
// fused QKV projection, GELU (tanh form) MLP, final LayerNorm, LM head tied
// to the token embedding. Weight shapes in comments use the Hub's names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/config_reader.h"
#include "models/decoder.h"
#include "models/model.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

struct Gpt2Config {
  size_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_head = 0, n_layer = 0;
  float layer_norm_epsilon = 1e-5f;
  bool gelu_tanh = true;  // "gelu_new" / "gelu_pytorch_tanh"; false: erf "gelu"
  // Conv1D weights stored [out, in] (llama.cpp's converter transposes them;
  // qkv's GGUF loader sets the key "linear_weights_out_in").
  bool weights_out_in = false;

  // From a GPT2LMHeadModel config.json (n_embd, n_layer, n_head, n_positions,
  // vocab_size, n_inner, activation_function, layer_norm_epsilon).
  static Status from_config(const ConfigReader& config, Gpt2Config* out);
};

struct Gpt2Layer {
  const float* ln_1_g = nullptr;  // [n_embd]
  const float* ln_1_b = nullptr;  // [n_embd]
  Linear c_attn;                  // [n_embd] -> [3 * n_embd] (q, k, v)
  Linear c_proj;                  // [n_embd] -> [n_embd]
  const float* ln_2_g = nullptr;
  const float* ln_2_b = nullptr;
  Linear c_fc;      // [n_embd] -> [4 * n_embd]
  Linear mlp_proj;  // [4 * n_embd] -> [n_embd]
};

class Gpt2Model : public Model, public DecoderStack {
 public:
  explicit Gpt2Model(const Gpt2Config& config);

  const DecoderStack* decoder() const override { return this; }

  Status forward(ThreadPool* pool, KvCache& cache, Activations& act,
                 const ForwardRequest& request) const override;

  // Every tensor of the checkpoint qkv uses; names without the optional
  // "transformer." prefix.
  std::vector<TensorSlot> slots() override;
  const char* checkpoint_prefix() const override { return "transformer."; }

 private:
  Gpt2Config config_;
  Linear wte_;                  // [n_vocab, n_embd]: embedding and tied LM head
  const float* wpe_ = nullptr;  // [n_ctx, n_embd]
  std::vector<Gpt2Layer> layers_;
  const float* ln_f_g_ = nullptr;  // [n_embd]
  const float* ln_f_b_ = nullptr;
};

}  // namespace qkv
