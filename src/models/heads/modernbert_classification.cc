#include "models/heads/modernbert_classification.h"

#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "models/decoder_steps.h"
#include "models/heads/pooling.h"

namespace qkv {

void ModernBertClassifierBody::add_slots(std::vector<TensorSlot>* s) {
  const size_t e = config_.n_embd;
  add_linear_slots(s, "head.dense", e, e, &dense_, config_.dense_bias);
  add_norm_slots(s, "head.norm", e, &norm_g_, config_.norm_bias ? &norm_b_ : nullptr);
  add_linear_slots(s, "classifier", n_labels_, e, &classifier_, true);
}

Status ModernBertClassifierBody::apply(ThreadPool* pool, const float* x, size_t rows, float* scratch,
                                       float* logits) const {
  const size_t e = config_.n_embd;
  QKV_RETURN_IF_ERROR(linear(pool, rows, x, dense_, scratch));
  const auto act = config_.gelu_tanh ? f32_gelu_tanh_ukernel__simd : f32_gelu_erf_ukernel__simd;
  act(rows * e, scratch, scratch);
  QKV_RETURN_IF_ERROR(
      f32_layernorm_rows(pool, rows, e, scratch, norm_g_, norm_b_, config_.norm_eps, scratch));
  return linear(pool, rows, scratch, classifier_, logits);
}

Status ModernBertSequenceHead::apply(ThreadPool* pool, const float* hidden, const size_t* lengths,
                                     size_t n_seqs, float* logits) const {
  // With every token attended (no padding), transformers' masked mean is the plain mean.
  std::vector<float> pooled(n_seqs * n_embd_), scratch(n_seqs * n_embd_);
  pool_sequences(hidden, lengths, n_seqs, n_embd_, pooling(), false, pooled.data());
  return body_.apply(pool, pooled.data(), n_seqs, scratch.data(), logits);
}

Status ModernBertTokenHead::apply(ThreadPool* pool, const float* hidden, size_t n_tokens,
                                  float* logits) const {
  std::vector<float> scratch(n_tokens * n_embd_);
  return body_.apply(pool, hidden, n_tokens, scratch.data(), logits);
}

}  // namespace qkv
