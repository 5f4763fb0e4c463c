#include "models/heads/masked_lm.h"

#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "models/decoder_steps.h"

namespace qkv {

namespace {

MaskedLmConfig named(const char* dense, const char* norm, const char* decoder_weight, const char* bias) {
  MaskedLmConfig c;
  c.dense = dense;
  c.norm = norm;
  c.decoder_weight = decoder_weight;
  c.bias = bias;
  return c;
}

}  // namespace

// BERT's decoder.bias and RoBERTa's lm_head.decoder.bias are the same Parameter as the bias named
// here; save_pretrained keeps this name (the decoder's is a tied key).
MaskedLmConfig bert_mlm_names() {
  return named("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
               "cls.predictions.decoder.weight", "cls.predictions.bias");
}

MaskedLmConfig roberta_mlm_names() {
  return named("lm_head.dense", "lm_head.layer_norm", "lm_head.decoder.weight", "lm_head.bias");
}

MaskedLmConfig distilbert_mlm_names() {
  return named("vocab_transform", "vocab_layer_norm", "vocab_projector.weight", "vocab_projector.bias");
}

void MaskedLmHead::add_slots(std::vector<TensorSlot>* s, const Linear* tok_embeddings) {
  const size_t e = config_.n_embd;
  tok_embeddings_ = tok_embeddings;
  add_linear_slots(s, config_.dense, e, e, &dense_, config_.dense_bias);
  add_norm_slots(s, config_.norm, e, &norm_g_, config_.norm_bias ? &norm_b_ : nullptr);
  if (!config_.tied) {
    s->push_back({config_.decoder_weight,
                  {config_.n_vocab, e},
                  TensorSlot::Kind::kLinearNK,
                  &decoder_,
                  nullptr,
                  TensorSlot::Role::kLmHead});
  }
  if (config_.decoder_bias) {
    s->push_back({config_.bias, {config_.n_vocab}, TensorSlot::Kind::kF32, nullptr, &decoder_.bias});
  }
}

Status MaskedLmHead::apply(ThreadPool* pool, const float* hidden, size_t rows, float* scratch,
                           float* logits) const {
  const size_t e = config_.n_embd;
  QKV_RETURN_IF_ERROR(linear(pool, rows, hidden, dense_, scratch));
  if (config_.gelu_tanh) {
    f32_gelu_tanh_ukernel__simd(rows * e, scratch, scratch);
  } else {
    f32_gelu_erf_ukernel__simd(rows * e, scratch, scratch);
  }
  QKV_RETURN_IF_ERROR(
      f32_layernorm_rows(pool, rows, e, scratch, norm_g_, norm_b_, config_.norm_eps, scratch));
  Linear decoder = decoder_;
  if (config_.tied) decoder.w = tok_embeddings_->w;
  return linear(pool, rows, scratch, decoder, logits);
}

}  // namespace qkv
