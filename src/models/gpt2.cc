#include "models/gpt2.h"

#include <cmath>
#include <cstring>

#include "core/thread_pool.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-attn/attn.h"
#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/gemm/gemm.h"
#include "models/config_checks.h"
#include "models/decoder_steps.h"

namespace qkv {

Status Gpt2Config::from_config(const ConfigReader& config, Gpt2Config* out) {
  Gpt2Config c;
  QKV_RETURN_IF_ERROR(config.positive_int("vocab_size", &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int("n_embd", &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int("n_layer", &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int("n_head", &c.n_head));
  // Older configs name the context n_ctx; n_positions is what the weights have.
  size_t n_ctx_fallback = 0;
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_ctx", 1024, &n_ctx_fallback));
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_positions", n_ctx_fallback, &c.n_ctx));
  size_t n_inner = 0;
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_inner", 4 * c.n_embd, &n_inner));
  if (n_inner != 4 * c.n_embd) {
    return Status::unsupported(
        config.document() + ": n_inner " + std::to_string(n_inner) +
        " (qkv's GPT-2 runs only the standard 4 * n_embd = " + std::to_string(4 * c.n_embd) + ")");
  }
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("layer_norm_epsilon", 1e-5, &eps));
  c.layer_norm_epsilon = static_cast<float>(eps);
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or("activation_function", "gelu_new", &act));
  if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") {
    c.gelu_tanh = true;
  } else if (act == "gelu") {
    c.gelu_tanh = false;
  } else {
    return Status::unsupported(config.document() + ": activation_function \"" + act +
                               "\" (qkv runs gelu_new, gelu_pytorch_tanh, gelu_fast and gelu)");
  }
  size_t head_dim = 0;
  QKV_RETURN_IF_ERROR(head_dim_of(config, "n_embd", c.n_embd, "n_head", c.n_head, &head_dim));
  // (reorder_and_upcast_attn only changes precision in f16 training; qkv computes in f32.)
  bool by_layer = false;
  QKV_RETURN_IF_ERROR(config.bool_or("scale_attn_by_inverse_layer_idx", false, &by_layer));
  if (by_layer) return Status::unsupported(config.document() + ": scale_attn_by_inverse_layer_idx = true");
  bool scaled = true;
  QKV_RETURN_IF_ERROR(config.bool_or("scale_attn_weights", true, &scaled));
  if (!scaled) return Status::unsupported(config.document() + ": scale_attn_weights = false");
  QKV_RETURN_IF_ERROR(config.bool_or("linear_weights_out_in", false, &c.weights_out_in));
  *out = c;
  return Status::ok_status();
}

Gpt2Model::Gpt2Model(const Gpt2Config& c) : config_(c), layers_(c.n_layer) {
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff
  dims_ = {c.n_vocab, c.n_ctx, c.n_embd, c.n_layer, c.n_head, c.n_head, c.n_embd / c.n_head, 4 * c.n_embd};
}

std::vector<TensorSlot> Gpt2Model::slots() {
  using K = TensorSlot::Kind;
  const size_t e = config_.n_embd;
  // A Conv1D weight [n_in, n_out], or [n_out, n_in] as nn.Linear's when transposed in the file.
  auto conv1d = [&](const std::string& name, size_t n_in, size_t n_out, Linear* layer) {
    if (config_.weights_out_in) return TensorSlot{name, {n_out, n_in}, K::kLinearNK, layer, nullptr};
    return TensorSlot{name, {n_in, n_out}, K::kLinearKN, layer, nullptr};
  };
  std::vector<TensorSlot> s;
  s.push_back(
      {"wte.weight", {config_.n_vocab, e}, K::kLinearNK, &wte_, nullptr, TensorSlot::Role::kTiedEmbedding});
  s.push_back({"wpe.weight", {config_.n_ctx, e}, K::kF32, nullptr, &wpe_});
  for (size_t i = 0; i < layers_.size(); ++i) {
    Gpt2Layer& l = layers_[i];
    const std::string p = "h." + std::to_string(i) + ".";
    s.push_back({p + "ln_1.weight", {e}, K::kF32, nullptr, &l.ln_1_g});
    s.push_back({p + "ln_1.bias", {e}, K::kF32, nullptr, &l.ln_1_b});
    s.push_back(conv1d(p + "attn.c_attn.weight", e, 3 * e, &l.c_attn));
    s.push_back({p + "attn.c_attn.bias", {3 * e}, K::kF32, nullptr, &l.c_attn.bias});
    s.push_back(conv1d(p + "attn.c_proj.weight", e, e, &l.c_proj));
    s.push_back({p + "attn.c_proj.bias", {e}, K::kF32, nullptr, &l.c_proj.bias});
    s.push_back({p + "ln_2.weight", {e}, K::kF32, nullptr, &l.ln_2_g});
    s.push_back({p + "ln_2.bias", {e}, K::kF32, nullptr, &l.ln_2_b});
    s.push_back(conv1d(p + "mlp.c_fc.weight", e, 4 * e, &l.c_fc));
    s.push_back({p + "mlp.c_fc.bias", {4 * e}, K::kF32, nullptr, &l.c_fc.bias});
    s.push_back(conv1d(p + "mlp.c_proj.weight", 4 * e, e, &l.mlp_proj));
    s.push_back({p + "mlp.c_proj.bias", {e}, K::kF32, nullptr, &l.mlp_proj.bias});
  }
  s.push_back({"ln_f.weight", {e}, K::kF32, nullptr, &ln_f_g_});
  s.push_back({"ln_f.bias", {e}, K::kF32, nullptr, &ln_f_b_});
  return s;
}

Status Gpt2Model::forward(ThreadPool* pool, KvCache& cache, Activations& act, const ForwardRequest& r) const {
  const ModelDims& d = dims_;
  const size_t n = r.n, e = d.n_embd;
  QKV_RETURN_IF_ERROR(check_forward_request(d, cache, act, r));

  // x = wte[ids] + wpe[pos0 .. pos0 + n)
  float* x = act.x.data();
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(wte_.w, r.ids, n, x));
  f32_add_ukernel__simd(n * e, x, wpe_ + r.pos0 * e, x);

