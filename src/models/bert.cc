#include "models/bert.h"

#include <cmath>
#include <cstring>

#include "core/thread_pool.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/gemm/gemm.h"
#include "models/config_checks.h"
#include "models/decoder_steps.h"
#include "models/encoder_steps.h"

namespace qkv {
namespace {

bool is_roberta(const std::string& a) {
  return a == "RobertaModel" || a == "roberta" || a.rfind("RobertaFor", 0) == 0 || a == "XLMRobertaModel" ||
         a == "xlm-roberta" || a.rfind("XLMRobertaFor", 0) == 0;
}

// RoBERTa's create_position_ids_from_input_ids: a sequence without padding has
// positions pad_token_id + 1 ... pad_token_id + length.
Status read_roberta_positions(const ConfigReader& config, size_t n_positions, BertConfig* c) {
  const JsonValue* pad = config.root().find("pad_token_id");
  if (pad == nullptr || pad->is_null()) {
    return config.bad("pad_token_id", "is missing (RoBERTa's positions start at pad_token_id + 1)");
  }
  const auto id = pad->as_uint64();
  if (!id || *id >= c->n_vocab) {
    return config.bad("pad_token_id", "must be a token id below vocab_size " + std::to_string(c->n_vocab) +
                                          ", found " + pad->describe());
  }
  c->position_offset = static_cast<size_t>(*id) + 1;
  if (n_positions <= c->position_offset) {
    return config.bad("max_position_embeddings",
                      "must exceed pad_token_id + 1 = " + std::to_string(c->position_offset) +
                          " (RoBERTa's context is max_position_embeddings - pad_token_id - 1), found " +
                          std::to_string(n_positions));
  }
  c->n_ctx = n_positions - c->position_offset;
  c->checkpoint_prefix = "roberta.";
  return Status::ok_status();
}

}  // namespace

bool is_bert_family(const std::string& a) {
  return a == "BertModel" || a == "bert" || a.rfind("BertFor", 0) == 0 || is_roberta(a) || is_distilbert(a);
}

Status read_classifier(const ConfigReader& config, BertConfig* c) {
  c->classifier = classifier_kind_of(config.architecture());
  return c->classifier == ClassifierKind::kNone ? Status::ok_status()
                                                : read_head_labels(config, c->classifier, &c->n_labels);
}

Status read_masked_lm(const ConfigReader& config, BertConfig* c) {
  const std::string& a = config.architecture();
  c->masked_lm = a == "BertForMaskedLM" || a == "RobertaForMaskedLM" || a == "XLMRobertaForMaskedLM" ||
                 a == "DistilBertForMaskedLM";
  if (!c->masked_lm) return Status::ok_status();
  MaskedLmConfig m = c->distilbert   ? distilbert_mlm_names()
                     : is_roberta(a) ? roberta_mlm_names()
                                     : bert_mlm_names();
  m.n_embd = c->n_embd;
  m.n_vocab = c->n_vocab;
  m.norm_eps = c->layer_norm_eps;  // DistilBERT's vocab_layer_norm is 1e-12 as its other norms
  // RobertaLMHead calls gelu (erf) whatever hidden_act says; BERT and DistilBERT use their activation.
  m.gelu_tanh = is_roberta(a) ? false : c->gelu_tanh;
  QKV_RETURN_IF_ERROR(config.bool_or("tie_word_embeddings", true, &m.tied));
  c->mlm = m;
  return Status::ok_status();
}

Status read_gelu(const ConfigReader& config, const char* key, const char* family, bool* tanh) {
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or(key, "gelu", &act));
  if (act == "gelu" || act == "gelu_new" || act == "gelu_pytorch_tanh") {
    *tanh = act != "gelu";
    return Status::ok_status();
  }
  return Status::unsupported(config.document() + ": " + key + " \"" + act + "\" (qkv's " + family +
                             " runs gelu, gelu_new and gelu_pytorch_tanh)");
}

bool is_distilbert(const std::string& a) {
  return a == "DistilBertModel" || a == "distilbert" || a.rfind("DistilBertFor", 0) == 0;
}

