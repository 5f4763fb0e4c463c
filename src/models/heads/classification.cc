#include "models/heads/classification.h"

#include <algorithm>
#include <cmath>

#include "models/decoder_steps.h"

namespace qkv {

ClassifierKind classifier_kind_of(const std::string& a) {
  if (a == "BertForSequenceClassification") return ClassifierKind::kBertPooler;
  if (a == "RobertaForSequenceClassification" || a == "XLMRobertaForSequenceClassification") {
    return ClassifierKind::kRobertaHead;
  }
  if (a == "DistilBertForSequenceClassification") return ClassifierKind::kDistilBert;
  if (a == "ModernBertForSequenceClassification") return ClassifierKind::kModernBert;
  if (a == "BertForTokenClassification" || a == "RobertaForTokenClassification" ||
      a == "XLMRobertaForTokenClassification" || a == "DistilBertForTokenClassification" ||
      a == "ModernBertForTokenClassification") {
    return ClassifierKind::kTokens;
  }
  if (a == "BertForQuestionAnswering" || a == "RobertaForQuestionAnswering" ||
      a == "XLMRobertaForQuestionAnswering" || a == "DistilBertForQuestionAnswering" ||
      a == "ModernBertForQuestionAnswering") {
    return ClassifierKind::kQuestionAnswering;
  }
  return ClassifierKind::kNone;
}

Status read_num_labels(const ConfigReader& config, size_t* n_labels) {
  const JsonValue* id2label = config.root().find("id2label");
  if (id2label != nullptr && !id2label->is_null()) {
    if (!id2label->is_object() || id2label->size() == 0) {
      return config.bad("id2label",
                        "must be a non-empty object of label names, found " + id2label->describe());
    }
    *n_labels = id2label->size();
    return Status::ok_status();
  }
  return config.positive_int_or("num_labels", 2, n_labels, size_t{1} << 16);
}

Status read_head_labels(const ConfigReader& config, ClassifierKind kind, size_t* n_labels) {
  QKV_RETURN_IF_ERROR(read_num_labels(config, n_labels));
  if (kind == ClassifierKind::kQuestionAnswering && *n_labels != 2) {
    return config.bad("num_labels", "a question-answering head has 2 logits (start, end), found " +
                                        std::to_string(*n_labels));
  }
  return Status::ok_status();
}

void SequenceClassificationHead::add_slots(std::vector<TensorSlot>* s) {
  const size_t e = n_embd_;
  switch (kind_) {
    case ClassifierKind::kBertPooler:
      add_linear_slots(s, "pooler.dense", e, e, &dense_, true);
      add_linear_slots(s, "classifier", n_labels_, e, &out_, true);
      break;
    case ClassifierKind::kRobertaHead:
      add_linear_slots(s, "classifier.dense", e, e, &dense_, true);
      add_linear_slots(s, "classifier.out_proj", n_labels_, e, &out_, true);
      break;
    case ClassifierKind::kDistilBert:
      add_linear_slots(s, "pre_classifier", e, e, &dense_, true);
      add_linear_slots(s, "classifier", n_labels_, e, &out_, true);
      break;
    default:  // another kind's head, or none
      break;
  }
}

Status SequenceClassificationHead::apply(ThreadPool* pool, const float* hidden, const size_t* lengths,
                                         size_t n_seqs, float* logits) const {
  const size_t e = n_embd_;
  // The first token of every sequence, then two small GEMMs over all of them.
  std::vector<float> first(n_seqs * e), pooled(n_seqs * e);
  size_t t = 0;
  for (size_t s = 0; s < n_seqs; t += lengths[s], ++s) {
    std::copy(hidden + t * e, hidden + (t + 1) * e, first.data() + s * e);
  }
  QKV_RETURN_IF_ERROR(linear(pool, n_seqs, first.data(), dense_, pooled.data()));
  // n_seqs x n_embd values: a plain loop, no kernel worth its dispatch.
  if (kind_ == ClassifierKind::kDistilBert) {
    for (float& v : pooled) v = std::max(v, 0.0f);
  } else {
    for (float& v : pooled) v = std::tanh(v);
  }
  return linear(pool, n_seqs, pooled.data(), out_, logits);
}

void TokenClassificationHead::add_slots(std::vector<TensorSlot>* s) {
  const char* name = kind_ == ClassifierKind::kQuestionAnswering ? "qa_outputs" : "classifier";
  if (n_labels_ > 0) add_linear_slots(s, name, n_labels_, n_embd_, &out_, true);
}

Status TokenClassificationHead::apply(ThreadPool* pool, const float* hidden, size_t n_tokens,
                                      float* logits) const {
  return linear(pool, n_tokens, hidden, out_, logits);
}

}  // namespace qkv
