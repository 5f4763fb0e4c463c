// The masked-LM heads of transformers' *ForMaskedLM encoders, read from the
// checkpoint. All four are one shape on the encoder's last hidden states:
//   logits = decoder(norm(gelu(dense(x)))) + bias
// dense [n_embd] -> [n_embd], a GELU, a LayerNorm, then a decoder
// [n_embd] -> [n_vocab] whose weight is the token embedding (tied, the
// default of tie_word_embeddings) or its own tensor, plus a bias per token.
// Only the names and a few switches differ:
//   BertForMaskedLM:       cls.predictions.transform.dense, ACT2FN[hidden_act],
//                          transform.LayerNorm (layer_norm_eps), decoder, cls.predictions.bias
//   RobertaForMaskedLM:    lm_head.dense, gelu (erf, whatever hidden_act says),
//   (XLMRoberta's too)     lm_head.layer_norm (layer_norm_eps), lm_head.decoder, lm_head.bias
//   DistilBertForMaskedLM: vocab_transform, get_activation(activation),
//                          vocab_layer_norm (eps 1e-12), vocab_projector (+ its bias)
//   ModernBertForMaskedLM: head.dense (bias if classifier_bias), ACT2FN[classifier_activation],
//                          head.norm (bias if norm_bias), decoder (+ decoder.bias if decoder_bias)
// They sit at the checkpoint's root, beside the encoder's prefix.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

class ThreadPool;

struct MaskedLmConfig {
  size_t n_embd = 0, n_vocab = 0;
  float norm_eps = 1e-5f;
  bool dense_bias = true, norm_bias = true, decoder_bias = true;
  bool gelu_tanh = false;  // "gelu" (erf) unless gelu_new / gelu_pytorch_tanh
  bool tied = true;        // tie_word_embeddings: the decoder's weight is the token embedding
  // Tensor names: dense and norm take ".weight" / ".bias"; the decoder's weight and the bias are whole names.
  std::string dense = "head.dense", norm = "head.norm", decoder_weight = "decoder.weight",
              bias = "decoder.bias";
};

// BertForMaskedLM's, RobertaForMaskedLM's or DistilBertForMaskedLM's names and
// switches (the caller fills n_embd, n_vocab, norm_eps, gelu_tanh, tied).
MaskedLmConfig bert_mlm_names();
MaskedLmConfig roberta_mlm_names();
MaskedLmConfig distilbert_mlm_names();

class MaskedLmHead {
 public:
  explicit MaskedLmHead(const MaskedLmConfig& config) : config_(config) {}

  size_t n_vocab() const { return config_.n_vocab; }
  // The head's slots; `tok_embeddings` is the tied decoder's weight (filled by the
  // encoder's own slot), read when apply() runs.
  void add_slots(std::vector<TensorSlot>* slots, const Linear* tok_embeddings);
  // Floats of scratch apply() needs for `rows` rows.
  size_t scratch_floats(size_t rows) const { return rows * config_.n_embd; }
  // logits [rows, n_vocab] of hidden [rows, n_embd]; scratch holds scratch_floats(rows).
  Status apply(ThreadPool* pool, const float* hidden, size_t rows, float* scratch, float* logits) const;

 private:
  MaskedLmConfig config_;
  const Linear* tok_embeddings_ = nullptr;
  Linear dense_;
  const float* norm_g_ = nullptr;
  const float* norm_b_ = nullptr;
  Linear decoder_;  // its own weight only when untied; the bias either way
};

}  // namespace qkv