Status BertConfig::from_config(const ConfigReader& config, BertConfig* out) {
  if (is_distilbert(config.architecture())) return from_distilbert_config(config, out);
  BertConfig c;
  QKV_RETURN_IF_ERROR(config.positive_int("vocab_size", &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int("hidden_size", &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int("num_hidden_layers", &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int("num_attention_heads", &c.n_head));
  QKV_RETURN_IF_ERROR(config.positive_int("intermediate_size", &c.n_ff));
  QKV_RETURN_IF_ERROR(config.positive_int_or("max_position_embeddings", 512, &c.n_ctx));
  if (is_roberta(config.architecture())) QKV_RETURN_IF_ERROR(read_roberta_positions(config, c.n_ctx, &c));
  QKV_RETURN_IF_ERROR(config.positive_int_or("type_vocab_size", 2, &c.n_token_types));
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("layer_norm_eps", 1e-12, &eps));
  c.layer_norm_eps = static_cast<float>(eps);
  QKV_RETURN_IF_ERROR(read_gelu(config, "hidden_act", "BERT", &c.gelu_tanh));
  std::string position_type;
  QKV_RETURN_IF_ERROR(config.string_or("position_embedding_type", "absolute", &position_type));
  if (position_type != "absolute") {
    return Status::unsupported(config.document() + ": position_embedding_type \"" + position_type +
                               "\" (qkv's BERT runs absolute positions)");
  }
  bool is_decoder = false;  // RobertaForCausalLM: a causal mask qkv's encoder does not apply
  QKV_RETURN_IF_ERROR(config.bool_or("is_decoder", false, &is_decoder));
  if (is_decoder) {
    return Status::unsupported(config.document() +
                               ": is_decoder is true (qkv's BERT runs the bidirectional encoder)");
  }
  size_t head_dim = 0;
  QKV_RETURN_IF_ERROR(
      head_dim_of(config, "hidden_size", c.n_embd, "num_attention_heads", c.n_head, &head_dim));
  QKV_RETURN_IF_ERROR(read_classifier(config, &c));
  QKV_RETURN_IF_ERROR(read_masked_lm(config, &c));
  *out = c;
  return Status::ok_status();
}

BertModel::BertModel(const BertConfig& c)
    : config_(c),
      layers_(c.n_layer),
      classifier_(c.classifier, c.n_embd, c.n_labels),
      token_classifier_(c.classifier, c.n_embd, c.n_labels),
      mlm_head_(c.mlm) {
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff
  dims_ = {c.n_vocab, c.n_ctx, c.n_embd, c.n_layer, c.n_head, c.n_head, c.n_embd / c.n_head, c.n_ff};
}

namespace {

// What each checkpoint calls a layer's tensors (after "encoder.layer.N." / "transformer.layer.N.").
struct BertNames {
  const char *layers, *query, *key, *value, *attn_out, *attn_norm, *intermediate, *output, *out_norm;
};
constexpr BertNames kBertNames = {
    "encoder.layer.",       "attention.self.query",   "attention.self.key",
    "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
    "intermediate.dense",   "output.dense",           "output.LayerNorm"};
constexpr BertNames kDistilBertNames = {"transformer.layer.", "attention.q_lin",   "attention.k_lin",
                                        "attention.v_lin",    "attention.out_lin", "sa_layer_norm",
                                        "ffn.lin1",           "ffn.lin2",          "output_layer_norm"};

}  // namespace

std::vector<TensorSlot> BertModel::slots() {
  const BertConfig& c = config_;
  const BertNames& n = c.distilbert ? kDistilBertNames : kBertNames;
  const size_t e = c.n_embd;
  std::vector<TensorSlot> s;
  auto linear = [&](const std::string& name, size_t n_out, size_t n_in, Linear* layer) {
    add_linear_slots(&s, name, n_out, n_in, layer, true);
  };
  auto norm = [&](const std::string& name, const float** gain, const float** bias) {
    add_norm_slots(&s, name, e, gain, bias);
  };
  add_embedding_slot(
      &s, "embeddings.word_embeddings.weight", c.n_vocab, e, &word_embeddings_,
      c.masked_lm && c.mlm.tied ? TensorSlot::Role::kTiedEmbedding : TensorSlot::Role::kEmbedding);
  // DistilBERT's sinusoidal_pos_embds tables are saved in the checkpoint like learned ones.
  add_table_slot(&s, "embeddings.position_embeddings.weight", c.position_offset + c.n_ctx, e,
                 &position_embeddings_);
  if (c.n_token_types > 0) {
    add_table_slot(&s, "embeddings.token_type_embeddings.weight", c.n_token_types, e,
                   &token_type_embeddings_);
  }
  norm("embeddings.LayerNorm", &embed_norm_g_, &embed_norm_b_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    BertLayer& l = layers_[i];
    const std::string p = n.layers + std::to_string(i) + ".";
    linear(p + n.query, e, e, &l.query);
    linear(p + n.key, e, e, &l.key);
    linear(p + n.value, e, e, &l.value);
    linear(p + n.attn_out, e, e, &l.attn_out);
    norm(p + n.attn_norm, &l.attn_norm_g, &l.attn_norm_b);
    linear(p + n.intermediate, c.n_ff, e, &l.intermediate);
    linear(p + n.output, e, c.n_ff, &l.output);
    norm(p + n.out_norm, &l.out_norm_g, &l.out_norm_b);
  }
  classifier_.add_slots(&s);
  token_classifier_.add_slots(&s);
  if (c.masked_lm) mlm_head_.add_slots(&s, &word_embeddings_);
  return s;
}

// qkv, attn, tmp and ff of encode(), for `tokens` tokens.
size_t BertModel::scratch_bytes(size_t tokens) const {
  const size_t e = dims_.n_embd;
  return Arena::bytes_for<float>(tokens * 3 * e) + 2 * Arena::bytes_for<float>(tokens * e) +
         Arena::bytes_for<float>(tokens * config_.n_ff);
}

Status BertModel::embed(ThreadPool* pool, const EncodeRequest& r, size_t total, float* x) const {
  const size_t e = dims_.n_embd;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(word_embeddings_.w, r.ids, total, x));
  size_t t = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) {
    for (size_t pos = 0; pos < r.lengths[s]; ++pos, ++t) {
      const size_t type = r.token_types != nullptr ? static_cast<size_t>(r.token_types[t]) : 0;
      f32_add_ukernel__simd(e, x + t * e, position_embeddings_ + (config_.position_offset + pos) * e,
                            x + t * e);
      if (token_type_embeddings_ != nullptr) {
        f32_add_ukernel__simd(e, x + t * e, token_type_embeddings_ + type * e, x + t * e);
      }
    }
  }
  return f32_layernorm_rows(pool, total, e, x, embed_norm_g_, embed_norm_b_, config_.layer_norm_eps, x);
}