  for (size_t l = 0; l < d.n_layer; ++l) {
    const Gpt2Layer& layer = layers_[l];
    float* xn = act.xn.data();
    QKV_RETURN_IF_ERROR(
        f32_layernorm_rows(pool, n, e, x, layer.ln_1_g, layer.ln_1_b, config_.layer_norm_epsilon, xn));
    QKV_RETURN_IF_ERROR(linear(pool, n, xn, layer.c_attn, act.qkv.data()));
    const float* probs_out = r.attention_probs ? r.attention_probs[l] : nullptr;
    QKV_RETURN_IF_ERROR(
        attend(pool, d, cache, l, r, act.qkv.data(), act.attn.data(), const_cast<float*>(probs_out)));
    QKV_RETURN_IF_ERROR(linear(pool, n, act.attn.data(), layer.c_proj, act.tmp.data()));
    f32_add_ukernel__simd(n * e, x, act.tmp.data(), x);

    QKV_RETURN_IF_ERROR(
        f32_layernorm_rows(pool, n, e, x, layer.ln_2_g, layer.ln_2_b, config_.layer_norm_epsilon, xn));
    float* ff = act.ff.data();
    QKV_RETURN_IF_ERROR(linear(pool, n, xn, layer.c_fc, ff));
    if (config_.gelu_tanh) {
      f32_gelu_tanh_ukernel__simd(n * d.n_ff, ff, ff);
    } else {
      f32_gelu_erf_ukernel__simd(n * d.n_ff, ff, ff);
    }
    QKV_RETURN_IF_ERROR(linear(pool, n, ff, layer.mlp_proj, act.tmp.data()));
    f32_add_ukernel__simd(n * e, x, act.tmp.data(), x);
  }

  // Only the rows whose logits are wanted go through the final norm and head.
  const size_t first = r.all_logits ? 0 : n - 1, rows = n - first;
  float* xn = act.xn.data();
  QKV_RETURN_IF_ERROR(
      f32_layernorm_rows(pool, rows, e, x + first * e, ln_f_g_, ln_f_b_, config_.layer_norm_epsilon, xn));
  return linear(pool, rows, xn, Linear{wte_.w, nullptr}, r.logits);
}

}  // namespace qkv
