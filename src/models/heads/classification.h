// The sequence-classification heads of transformers' *ForSequenceClassification
// encoders, read from the checkpoint. Each takes a sequence's first token's
// last hidden state ([CLS] / <s>) through a dense layer and an activation,
// then a projection to the labels' logits:
//   BertForSequenceClassification:       bert.pooler.dense + tanh, classifier
//   RobertaForSequenceClassification:    classifier.dense + tanh, classifier.out_proj
//   (XLMRoberta's is RoBERTa's)
//   DistilBertForSequenceClassification: pre_classifier + ReLU, classifier
// Dropout is the identity at inference. The head reports raw logits; the
// pipeline (web/) applies softmax or sigmoid as transformers' pipeline does.
// The *ForTokenClassification heads (TokenClassificationHead) put every
// token's state through `classifier` alone (NER); the *ForQuestionAnswering
// heads through `qa_outputs` (two labels: start and end logits).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/config_reader.h"
#include "models/heads/classifier.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

enum class ClassifierKind {
  kNone,
  kBertPooler,
  kRobertaHead,
  kDistilBert,
  kTokens,
  kQuestionAnswering,
  kModernBert,  // ModernBERT's sequence head (heads/modernbert_classification.h)
};

// Which head an architecture name carries (kNone: no classifier; kTokens: a
// token classifier; kQuestionAnswering: start/end logits per token).
ClassifierKind classifier_kind_of(const std::string& architecture);

// transformers' PretrainedConfig: num_labels is the size of id2label when
// the config has one, else num_labels, else 2.
Status read_num_labels(const ConfigReader& config, size_t* n_labels);
// read_num_labels for `kind`'s head; a question-answering head must have 2
// (transformers splits its logits into start and end).
Status read_head_labels(const ConfigReader& config, ClassifierKind kind, size_t* n_labels);

class SequenceClassificationHead : public SequenceClassifier {
 public:
  SequenceClassificationHead(ClassifierKind kind, size_t n_embd, size_t n_labels)
      : kind_(kind),
        n_embd_(n_embd),
        n_labels_(kind == ClassifierKind::kBertPooler || kind == ClassifierKind::kRobertaHead ||
                          kind == ClassifierKind::kDistilBert
                      ? n_labels
                      : 0) {}

  size_t n_labels() const override { return n_labels_; }      // 0: no head (another kind's config)
  Pooling pooling() const override { return Pooling::kCls; }  // every kind reads the first token
  // The head's tensors, named as the checkpoint names them without the
  // encoder's prefix (BERT's pooler lives under "bert.", the rest at the root).
  void add_slots(std::vector<TensorSlot>* slots);
  // hidden: [sum(lengths), n_embd], sequences back to back.
  // logits: [n_seqs, n_labels].
  Status apply(ThreadPool* pool, const float* hidden, const size_t* lengths, size_t n_seqs,
               float* logits) const override;

 private:
  ClassifierKind kind_;
  size_t n_embd_, n_labels_;
  Linear dense_;  // [n_embd] -> [n_embd]: pooler.dense / classifier.dense / pre_classifier
  Linear out_;    // [n_embd] -> [n_labels]: classifier / classifier.out_proj
};

// A token classifier (kTokens: `classifier`) or a question-answering head
// (kQuestionAnswering: `qa_outputs`); its kind says which role it plays.
class TokenClassificationHead : public TokenClassifier {
 public:
  TokenClassificationHead(ClassifierKind kind, size_t n_embd, size_t n_labels)
      : kind_(kind),
        n_embd_(n_embd),
        n_labels_(kind == ClassifierKind::kTokens || kind == ClassifierKind::kQuestionAnswering ? n_labels
                                                                                                : 0) {}

  ClassifierKind kind() const { return kind_; }
  size_t n_labels() const override { return n_labels_; }  // 0: no head
  void add_slots(std::vector<TensorSlot>* slots);
  // hidden: [n_tokens, n_embd] -> logits: [n_tokens, n_labels].
  Status apply(ThreadPool* pool, const float* hidden, size_t n_tokens, float* logits) const override;

 private:
  ClassifierKind kind_;
  size_t n_embd_, n_labels_;
  Linear out_;  // classifier / qa_outputs: [n_embd] -> [n_labels]
};

}  // namespace qkv
