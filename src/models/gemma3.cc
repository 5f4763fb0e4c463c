#include "models/gemma3.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-attn/attn.h"
#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"
#include "kernels/f32-rope/rope.h"
#include "kernels/gemm/gemm.h"
#include "models/decoder_steps.h"
#include "models/qk_norm.h"

namespace qkv {

Gemma3Model::Gemma3Model(const Gemma3Config& c) : config_(c), layers_(c.n_layer) {
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff
  dims_ = {c.n_vocab, c.n_ctx, c.n_embd, c.n_layer, c.n_head, c.n_head_kv, c.head_dim, c.n_ff};
  // Gemma3TextScaledWordEmbedding: torch.tensor(hidden_size ** 0.5), a
  // float32 scalar, cast to the (here float32) weight dtype.
  embed_scale_ = static_cast<float>(std::sqrt(static_cast<double>(c.n_embd)));
  // Gemma3Attention.scaling = query_pre_attn_scalar ** -0.5, a Python float
  // that multiplies float32 scores.
  attn_scale_ = static_cast<float>(std::pow(c.query_pre_attn_scalar, -0.5));
  init_rope(c.rope_global, &rope_global_);
  init_rope(c.rope_local, &rope_local_);
  embedder_.set_bidirectional(c.bidirectional);
}

void Gemma3Model::init_rope(const Gemma3Rope& rope, RopeTable* t) const {
  const size_t half = config_.head_dim / 2;
  t->inv_freq.resize(half);
  rope_default_inv_freq(config_.head_dim, rope.theta, t->inv_freq.data());
  // _compute_linear_scaling_rope_parameters: inv_freq /= factor, in float32.
  if (rope.linear_factor != 1.0) {
    for (float& f : t->inv_freq) f = f / static_cast<float>(rope.linear_factor);
  }
  const size_t positions = std::min(config_.n_ctx, kRopeTablePositions);
  t->cos.resize(positions * half);
  t->sin.resize(positions * half);
  rope_fill_cos_sin_from_inv_freq(positions, half, t->inv_freq.data(), t->cos.data(), t->sin.data());
}

std::vector<TensorSlot> Gemma3Model::slots() {
  using K = TensorSlot::Kind;
  const Gemma3Config& c = config_;
  const size_t e = c.n_embd, q = c.n_head * c.head_dim, kv = c.n_head_kv * c.head_dim;
  std::vector<TensorSlot> s;
  auto norm = [&](const std::string& name, size_t n, const float** gain) {
    s.push_back({name + ".weight", {n}, K::kF32, nullptr, gain});
  };
  s.push_back({"model.embed_tokens.weight",
               {c.n_vocab, e},
               K::kLinearNK,
               &embed_tokens_,
               nullptr,
               c.tied_embeddings ? TensorSlot::Role::kTiedEmbedding : TensorSlot::Role::kEmbedding});
  for (size_t i = 0; i < layers_.size(); ++i) {
    Gemma3Layer& l = layers_[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    norm(p + "input_layernorm", e, &l.input_norm);
    add_linear_slots(&s, p + "self_attn.q_proj", q, e, &l.q_proj, c.attention_bias);
    add_linear_slots(&s, p + "self_attn.k_proj", kv, e, &l.k_proj, c.attention_bias);
    add_linear_slots(&s, p + "self_attn.v_proj", kv, e, &l.v_proj, c.attention_bias);
    norm(p + "self_attn.q_norm", c.head_dim, &l.q_norm);
    norm(p + "self_attn.k_norm", c.head_dim, &l.k_norm);
    add_linear_slots(&s, p + "self_attn.o_proj", e, q, &l.o_proj, c.attention_bias);
    norm(p + "post_attention_layernorm", e, &l.post_attn_norm);
    norm(p + "pre_feedforward_layernorm", e, &l.pre_ff_norm);
    add_linear_slots(&s, p + "mlp.gate_proj", c.n_ff, e, &l.gate_proj, false);
    add_linear_slots(&s, p + "mlp.up_proj", c.n_ff, e, &l.up_proj, false);
    add_linear_slots(&s, p + "mlp.down_proj", e, c.n_ff, &l.down_proj, false);
    norm(p + "post_feedforward_layernorm", e, &l.post_ff_norm);
  }
  norm("model.norm", e, &final_norm_);
  if (!c.tied_embeddings)
    s.push_back(
        {"lm_head.weight", {c.n_vocab, e}, K::kLinearNK, &lm_head_, nullptr, TensorSlot::Role::kLmHead});
  return s;
}

Status Gemma3Model::finish_loading() {
  // Gemma3RMSNorm: output * (1.0 + self.weight.float()), the sum rounded to
  // float32 once; kept beside the checkpoint's gains (a few KB).
  auto one_plus = [&](const float** gain, size_t n) -> Status {
    float* g = static_cast<float*>(store_.allocate(n * sizeof(float)));
    if (g == nullptr) return Status::resource_exhausted("out of memory for Gemma 3's norm gains");
    for (size_t i = 0; i < n; ++i) g[i] = 1.0f + (*gain)[i];
    *gain = g;
    return Status::ok_status();
  };
  if (config_.norm_weights_include_one) return Status::ok_status();  // the gains as stored
  const size_t e = config_.n_embd, hd = config_.head_dim;
  for (Gemma3Layer& l : layers_) {
    QKV_RETURN_IF_ERROR(one_plus(&l.input_norm, e));
    QKV_RETURN_IF_ERROR(one_plus(&l.q_norm, hd));
    QKV_RETURN_IF_ERROR(one_plus(&l.k_norm, hd));
    QKV_RETURN_IF_ERROR(one_plus(&l.post_attn_norm, e));
    QKV_RETURN_IF_ERROR(one_plus(&l.pre_ff_norm, e));
    QKV_RETURN_IF_ERROR(one_plus(&l.post_ff_norm, e));
  }
  return one_plus(&final_norm_, e);
}

void Gemma3Model::apply_rope(const RopeTable& table, size_t n, size_t pos0, float* qkv) const {
  const size_t hd = dims_.head_dim, half = hd / 2;
  const size_t token_stride = (dims_.n_head + 2 * dims_.n_head_kv) * hd;
  const size_t table_positions = table.cos.size() / half;
  float cos_row[kAttnMaxHeadDim / 2], sin_row[kAttnMaxHeadDim / 2];
  for (size_t t = 0; t < n; ++t) {
    const float* cos = table.cos.data() + (pos0 + t) * half;
    const float* sin = table.sin.data() + (pos0 + t) * half;
    if (pos0 + t >= table_positions) {
      // The table's formula for one position (rope_fill_cos_sin_from_inv_freq).
      const float p = static_cast<float>(pos0 + t);
      for (size_t i = 0; i < half; ++i) {
        const double angle = static_cast<float>(p * table.inv_freq[i]);
        cos_row[i] = static_cast<float>(std::cos(angle));
        sin_row[i] = static_cast<float>(std::sin(angle));
      }
      cos = cos_row;
      sin = sin_row;
    }
    // Query heads then key heads are contiguous: one call rotates both.
    f32_rope_ukernel__simd(dims_.n_head + dims_.n_head_kv, hd, hd, cos, sin, RopeStyle::kHalfSplit,
                           qkv + t * token_stride);
  }
}

Status Gemma3Model::forward(ThreadPool* pool, KvCache& cache, Activations& act,
                            const ForwardRequest& r) const {
  const ModelDims& d = dims_;
  const size_t n = r.n, e = d.n_embd, hd = d.head_dim;
  const size_t q_width = d.n_head * hd, kv_width = d.n_head_kv * hd, qkv_stride = q_width + 2 * kv_width;
  const float eps = config_.rms_norm_eps;
  QKV_RETURN_IF_ERROR(check_forward_request(d, cache, act, r));

  float* x = act.x.data();
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(embed_tokens_.w, r.ids, n, x));
  for (size_t i = 0; i < n * e; ++i) x[i] *= embed_scale_;

  float* xn = act.xn.data();
  float* qkv = act.qkv.data();
  float* tmp = act.tmp.data();
  for (size_t l = 0; l < d.n_layer; ++l) {
    const Gemma3Layer& layer = layers_[l];
    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, layer.input_norm, eps, xn));
    // q, k and v side by side per token, the layout attend() reads.
    QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, layer.q_proj, qkv, qkv_stride));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, layer.k_proj, qkv + q_width, qkv_stride));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, layer.v_proj, qkv + q_width + kv_width, qkv_stride));
    QKV_RETURN_IF_ERROR(norm_qk_heads(pool, d, n, layer.q_norm, layer.k_norm, eps, qkv));
    apply_rope(config_.sliding[l] ? rope_local_ : rope_global_, n, r.pos0, qkv);
    float* probs_out = r.attention_probs ? r.attention_probs[l] : nullptr;
    const size_t bidirectional_window = config_.sliding[l] ? config_.bidirectional_window : 0;
    QKV_RETURN_IF_ERROR(attend_scaled(pool, d, cache, l, r, qkv, attn_scale_, act.attn.data(), probs_out,
                                      bidirectional_window));
    QKV_RETURN_IF_ERROR(linear(pool, n, act.attn.data(), layer.o_proj, tmp));
    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, tmp, layer.post_attn_norm, eps, tmp));
    f32_add_ukernel__simd(n * e, x, tmp, x);

    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, layer.pre_ff_norm, eps, xn));
    float* gate = act.ff.data();
    float* up = gate + n * d.n_ff;
    QKV_RETURN_IF_ERROR(linear(pool, n, xn, layer.gate_proj, gate));
    QKV_RETURN_IF_ERROR(linear(pool, n, xn, layer.up_proj, up));
    f32_geglu_ukernel__simd(n * d.n_ff, gate, up, gate);
    QKV_RETURN_IF_ERROR(linear(pool, n, gate, layer.down_proj, tmp));
    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, tmp, layer.post_ff_norm, eps, tmp));
    f32_add_ukernel__simd(n * e, x, tmp, x);
  }

  if (r.hidden != nullptr) {  // an embedding model's last_hidden_state: every row, no head
    return f32_rmsnorm_rows(pool, n, e, x, final_norm_, eps, r.hidden);
  }
  // Only the rows whose logits are wanted go through the final norm and head.
  const size_t first = r.all_logits ? 0 : n - 1, rows = n - first;
  QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, rows, e, x + first * e, final_norm_, eps, xn));
  const Linear& head = config_.tied_embeddings ? embed_tokens_ : lm_head_;
  QKV_RETURN_IF_ERROR(linear(pool, rows, xn, Linear{head.w, nullptr}, r.logits));
  if (config_.final_logit_softcapping > 0) {
    // Gemma3ForCausalLM: logits / cap, tanh, * cap, each in float32.
    const float cap = config_.final_logit_softcapping;
    const size_t count = rows * d.n_vocab;
    for (size_t i = 0; i < count; ++i) r.logits[i] = std::tanh(r.logits[i] / cap) * cap;
  }
  return Status::ok_status();
}

}  // namespace qkv
