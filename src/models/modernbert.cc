#include "models/modernbert.h"

#include "core/thread_pool.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/f32-rope/rope.h"
#include "kernels/gemm/gemm.h"
#include "models/decoder_steps.h"
#include "models/encoder_steps.h"

namespace qkv {

ModernBertModel::ModernBertModel(const ModernBertConfig& c)
    : config_(c),
      layers_(c.n_layer),
      mlm_head_(c.mlm),
      sequence_head_(c.mlm, c.n_labels, c.classifier_pooling == "mean"),
      token_head_(c.mlm, c.n_labels) {
  const size_t hd = c.n_embd / c.n_head;
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff
  dims_ = {c.n_vocab, c.n_ctx, c.n_embd, c.n_layer, c.n_head, c.n_head, hd, c.n_ff};
  // ModernBertRotaryEmbedding.compute_default_rope_parameters, one per layer kind.
  inv_freq_global_.resize(hd / 2);
  inv_freq_local_.resize(hd / 2);
  rope_default_inv_freq(hd, c.global_rope_theta, inv_freq_global_.data());
  rope_default_inv_freq(hd, c.local_rope_theta, inv_freq_local_.data());
}

std::vector<TensorSlot> ModernBertModel::slots() {
  const ModernBertConfig& c = config_;
  const size_t e = c.n_embd;
  std::vector<TensorSlot> s;
  auto norm = [&](const std::string& name, const float** gain, const float** bias) {
    add_norm_slots(&s, name, e, gain, c.norm_bias ? bias : nullptr);
  };
  add_embedding_slot(
      &s, "embeddings.tok_embeddings.weight", c.n_vocab, e, &tok_embeddings_,
      c.masked_lm && c.mlm.tied ? TensorSlot::Role::kTiedEmbedding : TensorSlot::Role::kEmbedding);
  norm("embeddings.norm", &embed_norm_g_, &embed_norm_b_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    ModernBertLayer& l = layers_[i];
    const std::string p = "layers." + std::to_string(i) + ".";
    if (i != 0) norm(p + "attn_norm", &l.attn_norm_g, &l.attn_norm_b);
    add_linear_slots(&s, p + "attn.Wqkv", 3 * e, e, &l.wqkv, c.attention_bias);
    add_linear_slots(&s, p + "attn.Wo", e, e, &l.wo, c.attention_bias);
    norm(p + "mlp_norm", &l.mlp_norm_g, &l.mlp_norm_b);
    add_linear_slots(&s, p + "mlp.Wi", 2 * c.n_ff, e, &l.wi, c.mlp_bias);
    add_linear_slots(&s, p + "mlp.Wo", e, c.n_ff, &l.mlp_out, c.mlp_bias);
  }
  norm("final_norm", &final_norm_g_, &final_norm_b_);
  if (c.masked_lm) mlm_head_.add_slots(&s, &tok_embeddings_);
  if (sequence_classifier() != nullptr) sequence_head_.add_slots(&s);
  if (token_classifier() != nullptr || question_answerer() != nullptr) token_head_.add_slots(&s);
  return s;
}

Status ModernBertModel::masked_lm_logits(ThreadPool* pool, const float* hidden, size_t rows, float* scratch,
                                         float* logits) const {
  if (!config_.masked_lm) return Status::unsupported("ModernBERT: this checkpoint has no masked-LM head");
  return mlm_head_.apply(pool, hidden, rows, scratch, logits);
}

// qkv, attn, tmp, ff, act and the two kinds' cos / sin tables of encode(),
// for `tokens` tokens (no sequence is longer than all of them).
size_t ModernBertModel::scratch_bytes(size_t tokens) const {
  const size_t e = dims_.n_embd, f = config_.n_ff;
  return Arena::bytes_for<float>(tokens * 3 * e) + 2 * Arena::bytes_for<float>(tokens * e) +
         Arena::bytes_for<float>(tokens * 2 * f) + Arena::bytes_for<float>(tokens * f) +
         4 * Arena::bytes_for<float>(tokens * dims_.head_dim / 2);
}

void ModernBertModel::geglu(size_t total, const float* ff, float* act) const {
  const size_t f = config_.n_ff;
  // Wi's output chunks into (input, gate); the activation applies to input.
  const F32GegluUkernelFn fn = config_.gelu_tanh ? f32_geglu_ukernel__simd : f32_geglu_erf_ukernel__simd;
  for (size_t t = 0; t < total; ++t) fn(f, ff + t * 2 * f, ff + t * 2 * f + f, act + t * f);
}

Status ModernBertModel::encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& r) const {
  size_t longest = 0;
  const size_t total = packed_tokens(r, &longest);
  const size_t e = dims_.n_embd, half = dims_.head_dim / 2, f = config_.n_ff;
  float *qkv, *attn, *tmp, *ff, *act, *cos_global, *sin_global, *cos_local, *sin_local;
  QKV_RETURN_IF_ERROR(take_scratch(scratch, total,
                                   {{&qkv, total * 3 * e},
                                    {&attn, total * e},
                                    {&tmp, total * e},
                                    {&ff, total * 2 * f},
                                    {&act, total * f},
                                    {&cos_global, total * half},
                                    {&sin_global, total * half},
                                    {&cos_local, total * half},
                                    {&sin_local, total * half}}));
  // Positions restart at 0 in every sequence, as the padded batch's arange(seq_len).
  rope_fill_cos_sin_from_inv_freq(longest, half, inv_freq_global_.data(), cos_global, sin_global);
  rope_fill_cos_sin_from_inv_freq(longest, half, inv_freq_local_.data(), cos_local, sin_local);

  float* x = r.hidden;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(tok_embeddings_.w, r.ids, total, x));
  QKV_RETURN_IF_ERROR(
      f32_layernorm_rows(pool, total, e, x, embed_norm_g_, embed_norm_b_, config_.norm_eps, x));

  size_t rows = total;
  for (size_t l = 0; l < dims_.n_layer; ++l) {
    const ModernBertLayer& layer = layers_[l];
    const float* normed = x;  // layer 0's attn_norm is Identity
    if (layer.attn_norm_g != nullptr) {
      QKV_RETURN_IF_ERROR(
          f32_layernorm_rows(pool, total, e, x, layer.attn_norm_g, layer.attn_norm_b, config_.norm_eps, tmp));
      normed = tmp;
    }
    QKV_RETURN_IF_ERROR(linear(pool, total, normed, layer.wqkv, qkv));
    const bool local_rope = config_.local_rope[l];
    encoder_apply_rope(dims_, r, dims_.head_dim, RopeStyle::kHalfSplit, local_rope ? cos_local : cos_global,
                       local_rope ? sin_local : sin_global, qkv);
    // Local layers: |i - j| <= local_attention / 2, i.e. |i - j| < local_attention / 2 + 1.
    const size_t window = config_.local[l] ? config_.local_attention / 2 + 1 : 0;
    QKV_RETURN_IF_ERROR(encoder_self_attention(pool, dims_, r, l, qkv, window, attn));
    // From here on each row is on its own: the last layer runs only the rows read.
    rows = l + 1 == dims_.n_layer ? gather_rows_read(r, total, e, x, attn) : total;
    QKV_RETURN_IF_ERROR(linear(pool, rows, attn, layer.wo, tmp));
    f32_add_ukernel__simd(rows * e, x, tmp, x);

    QKV_RETURN_IF_ERROR(
        f32_layernorm_rows(pool, rows, e, x, layer.mlp_norm_g, layer.mlp_norm_b, config_.norm_eps, tmp));
    QKV_RETURN_IF_ERROR(linear(pool, rows, tmp, layer.wi, ff));
    geglu(rows, ff, act);
    QKV_RETURN_IF_ERROR(linear(pool, rows, act, layer.mlp_out, tmp));
    f32_add_ukernel__simd(rows * e, x, tmp, x);
  }
  QKV_RETURN_IF_ERROR(
      f32_layernorm_rows(pool, rows, e, x, final_norm_g_, final_norm_b_, config_.norm_eps, x));
  scatter_rows_read(r, e, x);
  return Status::ok_status();
}

}  // namespace qkv
