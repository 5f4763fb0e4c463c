// The ModernBERT encoder (ModernBertModel, as answerdotai/ModernBERT-base and
// its fine-tunes ship it, usually inside ModernBertForMaskedLM or a *For*
// head under "model."): token embeddings with a LayerNorm (no positions, no
// token types), pre-LN blocks (attention with a fused Wqkv and RoPE, add;
// GeGLU MLP, add), a final LayerNorm. Every global_attn_every_n_layers-th
// layer (from layer 0) attends over the whole sequence with RoPE base
// global_rope_theta; the others attend within |i - j| <= local_attention / 2
// with local_rope_theta. LayerNorms have no bias and linears none either
// unless norm_bias / attention_bias / mlp_bias say so; layer 0 has no
// attn_norm (Identity). It computes last_hidden_state; pooling and heads
// happen in the caller.
#pragma once

#include <string>
#include <vector>

#include "io/config_reader.h"
#include "models/encoder.h"
#include "models/heads/classification.h"
#include "models/heads/masked_lm.h"
#include "models/heads/modernbert_classification.h"
#include "models/model.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// ModernBertModel, ModernBertFor* or model_type "modernbert".
bool is_modernbert(const std::string& architecture);

struct ModernBertConfig {
  size_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_layer = 0, n_head = 0, n_ff = 0;
  float norm_eps = 1e-5f;
  bool norm_bias = false, attention_bias = false, mlp_bias = false;
  bool gelu_tanh = false;  // hidden_activation "gelu" (erf) unless gelu_new / gelu_pytorch_tanh
  // Total width of a local layer's window: it sees keys with |i - j| <= local_attention / 2.
  size_t local_attention = 128;
  std::vector<bool> local;       // per layer: windowed (layer % global_attn_every_n_layers != 0)
  std::vector<bool> local_rope;  // per layer: RoPE base local_rope_theta (layer_types "sliding_attention")
  double global_rope_theta = 160000.0, local_rope_theta = 10000.0;
  std::string classifier_pooling = "cls";  // "cls" or "mean": for the heads
  bool masked_lm = false;                  // ModernBertForMaskedLM: its head is loaded too
  MaskedLmConfig mlm;
  // ModernBertForSequenceClassification (kModernBert), ...ForTokenClassification (kTokens) or
  // ...ForQuestionAnswering (kQuestionAnswering): heads/modernbert_classification.h.
  ClassifierKind classifier = ClassifierKind::kNone;
  size_t n_labels = 0;

  // From a ModernBertModel or ModernBertFor* config.json, with ModernBertConfig's defaults.
  static Status from_config(const ConfigReader& config, ModernBertConfig* out);
};

struct ModernBertLayer {
  const float* attn_norm_g = nullptr;  // attn_norm [n_embd]; null on layer 0 (Identity)
  const float* attn_norm_b = nullptr;  // norm_bias only
  Linear wqkv;                         // attn.Wqkv [n_embd] -> [q heads | k heads | v heads]
  Linear wo;                           // attn.Wo [n_embd] -> [n_embd]
  const float* mlp_norm_g = nullptr;   // mlp_norm [n_embd]
  const float* mlp_norm_b = nullptr;
  Linear wi;       // mlp.Wi [n_embd] -> [input | gate], each n_ff wide
  Linear mlp_out;  // mlp.Wo [n_ff] -> [n_embd]
};

class ModernBertModel : public Model, public EncoderStack {
 public:
  explicit ModernBertModel(const ModernBertConfig& config);

  const EncoderStack* encoder() const override { return this; }
  size_t n_token_types() const override { return 1; }  // no token type embeddings
  size_t scratch_bytes(size_t tokens) const override;
  Status encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& request) const override;

  // ModernBertForMaskedLM's logits [rows, n_vocab] of last hidden states
  // [rows, n_embd]; scratch holds rows * n_embd floats. Unsupported without the head.
  Status masked_lm_logits(ThreadPool* pool, const float* hidden, size_t rows, float* scratch,
                          float* logits) const;
  const MaskedLmHead* masked_lm() const override { return config_.masked_lm ? &mlm_head_ : nullptr; }

  const SequenceClassifier* sequence_classifier() const override {
    return config_.classifier == ClassifierKind::kModernBert ? &sequence_head_ : nullptr;
  }
  const TokenClassifier* token_classifier() const override {
    return config_.classifier == ClassifierKind::kTokens ? &token_head_ : nullptr;
  }
  const TokenClassifier* question_answerer() const override {
    return config_.classifier == ClassifierKind::kQuestionAnswering ? &token_head_ : nullptr;
  }

  std::vector<TensorSlot> slots() override;
  // ModernBertFor* checkpoints nest the encoder under "model."; ModernBertModel ones do not.
  const char* checkpoint_prefix() const override { return "model."; }

 private:
  // The GeGLU of ModernBertMLP: act(input) * gate per token of ff [total, 2 n_ff] into act [total, n_ff].
  void geglu(size_t total, const float* ff, float* act) const;

  ModernBertConfig config_;
  Linear tok_embeddings_;                // embeddings.tok_embeddings [n_vocab, n_embd]
  const float* embed_norm_g_ = nullptr;  // embeddings.norm [n_embd]
  const float* embed_norm_b_ = nullptr;
  std::vector<ModernBertLayer> layers_;
  const float* final_norm_g_ = nullptr;  // final_norm [n_embd]
  const float* final_norm_b_ = nullptr;
  std::vector<float> inv_freq_global_, inv_freq_local_;  // [head_dim / 2] each
  MaskedLmHead mlm_head_;                                // its slots only when config_.masked_lm
  ModernBertSequenceHead sequence_head_;                 // its slots only for its classifier kind
  ModernBertTokenHead token_head_;                       // the same (token classes, or start/end)
};

}  // namespace qkv
