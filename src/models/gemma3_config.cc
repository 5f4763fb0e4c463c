// Gemma3Config::from_config: the keys of transformers' Gemma3TextConfig and
// their defaults, the layer kinds its layer_types (or the older
// sliding_window_pattern) name, and the rotary embeddings of each kind as
// both config layouts give them: rope_theta / rope_local_base_freq /
// rope_scaling (transformers 4.50 - 4.57) and rope_parameters per layer kind
// (transformers 5), merged as Gemma3TextConfig.convert_rope_params_to_dict
// does.
#include <cmath>
#include <string>
#include <vector>

#include "models/config_checks.h"
#include "models/gemma3.h"

namespace qkv {
namespace {

constexpr const char* kArchitecture = "Gemma3ForCausalLM";
constexpr const char* kModelType = "gemma3_text";
constexpr const char* kBaseArchitecture = "Gemma3TextModel";  // EmbeddingGemma

// Gemma3TextConfig's defaults (the values of its __init__ signature).
constexpr size_t kDefaultVocab = 262208;
constexpr size_t kDefaultHidden = 2304;
constexpr size_t kDefaultIntermediate = 9216;
constexpr size_t kDefaultLayers = 26;
constexpr size_t kDefaultHeads = 8;
constexpr size_t kDefaultKvHeads = 4;
constexpr size_t kDefaultHeadDim = 256;
constexpr size_t kDefaultPositions = 131072;
constexpr double kDefaultEps = 1e-6;
constexpr double kDefaultQueryPreAttnScalar = 256;
constexpr size_t kDefaultSlidingWindow = 4096;
constexpr size_t kDefaultSlidingWindowPattern = 6;
constexpr double kDefaultRopeTheta = 1000000.0;     // full_attention layers
constexpr double kDefaultRopeLocalTheta = 10000.0;  // sliding_attention layers

// One kind of layer's rotary embedding. transformers 5 starts from
// rope_parameters[kind] ({"rope_type": "default"} when absent), updates the
// full layers' with rope_scaling, and fills a missing rope_theta from the
// top-level key (rope_theta / rope_local_base_freq) or its default; older
// versions read the same values from the top-level keys. `params` and
// `scaling` may be null.
Status read_rope(const ConfigReader& config, const JsonValue* params, const std::string& params_name,
                 const JsonValue* scaling, const char* theta_key, double theta_default, Gemma3Rope* out) {
  // A key of the merged dict, rope_scaling's first, and the name it is reported under.
  auto lookup = [&](const char* key, std::string* name) -> const JsonValue* {
    if (scaling != nullptr) {
      if (const JsonValue* v = scaling->find_set(key)) {
        *name = std::string("rope_scaling.") + key;
        return v;
      }
    }
    if (params != nullptr) {
      if (const JsonValue* v = params->find_set(key)) {
        *name = params_name + "." + key;
        return v;
      }
    }
    return nullptr;
  };
  auto positive = [&](const JsonValue& v, const std::string& name, double* x) {
    const auto d = v.as_double();
    if (!d || !(*d > 0) || !std::isfinite(*d)) {
      return config.bad(name, "must be a positive number, found " + v.describe());
    }
    *x = *d;
    return Status::ok_status();
  };
  Gemma3Rope r;
  std::string name;
  if (const JsonValue* theta = lookup("rope_theta", &name)) {
    QKV_RETURN_IF_ERROR(positive(*theta, name, &r.theta));
  } else {
    QKV_RETURN_IF_ERROR(config.positive_number_or(theta_key, theta_default, &r.theta));
  }
  // "type" is the key's older name; "rope_type" wins when both are there.
  const JsonValue* type = lookup("rope_type", &name);
  if (type == nullptr) type = lookup("type", &name);
  std::string type_name = "default";
  if (type != nullptr) {
    if (!type->is_string()) return config.bad(name, "must be a string, found " + type->describe());
    type_name = std::string(*type->as_string());
  }
  if (type_name == "linear") {
    const JsonValue* factor = lookup("factor", &name);
    if (factor == nullptr) {
      return config.bad(scaling != nullptr ? "rope_scaling.factor" : params_name + ".factor", "is missing");
    }
    QKV_RETURN_IF_ERROR(positive(*factor, name, &r.linear_factor));
  } else if (type_name != "default") {
    return Status::unsupported(config.document() + ": " + name + " \"" + type_name +
                               "\" (qkv runs Gemma 3's \"default\" and \"linear\" rotary embeddings)");
  }
  *out = r;
  return Status::ok_status();
}

// layer_types when given (each "full_attention" or "sliding_attention"),
// else Gemma3TextConfig's rule from sliding_window_pattern: layer i slides
// unless (i + 1) is a multiple of the pattern.
Status read_layer_kinds(const ConfigReader& config, size_t n_layer, std::vector<bool>* sliding) {
  sliding->assign(n_layer, false);
  const JsonValue* types = config.root().find_set("layer_types");
  if (types == nullptr) {
    size_t pattern = 0;
    QKV_RETURN_IF_ERROR(
        config.positive_int_or("sliding_window_pattern", kDefaultSlidingWindowPattern, &pattern));
    for (size_t i = 0; i < n_layer; ++i) (*sliding)[i] = (i + 1) % pattern != 0;
    return Status::ok_status();
  }
  // A sliding layer without a window is refused after, naming sliding_window.
  return read_layer_types(config, *types, n_layer, nullptr, sliding);
}

Status read_windows(const ConfigReader& config, Gemma3Config& c) {
  QKV_RETURN_IF_ERROR(read_layer_kinds(config, c.n_layer, &c.sliding));
  size_t first_sliding = c.n_layer;
  for (size_t i = c.n_layer; i-- > 0;) {
    if (c.sliding[i]) first_sliding = i;
  }
  c.sliding_window = 0;
  c.layer_windows.clear();
  if (first_sliding == c.n_layer) return Status::ok_status();
  const JsonValue* v = config.root().find("sliding_window");
  if (v != nullptr && v->is_null()) {
    // transformers builds no sliding mask without a window.
    return config.bad("sliding_window", "is null but layer " + std::to_string(first_sliding) +
                                            " is a \"sliding_attention\" layer");
  }
  QKV_RETURN_IF_ERROR(
      config.positive_int_or("sliding_window", kDefaultSlidingWindow, &c.sliding_window, size_t{1} << 30));
  // A window of at least the context masks nothing: no layer's cache compacts.
  if (c.sliding_window >= c.n_ctx) return Status::ok_status();
  c.layer_windows.resize(c.n_layer, 0);
  for (size_t i = 0; i < c.n_layer; ++i) c.layer_windows[i] = c.sliding[i] ? c.sliding_window : 0;
  return Status::ok_status();
}

Status read_ropes(const ConfigReader& config, Gemma3Config& c) {
  const JsonValue* params = config.root().find_set("rope_parameters");
  const JsonValue* full = nullptr;
  const JsonValue* local = nullptr;
  if (params != nullptr) {
    if (!params->is_object()) {
      return config.bad("rope_parameters", "must be an object or null, found " + params->describe());
    }
    full = params->find_set("full_attention");
    local = params->find_set("sliding_attention");
    if (full == nullptr && local == nullptr) {
      return config.bad("rope_parameters",
                        "must hold the \"full_attention\" and \"sliding_attention\" layers' parameters");
    }
    for (const auto& [entry, name] : {std::pair{full, "rope_parameters.full_attention"},
                                      std::pair{local, "rope_parameters.sliding_attention"}}) {
      if (entry != nullptr && !entry->is_object()) {
        return config.bad(name, "must be an object, found " + entry->describe());
      }
    }
  }
  const JsonValue* scaling = config.root().find_set("rope_scaling");
  if (scaling != nullptr && !scaling->is_object()) {
    return config.bad("rope_scaling", "must be an object or null, found " + scaling->describe());
  }
  QKV_RETURN_IF_ERROR(read_rope(config, full, "rope_parameters.full_attention", scaling, "rope_theta",
                                kDefaultRopeTheta, &c.rope_global));
  return read_rope(config, local, "rope_parameters.sliding_attention", nullptr, "rope_local_base_freq",
                   kDefaultRopeLocalTheta, &c.rope_local);
}

}  // namespace

bool is_gemma3_text(const std::string& architecture) {
  return architecture == kArchitecture || architecture == kModelType || architecture == kBaseArchitecture;
}

Status Gemma3Config::from_config(const ConfigReader& config, Gemma3Config* out) {
  if (!is_gemma3_text(config.architecture()))
    return Status::internal("Gemma3Config: not a Gemma 3 text config");
  Gemma3Config c;
  QKV_RETURN_IF_ERROR(config.positive_int_or("vocab_size", kDefaultVocab, &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int_or("hidden_size", kDefaultHidden, &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int_or("intermediate_size", kDefaultIntermediate, &c.n_ff));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_hidden_layers", kDefaultLayers, &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_attention_heads", kDefaultHeads, &c.n_head));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_key_value_heads", kDefaultKvHeads, &c.n_head_kv));
  QKV_RETURN_IF_ERROR(config.positive_int_or("head_dim", kDefaultHeadDim, &c.head_dim));
  QKV_RETURN_IF_ERROR(check_head_dim(config, c.head_dim));
  QKV_RETURN_IF_ERROR(config.positive_int_or("max_position_embeddings", kDefaultPositions, &c.n_ctx));
  if (c.n_head % c.n_head_kv != 0) {
    return config.bad(
        "num_key_value_heads",
        std::to_string(c.n_head_kv) + " does not divide num_attention_heads " + std::to_string(c.n_head));
  }
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("rms_norm_eps", kDefaultEps, &eps));
  c.rms_norm_eps = static_cast<float>(eps);
  QKV_RETURN_IF_ERROR(config.positive_number_or("query_pre_attn_scalar", kDefaultQueryPreAttnScalar,
                                                &c.query_pre_attn_scalar));
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or("hidden_activation", "gelu_pytorch_tanh", &act));
  // Both names are transformers' tanh approximation of GELU.
  if (act != "gelu_pytorch_tanh" && act != "gelu_new") {
    return Status::unsupported(config.document() + ": hidden_activation \"" + act +
                               "\" (qkv's Gemma 3 MLP is GeGLU with gelu_pytorch_tanh)");
  }
  if (config.root().find_set("attn_logit_softcapping") != nullptr) {
    return Status::unsupported(
        config.document() + ": attn_logit_softcapping (Gemma 2's capped attention scores; Gemma 3 has none)");
  }
  if (config.root().find_set("final_logit_softcapping") != nullptr) {
    double cap = 0;
    QKV_RETURN_IF_ERROR(config.positive_number_or("final_logit_softcapping", 1.0, &cap));
    c.final_logit_softcapping = static_cast<float>(cap);
  }
  QKV_RETURN_IF_ERROR(config.bool_or("use_bidirectional_attention", false, &c.bidirectional));
  c.base_model = config.architecture() == kBaseArchitecture;
  QKV_RETURN_IF_ERROR(config.bool_or("attention_bias", false, &c.attention_bias));
  QKV_RETURN_IF_ERROR(config.bool_or("tie_word_embeddings", true, &c.tied_embeddings));
  QKV_RETURN_IF_ERROR(config.bool_or("norm_weights_include_one", false, &c.norm_weights_include_one));
  QKV_RETURN_IF_ERROR(read_windows(config, c));
  if (c.bidirectional && c.sliding_window != 0) {
    // Gemma3TextConfig: sliding_window = sliding_window // 2 + 1 ("due to fa
    // we set exclusive bounds"), then the mask keeps |q_idx - kv_idx| < it.
    const size_t half = c.sliding_window / 2 + 1;
    c.bidirectional_window = half < c.n_ctx ? half : 0;
    c.layer_windows.clear();  // no causal session runs on a bidirectional model
  }
  QKV_RETURN_IF_ERROR(read_ropes(config, c));
  *out = c;
  return Status::ok_status();
}

}  // namespace qkv
