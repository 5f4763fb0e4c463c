// ModernBertForMaskedLM's head on the encoder's last hidden states:
//   logits = decoder(norm(act(dense(x))))
// dense [n_embd] -> [n_embd] ("head.dense", bias if classifier_bias), act the
// classifier_activation GELU, norm a LayerNorm ("head.norm", bias if
// norm_bias), decoder [n_embd] -> [n_vocab] tied to the token embeddings
// (or "decoder.weight" when tie_word_embeddings is false) plus
// "decoder.bias" when decoder_bias. Its tensors sit at the checkpoint's root.
#pragma once

#include <cstddef>
#include <vector>

#include "core/status.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

class ThreadPool;

struct ModernBertMlmConfig {
  size_t n_embd = 0, n_vocab = 0;
  float norm_eps = 1e-5f;
  bool dense_bias = false, norm_bias = false, decoder_bias = true;
  bool gelu_tanh = false;  // classifier_activation "gelu" (erf) unless gelu_new / gelu_pytorch_tanh
  bool tied = true;        // tie_word_embeddings
};

class ModernBertMlmHead {
 public:
  explicit ModernBertMlmHead(const ModernBertMlmConfig& config) : config_(config) {}

  void add_slots(std::vector<TensorSlot>* slots);
  // Floats of scratch apply() needs for `rows` rows.
  size_t scratch_floats(size_t rows) const { return rows * config_.n_embd; }
  // logits [rows, n_vocab] of hidden [rows, n_embd]; tok_embeddings is the
  // tied decoder's weight; scratch holds scratch_floats(rows).
  Status apply(ThreadPool* pool, const Linear& tok_embeddings, const float* hidden, size_t rows,
               float* scratch, float* logits) const;

 private:
  ModernBertMlmConfig config_;
  Linear dense_;
  const float* norm_g_ = nullptr;
  const float* norm_b_ = nullptr;
  Linear decoder_;  // its own weight only when untied; the bias either way
};

}  // namespace qkv
