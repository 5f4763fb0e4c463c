#include "models/nomic_bert.h"

#include <cmath>

#include "kernels/f32-add/add.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/f32-swiglu/swiglu.h"
#include "kernels/gemm/gemm.h"
#include "models/config_checks.h"
#include "models/decoder_steps.h"
#include "models/encoder_steps.h"

namespace qkv {
namespace {

// A key whose only value qkv runs is `want` (its default when absent).
Status require_bool(const ConfigReader& config, const char* key, bool want, const char* why) {
  bool value = want;
  QKV_RETURN_IF_ERROR(config.bool_or(key, want, &value));
  if (value != want) {
    return Status::unsupported(config.document() + ": " + key + " " + (value ? "true" : "false") + " (" +
                               why + ")");
  }
  return Status::ok_status();
}

Status read_rotary(const ConfigReader& config, size_t head_dim, NomicBertConfig* c) {
  double fraction = 0;
  if (const JsonValue* v = config.root().find_set("rotary_emb_fraction"))
    fraction = v->as_double().value_or(-1);
  const double dims = static_cast<double>(head_dim) * fraction;
  if (!(fraction > 0 && fraction <= 1) || dims != std::floor(dims) || static_cast<size_t>(dims) % 2 != 0) {
    return Status::unsupported(
        config.document() + ": rotary_emb_fraction must give an even number of rotary dims in (0, head_dim " +
        std::to_string(head_dim) + "] (qkv runs nomic-bert with rotary embeddings), found " +
        (config.root().find_set("rotary_emb_fraction")
             ? config.root().find_set("rotary_emb_fraction")->describe()
             : std::string("none")));
  }
  c->n_rot = static_cast<size_t>(dims);
  QKV_RETURN_IF_ERROR(config.positive_number_or("rotary_emb_base", 10000.0, &c->rope_theta));
  bool interleaved = false;
  QKV_RETURN_IF_ERROR(config.bool_or("rotary_emb_interleaved", false, &interleaved));
  c->rope_style = interleaved ? RopeStyle::kInterleaved : RopeStyle::kHalfSplit;
  for (const char* key : {"rotary_scaling_factor", "rotary_emb_scale_base"}) {
    if (const JsonValue* v = config.root().find_set(key)) {
      return Status::unsupported(config.document() + ": " + key + " " + v->describe() +
                                 " (qkv runs nomic-bert's plain rotary embeddings)");
    }
  }
  return Status::ok_status();
}

// NomciBertGatedMLP's width: n_inner (or int(8 n_embd / 3)) rounded up to a multiple of 256.
Status read_mlp_width(const ConfigReader& config, NomicBertConfig* c) {
  size_t inner = c->n_embd * 8 / 3;
  if (config.root().find_set("n_inner") != nullptr)
    QKV_RETURN_IF_ERROR(config.positive_int("n_inner", &inner));
  c->n_ff = (inner + 255) / 256 * 256;
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or("activation_function", "gelu_new", &act));
  if (act != "swiglu") {
    return Status::unsupported(config.document() + ": activation_function \"" + act +
                               "\" (qkv's nomic-bert runs \"swiglu\")");
  }
  return Status::ok_status();
}

}  // namespace

bool is_nomic_bert(const std::string& a) {
  return a == "NomicBertModel" || a == "nomic_bert" || a.rfind("NomicBertFor", 0) == 0;
}

