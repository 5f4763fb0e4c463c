// nomic-bert (NomicBertModel, the remote code modeling_hf_nomic_bert.py of
// nomic-ai's nomic-embed-text models): BERT's post-LN encoder with word and
// token-type embeddings and emb_ln but no position table; rotary embeddings
// on the first head_dim * rotary_emb_fraction dims of every query and key
// head (rotary_emb_base; half-split or interleaved pairs), a fused Wqkv, and
// a SwiGLU MLP fc2(fc11(x) * silu(fc12(x))) whose width n_inner is rounded up
// to a multiple of 256 (NomciBertGatedMLP). Biases as qkv_proj_bias,
// mlp_fc1_bias and mlp_fc2_bias say. It computes last_hidden_state.
#pragma once

#include <string>
#include <vector>

#include "io/config_reader.h"
#include "kernels/f32-rope/rope.h"
#include "models/encoder.h"
#include "models/model.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// NomicBertModel, NomicBertFor* or model_type "nomic_bert".
bool is_nomic_bert(const std::string& architecture);

struct NomicBertConfig {
  size_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_layer = 0, n_head = 0, n_ff = 0, n_token_types = 0;
  size_t n_rot = 0;  // rotary dims per head
  float layer_norm_eps = 1e-5f;
  bool qkv_bias = true, fc1_bias = true, fc2_bias = true;
  RopeStyle rope_style = RopeStyle::kHalfSplit;
  double rope_theta = 10000.0;

  // From a NomicBertConfig (a GPT2Config with nomic-bert's keys) config.json.
  static Status from_config(const ConfigReader& config, NomicBertConfig* out);
};

struct NomicBertLayer {
  Linear wqkv;                     // attn.Wqkv [n_embd] -> [q heads | k heads | v heads]
  Linear out_proj;                 // attn.out_proj [n_embd] -> [n_embd]
  const float* norm1_g = nullptr;  // norm1 [n_embd], after the attention's residual add
  const float* norm1_b = nullptr;
  Linear fc11, fc12;               // mlp.fc11 (value), mlp.fc12 (gate) [n_embd] -> [n_ff]
  Linear fc2;                      // mlp.fc2 [n_ff] -> [n_embd]
  const float* norm2_g = nullptr;  // norm2 [n_embd], after the MLP's residual add
  const float* norm2_b = nullptr;
};

class NomicBertModel : public Model, public EncoderStack {
 public:
  explicit NomicBertModel(const NomicBertConfig& config);

  const EncoderStack* encoder() const override { return this; }
  size_t n_token_types() const override { return config_.n_token_types > 0 ? config_.n_token_types : 1; }
  size_t scratch_bytes(size_t tokens) const override;
  Status encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& request) const override;

  std::vector<TensorSlot> slots() override;
  // NomicBertForPreTraining / ForSequenceClassification nest the encoder under "bert.".
  const char* checkpoint_prefix() const override { return "bert."; }

 private:
  NomicBertConfig config_;
  Linear word_embeddings_;                        // embeddings.word_embeddings [n_vocab, n_embd]
  const float* token_type_embeddings_ = nullptr;  // [n_token_types, n_embd], when type_vocab_size > 0
  const float* emb_ln_g_ = nullptr;               // emb_ln [n_embd]
  const float* emb_ln_b_ = nullptr;
  std::vector<NomicBertLayer> layers_;
  std::vector<float> inv_freq_;  // [n_rot / 2]
};

}  // namespace qkv