Status BertModel::encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& r) const {
  size_t total = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) total += r.lengths[s];
  const size_t e = dims_.n_embd;
  float* qkv = scratch.alloc<float>(total * 3 * e);
  float* attn = scratch.alloc<float>(total * e);
  float* tmp = scratch.alloc<float>(total * e);
  float* ff = scratch.alloc<float>(total * config_.n_ff);
  if (qkv == nullptr || attn == nullptr || tmp == nullptr || ff == nullptr) {
    return Status::internal("encode: scratch arena smaller than scratch_bytes(" + std::to_string(total) +
                            ")");
  }
  float* x = r.hidden;
  QKV_RETURN_IF_ERROR(embed(pool, r, total, x));

  for (size_t l = 0; l < dims_.n_layer; ++l) {
    const BertLayer& layer = layers_[l];
    QKV_RETURN_IF_ERROR(linear_into(pool, total, x, layer.query, qkv, 3 * e));
    QKV_RETURN_IF_ERROR(linear_into(pool, total, x, layer.key, qkv + e, 3 * e));
    QKV_RETURN_IF_ERROR(linear_into(pool, total, x, layer.value, qkv + 2 * e, 3 * e));
    QKV_RETURN_IF_ERROR(encoder_self_attention(pool, dims_, r, l, qkv, 0, attn));
    // From here on each row is on its own: the last layer runs only the rows read.
    const size_t rows = l + 1 == dims_.n_layer ? gather_rows_read(r, total, e, x, attn) : total;
    QKV_RETURN_IF_ERROR(linear(pool, rows, attn, layer.attn_out, tmp));
    f32_add_ukernel__simd(rows * e, x, tmp, x);
    QKV_RETURN_IF_ERROR(f32_layernorm_rows(pool, rows, e, x, layer.attn_norm_g, layer.attn_norm_b,
                                           config_.layer_norm_eps, x));

    QKV_RETURN_IF_ERROR(linear(pool, rows, x, layer.intermediate, ff));
    if (config_.gelu_tanh) {
      f32_gelu_tanh_ukernel__simd(rows * config_.n_ff, ff, ff);
    } else {
      f32_gelu_erf_ukernel__simd(rows * config_.n_ff, ff, ff);
    }
    QKV_RETURN_IF_ERROR(linear(pool, rows, ff, layer.output, tmp));
    f32_add_ukernel__simd(rows * e, x, tmp, x);
    QKV_RETURN_IF_ERROR(
        f32_layernorm_rows(pool, rows, e, x, layer.out_norm_g, layer.out_norm_b, config_.layer_norm_eps, x));
  }
  scatter_rows_read(r, e, x);
  return Status::ok_status();
}

}  // namespace qkv
