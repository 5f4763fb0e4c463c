// The BERT encoder (BertModel, as sentence-transformers and BGE checkpoints
// ship it): word + position + token-type embeddings with a LayerNorm, post-LN
// blocks (attention, add, LayerNorm; GELU MLP, add, LayerNorm), no causal
// mask. It computes last_hidden_state; pooling happens in the caller.
// RoBERTa and XLM-RoBERTa are the same encoder with position ids that start
// after the padding id and a "roberta." prefix: two fields of BertConfig.
// DistilBERT is too, with tensor names of its own, no token types and a
// "distilbert." prefix (distilbert_config.cc). A *ForSequenceClassification,
// *ForTokenClassification or *ForQuestionAnswering checkpoint adds its head
// (heads/classification.h).
#pragma once

#include <string>
#include <vector>

#include "io/config_reader.h"
#include "models/encoder.h"
#include "models/heads/classification.h"
#include "models/heads/masked_lm.h"
#include "models/model.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// An architecture name or model_type BertConfig reads: BERT, RoBERTa, XLM-RoBERTa
// (the *Model ones and their *For* heads, whose checkpoints hold the same encoder).
bool is_bert_family(const std::string& architecture);
// DistilBertModel, "distilbert" and the DistilBertFor* heads.
bool is_distilbert(const std::string& architecture);

struct BertConfig {
  size_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_layer = 0, n_head = 0, n_ff = 0, n_token_types = 0;
  // RoBERTa numbers a sequence's positions pad_token_id + 1, pad_token_id + 2, ...
  // (rows below are never used), so max_position_embeddings = n_ctx + position_offset.
  size_t position_offset = 0;
  std::string checkpoint_prefix = "bert.";  // RoBERTa's *For* heads nest it under "roberta."
  float layer_norm_eps = 1e-12f;
  bool gelu_tanh = false;   // "gelu" (erf) unless the config says gelu_new / gelu_pytorch_tanh
  bool distilbert = false;  // DistilBERT's tensor names; n_token_types is 0
  ClassifierKind classifier = ClassifierKind::kNone;  // the *ForSequence/TokenClassification head, if any
  size_t n_labels = 0;                                // its logits
  bool masked_lm = false;                             // *ForMaskedLM: its head is loaded too
  MaskedLmConfig mlm;

  // From a BertModel, RobertaModel or XLMRobertaModel (or *For*) config.json.
  static Status from_config(const ConfigReader& config, BertConfig* out);
  // From a DistilBertModel (or DistilBertFor*) config.json: dim, n_layers, n_heads, hidden_dim, activation.
  static Status from_distilbert_config(const ConfigReader& config, BertConfig* out);
};

// hidden_act / activation: "gelu" (erf, tanh false), "gelu_new" or "gelu_pytorch_tanh"; else unsupported.
Status read_gelu(const ConfigReader& config, const char* key, const char* family, bool* tanh);
// The *ForSequenceClassification head the architecture names, and its num_labels.
Status read_classifier(const ConfigReader& config, BertConfig* c);
// The *ForMaskedLM head the architecture names (heads/masked_lm.h), after the encoder's keys are read.
Status read_masked_lm(const ConfigReader& config, BertConfig* c);

struct BertLayer {
  Linear query, key, value;            // [n_embd] -> [n_embd] each
  Linear attn_out;                     // attention.output.dense [n_embd] -> [n_embd]
  const float* attn_norm_g = nullptr;  // attention.output.LayerNorm [n_embd]
  const float* attn_norm_b = nullptr;
  Linear intermediate;                // [n_embd] -> [n_ff]
  Linear output;                      // [n_ff] -> [n_embd]
  const float* out_norm_g = nullptr;  // output.LayerNorm [n_embd]
  const float* out_norm_b = nullptr;
};

class BertModel : public Model, public EncoderStack {
 public:
  explicit BertModel(const BertConfig& config);

  const EncoderStack* encoder() const override { return this; }
  size_t n_token_types() const override { return config_.n_token_types; }
  size_t scratch_bytes(size_t tokens) const override;
  Status encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& request) const override;

  const SequenceClassifier* sequence_classifier() const override {
    return classifier_.n_labels() > 0 ? &classifier_ : nullptr;
  }
  const TokenClassifier* token_classifier() const override {
    return token_classifier_.kind() == ClassifierKind::kTokens ? &token_classifier_ : nullptr;
  }
  const TokenClassifier* question_answerer() const override {
    return token_classifier_.kind() == ClassifierKind::kQuestionAnswering ? &token_classifier_ : nullptr;
  }
  const MaskedLmHead* masked_lm() const override { return config_.masked_lm ? &mlm_head_ : nullptr; }

  std::vector<TensorSlot> slots() override;
  // BertFor* checkpoints nest the encoder under "bert."; BertModel ones do not.
  const char* checkpoint_prefix() const override { return config_.checkpoint_prefix.c_str(); }

 private:
  // x[t] = word[ids[t]] + position[position_offset + t within its sequence] + token_type[types[t]],
  // then LayerNorm.
  Status embed(ThreadPool* pool, const EncodeRequest& r, size_t total, float* x) const;

  BertConfig config_;
  Linear word_embeddings_;                        // [n_vocab, n_embd]
  const float* position_embeddings_ = nullptr;    // [position_offset + n_ctx, n_embd]
  const float* token_type_embeddings_ = nullptr;  // [n_token_types, n_embd]
  const float* embed_norm_g_ = nullptr;           // embeddings.LayerNorm [n_embd]
  const float* embed_norm_b_ = nullptr;
  std::vector<BertLayer> layers_;
  SequenceClassificationHead classifier_;     // n_labels() 0 without a head
  TokenClassificationHead token_classifier_;  // the same; or the question-answering head
  MaskedLmHead mlm_head_;                     // its slots only when config_.masked_lm
};

}  // namespace qkv