Status NomicBertConfig::from_config(const ConfigReader& config, NomicBertConfig* out) {
  NomicBertConfig c;
  // GPT2Config's defaults, then NomicBertConfig's.
  QKV_RETURN_IF_ERROR(config.positive_int_or("vocab_size", 50257, &c.n_vocab));
  size_t multiple = 1;
  QKV_RETURN_IF_ERROR(config.positive_int_or("pad_vocab_size_multiple", 1, &multiple));
  c.n_vocab = (c.n_vocab + multiple - 1) / multiple * multiple;  // NomicBertModel pads the vocabulary
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_embd", 768, &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_layer", 12, &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_head", 12, &c.n_head));
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_positions", 1024, &c.n_ctx));
  size_t head_dim = 0;
  QKV_RETURN_IF_ERROR(head_dim_of(config, "n_embd", c.n_embd, "n_head", c.n_head, &head_dim));
  if (const JsonValue* kv = config.root().find_set("num_heads_kv")) {
    if (kv->as_uint64() != c.n_head) {
      return Status::unsupported(config.document() + ": num_heads_kv " + kv->describe() +
                                 " (qkv's nomic-bert runs num_heads_kv = n_head)");
    }
  }
  if (const JsonValue* types = config.root().find_set("type_vocab_size")) {
    const auto n = types->as_uint64();
    if (!n || *n > 1024)
      return config.bad("type_vocab_size", "must be an integer 0..1024, found " + types->describe());
    c.n_token_types = static_cast<size_t>(*n);
  } else {
    c.n_token_types = 2;
  }
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("layer_norm_epsilon", 1e-5, &eps));
  c.layer_norm_eps = static_cast<float>(eps);
  QKV_RETURN_IF_ERROR(config.bool_or("qkv_proj_bias", true, &c.qkv_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("mlp_fc1_bias", true, &c.fc1_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("mlp_fc2_bias", true, &c.fc2_bias));
  QKV_RETURN_IF_ERROR(require_bool(config, "prenorm", false, "qkv runs nomic-bert's post-LN blocks"));
  QKV_RETURN_IF_ERROR(require_bool(config, "causal", false, "qkv runs the bidirectional encoder"));
  QKV_RETURN_IF_ERROR(require_bool(config, "use_rms_norm", false, "qkv runs nomic-bert with LayerNorm"));
  QKV_RETURN_IF_ERROR(require_bool(config, "parallel_block", false, "qkv runs sequential blocks"));
  size_t moe = 0;
  if (config.root().find_set("moe_every_n_layers") != nullptr) {
    const auto n = config.root().find_set("moe_every_n_layers")->as_uint64();
    moe = n.value_or(1);
  }
  if (moe != 0)
    return Status::unsupported(config.document() + ": moe_every_n_layers (qkv runs no MoE layers)");
  QKV_RETURN_IF_ERROR(read_rotary(config, head_dim, &c));
  QKV_RETURN_IF_ERROR(read_mlp_width(config, &c));
  *out = c;
  return Status::ok_status();
}

NomicBertModel::NomicBertModel(const NomicBertConfig& c) : config_(c), layers_(c.n_layer) {
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff
  dims_ = {c.n_vocab, c.n_ctx, c.n_embd, c.n_layer, c.n_head, c.n_head, c.n_embd / c.n_head, c.n_ff};
  inv_freq_.resize(c.n_rot / 2);
  rope_default_inv_freq(c.n_rot, c.rope_theta, inv_freq_.data());
}

std::vector<TensorSlot> NomicBertModel::slots() {
  const NomicBertConfig& c = config_;
  const size_t e = c.n_embd;
  std::vector<TensorSlot> s;
  add_embedding_slot(&s, "embeddings.word_embeddings.weight", c.n_vocab, e, &word_embeddings_);
  if (c.n_token_types > 0) {
    add_table_slot(&s, "embeddings.token_type_embeddings.weight", c.n_token_types, e,
                   &token_type_embeddings_);
  }
  add_norm_slots(&s, "emb_ln", e, &emb_ln_g_, &emb_ln_b_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    NomicBertLayer& l = layers_[i];
    const std::string p = "encoder.layers." + std::to_string(i) + ".";
    add_linear_slots(&s, p + "attn.Wqkv", 3 * e, e, &l.wqkv, c.qkv_bias);
    add_linear_slots(&s, p + "attn.out_proj", e, e, &l.out_proj, c.qkv_bias);
    add_norm_slots(&s, p + "norm1", e, &l.norm1_g, &l.norm1_b);
    add_linear_slots(&s, p + "mlp.fc11", c.n_ff, e, &l.fc11, c.fc1_bias);
    add_linear_slots(&s, p + "mlp.fc12", c.n_ff, e, &l.fc12, c.fc1_bias);
    add_linear_slots(&s, p + "mlp.fc2", e, c.n_ff, &l.fc2, c.fc2_bias);
    add_norm_slots(&s, p + "norm2", e, &l.norm2_g, &l.norm2_b);
  }
  return s;
}

// qkv, attn, tmp, up, gate and the cos / sin tables of encode(), for `tokens` tokens.
size_t NomicBertModel::scratch_bytes(size_t tokens) const {
  const size_t e = dims_.n_embd, f = config_.n_ff;
  return Arena::bytes_for<float>(tokens * 3 * e) + 2 * Arena::bytes_for<float>(tokens * e) +
         2 * Arena::bytes_for<float>(tokens * f) + 2 * Arena::bytes_for<float>(tokens * config_.n_rot / 2);
}

Status NomicBertModel::encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& r) const {
  size_t longest = 0;
  const size_t total = packed_tokens(r, &longest);
  const size_t e = dims_.n_embd, f = config_.n_ff, half = config_.n_rot / 2;
  const float eps = config_.layer_norm_eps;
  float *qkv, *attn, *tmp, *up, *gate, *cos, *sin;
  QKV_RETURN_IF_ERROR(take_scratch(scratch, total,
                                   {{&qkv, total * 3 * e},
                                    {&attn, total * e},
                                    {&tmp, total * e},
                                    {&up, total * f},
                                    {&gate, total * f},
                                    {&cos, total * half},
                                    {&sin, total * half}}));
  rope_fill_cos_sin_from_inv_freq(longest, half, inv_freq_.data(), cos, sin);

  float* x = r.hidden;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(word_embeddings_.w, r.ids, total, x));
  if (token_type_embeddings_ != nullptr) {
    for (size_t t = 0; t < total; ++t) {
      const size_t type = r.token_types != nullptr ? static_cast<size_t>(r.token_types[t]) : 0;
      f32_add_ukernel__simd(e, x + t * e, token_type_embeddings_ + type * e, x + t * e);
    }
  }
  QKV_RETURN_IF_ERROR(f32_layernorm_rows(pool, total, e, x, emb_ln_g_, emb_ln_b_, eps, x));

  for (size_t l = 0; l < dims_.n_layer; ++l) {
    const NomicBertLayer& layer = layers_[l];
    QKV_RETURN_IF_ERROR(linear(pool, total, x, layer.wqkv, qkv));
    encoder_apply_rope(dims_, r, config_.n_rot, config_.rope_style, cos, sin, qkv);
    QKV_RETURN_IF_ERROR(encoder_self_attention(pool, dims_, r, l, qkv, 0, attn));
    // From here on each row is on its own: the last layer runs only the rows read.
    const size_t rows = l + 1 == dims_.n_layer ? gather_rows_read(r, total, e, x, attn) : total;
    QKV_RETURN_IF_ERROR(linear(pool, rows, attn, layer.out_proj, tmp));
    f32_add_ukernel__simd(rows * e, x, tmp, x);
    QKV_RETURN_IF_ERROR(f32_layernorm_rows(pool, rows, e, x, layer.norm1_g, layer.norm1_b, eps, x));

    QKV_RETURN_IF_ERROR(linear(pool, rows, x, layer.fc11, up));
    QKV_RETURN_IF_ERROR(linear(pool, rows, x, layer.fc12, gate));
    f32_swiglu_ukernel__simd(rows * f, gate, up, up);  // fc11(x) * silu(fc12(x))
    QKV_RETURN_IF_ERROR(linear(pool, rows, up, layer.fc2, tmp));
    f32_add_ukernel__simd(rows * e, x, tmp, x);
    QKV_RETURN_IF_ERROR(f32_layernorm_rows(pool, rows, e, x, layer.norm2_g, layer.norm2_b, eps, x));
  }
  scatter_rows_read(r, e, x);
  return Status::ok_status();
}

}  // namespace qkv
