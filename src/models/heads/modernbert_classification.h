// ModernBERT's task heads (modeling_modernbert.py), read from the checkpoint:
// each puts hidden states through ModernBertPredictionHead ("head": dense,
// the classifier_activation GELU, a LayerNorm) and then `classifier`
// [n_embd] -> [n_labels] (with a bias, as nn.Linear).
//   ModernBertForSequenceClassification: classifier_pooling "cls" (the first
//     token) or "mean" (over the sequence's tokens) before the head;
//   ModernBertForTokenClassification: every token;
//   ModernBertForQuestionAnswering: every token, two labels (start, end).
// The prediction head's settings are those of the MLM head's
// (MaskedLmConfig: classifier_bias, norm_bias, norm_eps, the activation).
// Dropout is the identity at inference.
#pragma once

#include <cstddef>
#include <vector>

#include "core/status.h"
#include "models/heads/classifier.h"
#include "models/heads/masked_lm.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

// "head" and "classifier": the part every ModernBERT classifier shares.
class ModernBertClassifierBody {
 public:
  ModernBertClassifierBody(const MaskedLmConfig& config, size_t n_labels)
      : config_(config), n_labels_(n_labels) {}

  size_t n_labels() const { return n_labels_; }
  void add_slots(std::vector<TensorSlot>* slots);
  // logits [rows, n_labels] of x [rows, n_embd]; scratch holds rows * n_embd floats.
  Status apply(ThreadPool* pool, const float* x, size_t rows, float* scratch, float* logits) const;

 private:
  MaskedLmConfig config_;
  size_t n_labels_;
  Linear dense_;  // head.dense [n_embd] -> [n_embd]
  const float* norm_g_ = nullptr;
  const float* norm_b_ = nullptr;
  Linear classifier_;  // [n_embd] -> [n_labels]
};

class ModernBertSequenceHead : public SequenceClassifier {
 public:
  ModernBertSequenceHead(const MaskedLmConfig& config, size_t n_labels, bool mean_pooling)
      : body_(config, n_labels), n_embd_(config.n_embd), mean_(mean_pooling) {}

  size_t n_labels() const override { return body_.n_labels(); }
  Pooling pooling() const override { return mean_ ? Pooling::kMean : Pooling::kCls; }
  void add_slots(std::vector<TensorSlot>* slots) { body_.add_slots(slots); }
  Status apply(ThreadPool* pool, const float* hidden, const size_t* lengths, size_t n_seqs,
               float* logits) const override;

 private:
  ModernBertClassifierBody body_;
  size_t n_embd_;
  bool mean_;  // classifier_pooling "mean"; else "cls"
};

class ModernBertTokenHead : public TokenClassifier {
 public:
  ModernBertTokenHead(const MaskedLmConfig& config, size_t n_labels)
      : body_(config, n_labels), n_embd_(config.n_embd) {}

  size_t n_labels() const override { return body_.n_labels(); }
  void add_slots(std::vector<TensorSlot>* slots) { body_.add_slots(slots); }
  Status apply(ThreadPool* pool, const float* hidden, size_t n_tokens, float* logits) const override;

 private:
  ModernBertClassifierBody body_;
  size_t n_embd_;
};

}  // namespace qkv
