// The runner of an encoder (BERT, RoBERTa): checks what the caller hands
// over, owns the scratch that the encoder stack works in (reserved once for
// the largest call so far, not allocated per call), and applies the heads:
// hidden states, pooled sentence embeddings, attention probabilities.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/arena.h"
#include "core/status.h"
#include "models/encoder.h"
#include "models/heads/classifier.h"
#include "models/heads/pooling.h"
#include "models/model.h"

namespace qkv {

// Sequences packed back to back: ids[n_ids], lengths[n_seqs] adding up to
// n_ids, and optionally one token type per token.
struct EncoderInput {
  const int32_t* ids = nullptr;
  size_t n_ids = 0;
  const size_t* lengths = nullptr;
  size_t n_seqs = 0;
  const int32_t* token_types = nullptr;  // null: every token in segment 0
};

class Encoder {
 public:
  // An unsupported error naming the architecture when the model has no encoder.
  static Status create(std::shared_ptr<const Model> model, const std::string& architecture, ThreadPool* pool,
                       std::unique_ptr<Encoder>* out);

  const ModelDims& dims() const { return model_->dims(); }

  // Last hidden states [n_ids, n_embd].
  Status encode(const EncoderInput& input, std::vector<float>* hidden);
  // Pooled embeddings [pooled_rows(pooling, ...), n_embd] (heads/pooling.h).
  Status embed(const EncoderInput& input, Pooling pooling, bool normalize, std::vector<float>* out);
  // Logits [n_seqs, n_labels] of the model's sequence-classification head
  // (unsupported without one).
  Status classify(const EncoderInput& input, std::vector<float>* logits);
  // Logits [n_ids, n_labels] of every token through the model's token-classification head.
  Status classify_tokens(const EncoderInput& input, std::vector<float>* logits);
  // Vocabulary logits [n_positions, n_vocab] of the model's masked-LM head at the
  // given token indices of the packed input (the masks): the head runs on those rows only.
  Status masked_lm(const EncoderInput& input, const size_t* positions, size_t n_positions,
                   std::vector<float>* logits);
  // [n_ids, 2]: every token's start and end logits through the model's question-answering head.
  Status answer_logits(const EncoderInput& input, std::vector<float>* logits);
  // Probabilities of every layer for one sequence: probs[layer] is [n_head][n][n].
  Status attention(const int32_t* ids, size_t n, std::vector<std::vector<float>>* probs);

 private:
  Encoder(std::shared_ptr<const Model> model, ThreadPool* pool);
  Status check(const EncoderInput& input) const;
  // rows_read: the rows of hidden the caller reads (EncodeRequest::rows_read); empty: all.
  Status run(const EncoderInput& input, float* hidden, float* const* probs,
             const std::vector<size_t>& rows_read);
  // encode() when only rows_read of the result will be read.
  Status encode_rows(const EncoderInput& input, const std::vector<size_t>& rows_read,
                     std::vector<float>* hidden);
  template <typename Head, typename Apply>
  Status run_head(const EncoderInput& input, const Head* head, const char* missing, size_t rows,
                  const std::vector<size_t>& rows_read, std::vector<float>* logits, Apply apply);
  Status run_token_head(const EncoderInput& input, const TokenClassifier* head, const char* missing,
                        std::vector<float>* logits);

  std::shared_ptr<const Model> model_;
  const EncoderStack* stack_;
  ThreadPool* pool_;
  Arena scratch_;
};

}  // namespace qkv
