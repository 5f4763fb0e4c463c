#include "models/heads/modernbert_mlm.h"

#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "models/decoder_steps.h"

namespace qkv {

void ModernBertMlmHead::add_slots(std::vector<TensorSlot>* s) {
  const size_t e = config_.n_embd;
  add_linear_slots(s, "head.dense", e, e, &dense_, config_.dense_bias);
  s->push_back({"head.norm.weight", {e}, TensorSlot::Kind::kF32, nullptr, &norm_g_});
  if (config_.norm_bias) s->push_back({"head.norm.bias", {e}, TensorSlot::Kind::kF32, nullptr, &norm_b_});
  if (!config_.tied) {
    s->push_back({"decoder.weight",
                  {config_.n_vocab, e},
                  TensorSlot::Kind::kLinearNK,
                  &decoder_,
                  nullptr,
                  TensorSlot::Role::kLmHead});
  }
  if (config_.decoder_bias) {
    s->push_back({"decoder.bias", {config_.n_vocab}, TensorSlot::Kind::kF32, nullptr, &decoder_.bias});
  }
}

Status ModernBertMlmHead::apply(ThreadPool* pool, const Linear& tok_embeddings, const float* hidden,
                                size_t rows, float* scratch, float* logits) const {
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
  if (config_.tied) decoder.w = tok_embeddings.w;
  return linear(pool, rows, scratch, decoder, logits);
}

}  // namespace qkv
