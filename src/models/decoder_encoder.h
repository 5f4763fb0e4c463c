// The encoder role played by a decoder stack: embedding models built on a
// causal LM (Qwen3-Embedding: Qwen3 run causally, pooled on its last token)
// or on one made bidirectional (EmbeddingGemma: Gemma 3 with
// use_bidirectional_attention). Each packed sequence goes through the
// decoder's forward() alone, from position 0, in a KV cache of its own, and
// its final-normed hidden states (the base model's last_hidden_state) come
// out; the heads (models/heads/) pool them as for BERT.
#pragma once

#include <cstddef>

#include "models/decoder.h"
#include "models/encoder.h"

namespace qkv {

class DecoderEncoder : public EncoderStack {
 public:
  // stack and dims belong to the model that owns this object.
  DecoderEncoder(const DecoderStack* stack, const ModelDims* dims) : stack_(stack), dims_(dims) {}
  // Every token sees every other of its sequence (else causally).
  void set_bidirectional(bool value) { bidirectional_ = value; }
  bool bidirectional() const { return bidirectional_; }

  size_t n_token_types() const override { return 1; }
  // The forward passes work in buffers of their own (Activations, KvCache).
  size_t scratch_bytes(size_t) const override { return 0; }
  Status encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& request) const override;

 private:
  const DecoderStack* stack_;
  const ModelDims* dims_;
  bool bidirectional_ = false;
};

}  // namespace qkv
