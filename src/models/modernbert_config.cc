// ModernBertConfig::from_config: the keys of transformers' ModernBertConfig
// and their defaults. Two per-layer patterns come from it, as
// modeling_modernbert.py reads them: the window from
// layer_id % global_attn_every_n_layers (ModernBertAttention), the RoPE base
// from layer_types (ModernBertRotaryEmbedding; by default the same pattern).
// The bases are global_rope_theta / local_rope_theta, or transformers 5's
// rope_parameters per layer kind, whose rope_theta wins
// (convert_rope_params_to_dict).
#include <cmath>
#include <string>

#include "models/config_checks.h"
#include "models/modernbert.h"

namespace qkv {
namespace {

// ModernBertConfig's defaults (the values of its __init__ signature).
constexpr size_t kDefaultVocab = 50368;
constexpr size_t kDefaultHidden = 768;
constexpr size_t kDefaultIntermediate = 1152;
constexpr size_t kDefaultLayers = 22;
constexpr size_t kDefaultHeads = 12;
constexpr size_t kDefaultPositions = 8192;
constexpr double kDefaultNormEps = 1e-5;
constexpr size_t kDefaultLocalAttention = 128;
constexpr size_t kDefaultGlobalEvery = 3;
constexpr double kDefaultGlobalTheta = 160000.0;  // default_theta["global"]
constexpr double kDefaultLocalTheta = 10000.0;    // default_theta["local"]

// A rope_type (or older "type") other than "default" in `object`, named `name`, is refused.
Status check_default_rope(const ConfigReader& config, const JsonValue* object, const std::string& name) {
  if (object == nullptr) return Status::ok_status();
  if (!object->is_object()) return config.bad(name, "must be an object or null, found " + object->describe());
  for (const char* key : {"rope_type", "type"}) {
    const JsonValue* type = object->find_set(key);
    if (type == nullptr) continue;
    if (!type->is_string())
      return config.bad(name + "." + key, "must be a string, found " + type->describe());
    if (*type->as_string() != "default") {
      return Status::unsupported(config.document() + ": " + name + "." + key + " \"" +
                                 std::string(*type->as_string()) +
                                 "\" (qkv runs ModernBERT's \"default\" rotary embeddings)");
    }
  }
  return Status::ok_status();
}

// One layer kind's RoPE base: rope_parameters[kind].rope_theta, else the
// top-level key, else the default. `params` may be null.
Status read_theta(const ConfigReader& config, const JsonValue* params, const char* kind, const char* key,
                  double fallback, double* theta) {
  const std::string name = std::string("rope_parameters.") + kind;
  const JsonValue* entry = params != nullptr ? params->find_set(kind) : nullptr;
  QKV_RETURN_IF_ERROR(check_default_rope(config, entry, name));
  if (const JsonValue* v = entry != nullptr ? entry->find_set("rope_theta") : nullptr) {
    const auto d = v->as_double();
    if (!d || !(*d > 0) || !std::isfinite(*d)) {
      return config.bad(name + ".rope_theta", "must be a positive number, found " + v->describe());
    }
    *theta = *d;
    return Status::ok_status();
  }
  return config.positive_number_or(key, fallback, theta);
}

Status read_ropes(const ConfigReader& config, ModernBertConfig* c) {
  QKV_RETURN_IF_ERROR(check_default_rope(config, config.root().find_set("rope_scaling"), "rope_scaling"));
  const JsonValue* params = config.root().find_set("rope_parameters");
  if (params != nullptr && !params->is_object()) {
    return config.bad("rope_parameters", "must be an object or null, found " + params->describe());
  }
  QKV_RETURN_IF_ERROR(read_theta(config, params, "full_attention", "global_rope_theta", kDefaultGlobalTheta,
                                 &c->global_rope_theta));
  // transformers < 5 ran local layers at global_rope_theta when local_rope_theta was null.
  const JsonValue* local = config.root().find("local_rope_theta");
  const double local_fallback =
      local != nullptr && local->is_null() ? c->global_rope_theta : kDefaultLocalTheta;
  return read_theta(config, params, "sliding_attention", "local_rope_theta", local_fallback,
                    &c->local_rope_theta);
}

// An ACT2FN name of a GELU: erf (gelu, gelu_python) or tanh (gelu_new, gelu_pytorch_tanh).
Status read_gelu(const ConfigReader& config, const char* key, bool* tanh) {
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or(key, "gelu", &act));
  if (act == "gelu" || act == "gelu_python" || act == "gelu_new" || act == "gelu_pytorch_tanh") {
    *tanh = act == "gelu_new" || act == "gelu_pytorch_tanh";
    return Status::ok_status();
  }
  return Status::unsupported(config.document() + ": " + key + " \"" + act +
                             "\" (qkv's ModernBERT runs gelu, gelu_python, gelu_new and gelu_pytorch_tanh)");
}

// ModernBertForMaskedLM's head: ModernBertPredictionHead and the decoder.
Status read_mlm_head(const ConfigReader& config, ModernBertConfig* c) {
  c->masked_lm = config.architecture() == "ModernBertForMaskedLM";
  MaskedLmConfig& m = c->mlm;  // ModernBERT's names are MaskedLmConfig's defaults
  m.n_embd = c->n_embd;
  m.n_vocab = c->n_vocab;
  m.norm_eps = c->norm_eps;
  m.norm_bias = c->norm_bias;
  QKV_RETURN_IF_ERROR(config.bool_or("classifier_bias", false, &m.dense_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("decoder_bias", true, &m.decoder_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("tie_word_embeddings", true, &m.tied));
  return read_gelu(config, "classifier_activation", &m.gelu_tanh);
}

Status read_layer_patterns(const ConfigReader& config, ModernBertConfig* c) {
  size_t every = 0;
  QKV_RETURN_IF_ERROR(config.positive_int_or("global_attn_every_n_layers", kDefaultGlobalEvery, &every));
  c->local.assign(c->n_layer, false);
  for (size_t i = 0; i < c->n_layer; ++i) c->local[i] = i % every != 0;
  QKV_RETURN_IF_ERROR(config.positive_int_or("local_attention", kDefaultLocalAttention, &c->local_attention));
  // An odd width is halved down, as transformers does (sliding_window = local_attention // 2).
  const JsonValue* types = config.root().find_set("layer_types");
  if (types == nullptr) {
    c->local_rope = c->local;
    return Status::ok_status();
  }
  return read_layer_types(config, *types, c->n_layer, nullptr, &c->local_rope);
}

}  // namespace

bool is_modernbert(const std::string& a) {
  return a == "ModernBertModel" || a == "modernbert" || a.rfind("ModernBertFor", 0) == 0;
}

Status ModernBertConfig::from_config(const ConfigReader& config, ModernBertConfig* out) {
  ModernBertConfig c;
  QKV_RETURN_IF_ERROR(config.positive_int_or("vocab_size", kDefaultVocab, &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int_or("hidden_size", kDefaultHidden, &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int_or("intermediate_size", kDefaultIntermediate, &c.n_ff));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_hidden_layers", kDefaultLayers, &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_attention_heads", kDefaultHeads, &c.n_head));
  QKV_RETURN_IF_ERROR(config.positive_int_or("max_position_embeddings", kDefaultPositions, &c.n_ctx));
  size_t head_dim = 0;
  QKV_RETURN_IF_ERROR(
      head_dim_of(config, "hidden_size", c.n_embd, "num_attention_heads", c.n_head, &head_dim));
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("norm_eps", kDefaultNormEps, &eps));
  c.norm_eps = static_cast<float>(eps);
  QKV_RETURN_IF_ERROR(config.bool_or("norm_bias", false, &c.norm_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("attention_bias", false, &c.attention_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("mlp_bias", false, &c.mlp_bias));
  QKV_RETURN_IF_ERROR(read_gelu(config, "hidden_activation", &c.gelu_tanh));
  QKV_RETURN_IF_ERROR(read_layer_patterns(config, &c));
  QKV_RETURN_IF_ERROR(read_ropes(config, &c));
  QKV_RETURN_IF_ERROR(config.string_or("classifier_pooling", "cls", &c.classifier_pooling));
  if (c.classifier_pooling != "cls" && c.classifier_pooling != "mean") {
    return config.bad("classifier_pooling",
                      "must be \"cls\" or \"mean\", found \"" + c.classifier_pooling + "\"");
  }
  QKV_RETURN_IF_ERROR(read_mlm_head(config, &c));
  c.classifier = classifier_kind_of(config.architecture());
  if (c.classifier != ClassifierKind::kNone) {
    QKV_RETURN_IF_ERROR(read_head_labels(config, c.classifier, &c.n_labels));
  }
  *out = c;
  return Status::ok_status();
}

}  // namespace qkv
