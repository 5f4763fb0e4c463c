// What the runner (runtime/encoder) asks of a classification head on an
// encoder's last hidden states, whatever the family: BERT's and DistilBERT's
// heads (heads/classification.h), ModernBERT's (heads/modernbert_classification.h).
// A question-answering head is a token classifier with two labels: each
// token's start and end logits.
#pragma once

#include <cstddef>

#include "core/status.h"
#include "models/heads/pooling.h"

namespace qkv {

class ThreadPool;

class SequenceClassifier {
 public:
  virtual ~SequenceClassifier() = default;
  virtual size_t n_labels() const = 0;
  // The rows the head reads of each sequence: kCls its first token only, kMean all.
  virtual Pooling pooling() const = 0;
  // hidden: [sum(lengths), n_embd], sequences back to back -> logits: [n_seqs, n_labels].
  virtual Status apply(ThreadPool* pool, const float* hidden, const size_t* lengths, size_t n_seqs,
                       float* logits) const = 0;
};

class TokenClassifier {
 public:
  virtual ~TokenClassifier() = default;
  virtual size_t n_labels() const = 0;
  // hidden: [n_tokens, n_embd] -> logits: [n_tokens, n_labels].
  virtual Status apply(ThreadPool* pool, const float* hidden, size_t n_tokens, float* logits) const = 0;
};

}  // namespace qkv
