#include "models/llama.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-attn/attn.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"
#include "kernels/f32-rope/rope.h"
#include "kernels/f32-swiglu/swiglu.h"
#include "kernels/gemm/gemm.h"
#include "models/config_checks.h"
#include "models/decoder_steps.h"
#include "models/qk_norm.h"

namespace qkv {
namespace {

// How a config names its sliding-window layers (read_sliding_windows).
enum class WindowRule { kNone, kEveryLayer, kQwen2, kSmolLM3 };

// What each architecture's config class assumes when a key is absent
// (transformers' LlamaConfig, Qwen2Config, MistralConfig, Qwen3Config,
// SmolLM3Config defaults) and what its modeling file builds whatever the
// config says.
struct ArchitectureDefaults {
  const char* name;
  const char* model_type;  // what configs without "architectures" say
  size_t max_position_embeddings;
  double rms_norm_eps;
  double rope_theta;
  size_t head_dim;  // 0: hidden_size / num_attention_heads unless the config gives one
  bool tie_word_embeddings;
  bool qkv_bias_always;  // Qwen2 has q/k/v biases whatever the config says
  bool reads_mlp_bias;   // Qwen2's, Mistral's and Qwen3's MLPs never have biases
  bool qk_norm;          // Qwen3: q_norm / k_norm over each head before RoPE
  bool no_rope_layers;   // SmolLM3: no_rope_layers names the layers without RoPE
  WindowRule windows;
};

constexpr ArchitectureDefaults kArchitectures[] = {
    {"LlamaForCausalLM", "llama", 2048, 1e-6, 1e4, 0, false, false, true, false, false, WindowRule::kNone},
    {"Qwen2ForCausalLM", "qwen2", 32768, 1e-6, 1e4, 0, false, true, false, false, false, WindowRule::kQwen2},
    {"MistralForCausalLM", "mistral", 4096 * 32, 1e-6, 1e4, 0, false, false, false, false, false,
     WindowRule::kEveryLayer},
    // Qwen3Config reads its windows as Qwen2Config does.
    {"Qwen3ForCausalLM", "qwen3", 32768, 1e-6, 1e4, 128, false, false, false, true, false,
     WindowRule::kQwen2},
    {"SmolLM3ForCausalLM", "smollm3", 32768, 1e-6, 2e6, 0, true, false, true, false, true,
     WindowRule::kSmolLM3},
};

// Members of the rope_scaling (or rope_parameters) object are read with
// find_set (absent or null alike, as for top-level keys); the readers below
// name them "<object>.<key>" in messages.
Status scaling_number(const ConfigReader& config, const JsonValue& scaling, const std::string& object,
                      const char* key, double* out) {
  const std::string name = object + "." + key;
  const JsonValue* v = scaling.find_set(key);
  if (v == nullptr) return config.bad(name, "is missing");
  const auto x = v->as_double();
  if (!x || !(*x > 0) || !std::isfinite(*x))
    return config.bad(name, "must be a positive number, found " + v->describe());
  *out = *x;
  return Status::ok_status();
}

Status scaling_int(const ConfigReader& config, const JsonValue& scaling, const std::string& object,
                   const char* key, size_t max, size_t* out) {
  const std::string name = object + "." + key;
  const JsonValue* v = scaling.find_set(key);
  if (v == nullptr) return config.bad(name, "is missing");
  const auto n = v->as_uint64();
  if (!n || *n == 0 || *n > max) {
    return config.bad(name,
                      "must be a positive integer up to " + std::to_string(max) + ", found " + v->describe());
  }
  *out = static_cast<size_t>(*n);
  return Status::ok_status();
}

// The keys transformers' _validate_llama3_parameters requires.
Status read_llama3_scaling(const ConfigReader& config, const JsonValue& scaling, const std::string& object,
                           RopeLlama3Scaling* out) {
  RopeLlama3Scaling s;
  QKV_RETURN_IF_ERROR(scaling_number(config, scaling, object, "factor", &s.factor));
  QKV_RETURN_IF_ERROR(scaling_number(config, scaling, object, "low_freq_factor", &s.low_freq_factor));
  QKV_RETURN_IF_ERROR(scaling_number(config, scaling, object, "high_freq_factor", &s.high_freq_factor));
  if (!(s.high_freq_factor > s.low_freq_factor)) {
    return config.bad(object + ".high_freq_factor", "must be greater than low_freq_factor " +
                                                        format_double(s.low_freq_factor) + ", found " +
                                                        format_double(s.high_freq_factor));
  }
  // Up to 2^24: the length is a float32 operand of the formula.
  QKV_RETURN_IF_ERROR(scaling_int(config, scaling, object, "original_max_position_embeddings",
                                  size_t{1} << 24, &s.original_max_position_embeddings));
  *out = s;
  return Status::ok_status();
}

// partial_rotary_factor, which transformers reads from the rope_scaling /
// rope_parameters object or else from the top level (>= 5 copies a top-level
// key into rope_parameters unless that has its own). These architectures'
// apply_rotary_pos_emb rotates every dim of a head, and their default
// rotary embeddings take the frequencies over the whole head whatever the
// factor says (>= 5), so only rope_type "llama3" uses it: its frequencies
// are computed over int(head_dim * factor) dims, and cos / sin still have to
// cover the whole head. A factor that keeps all head_dim dims changes
// nothing; any other value is refused by name, since transformers fails on
// it (cos / sin narrower or wider than the head) or, for int() = head_dim - 1,
// takes the frequencies over an odd width that qkv does not compute.
Status check_llama3_rotary_factor(const ConfigReader& config, const JsonValue& scaling,
                                  const std::string& object, const LlamaConfig& c) {
  const size_t head_dim = c.head_dim;
  std::string name = object + ".partial_rotary_factor";
  const JsonValue* v = scaling.find_set("partial_rotary_factor");
  if (v == nullptr) {
    name = "partial_rotary_factor";
    v = config.root().find(name);
    if (v == nullptr || v->is_null()) return Status::ok_status();
  }
  const std::optional<double> factor = v->as_double();
  if (!factor) return config.bad(name, "must be a number, found " + v->describe());
  const double dims = static_cast<double>(head_dim) * *factor;
  if (dims >= static_cast<double>(head_dim) && dims < static_cast<double>(head_dim + 1))
    return Status::ok_status();
  return Status::unsupported(config.document() + ": " + name + " " + format_double(*factor) +
                             " with rope_scaling of type \"llama3\": transformers " +
                             "takes the frequencies over int(head_dim * partial_rotary_factor) dims and " +
                             c.architecture + " rotates all " + std::to_string(head_dim) +
                             " dims of a head (qkv runs the factors that keep the whole head)");
}

// rope_theta and rope_scaling, or rope_parameters as transformers >= 5
// writes them ({"rope_type", "rope_theta", ...} in one object; its
// convert_rope_params_to_dict prefers a legacy rope_scaling, takes a
// rope_theta inside the object over the top-level one, and a missing
// rope_type means "default").
Status read_rope(const ConfigReader& config, double default_theta, LlamaConfig* c) {
  QKV_RETURN_IF_ERROR(config.positive_number_or("rope_theta", default_theta, &c->rope_theta));
  std::string object = "rope_scaling";
  const JsonValue* scaling = config.root().find(object);
  if (scaling == nullptr || scaling->is_null()) {
    object = "rope_parameters";
    scaling = config.root().find(object);
    if (scaling == nullptr || scaling->is_null()) return Status::ok_status();
  }
  if (!scaling->is_object())
    return config.bad(object, "must be an object or null, found " + scaling->describe());
  const bool parameters = object == "rope_parameters";
  if (parameters) {
    for (const char* layer_type : {"full_attention", "sliding_attention"}) {
      if (scaling->find(layer_type) != nullptr) {
        return Status::unsupported(config.document() + ": rope_parameters per layer type (\"" + layer_type +
                                   "\"); qkv runs one set of rotary parameters for every layer of this "
                                   "architecture");
      }
    }
    if (scaling->find_set("rope_theta") != nullptr)
      QKV_RETURN_IF_ERROR(scaling_number(config, *scaling, object, "rope_theta", &c->rope_theta));
  }
  // "type" is the key's older name, still in many Hub configs; transformers
  // reads "rope_type" first when both are there.
  const char* type_key = scaling->find_set("rope_type") != nullptr ? "rope_type" : "type";
  const JsonValue* type = scaling->find_set(type_key);
  if (type == nullptr && parameters) return Status::ok_status();
  if (type == nullptr) return config.bad(object + ".rope_type", "is missing");
  if (!type->is_string()) {
    return config.bad(object + "." + type_key, "must be a string, found " + type->describe());
  }
  const std::string name(*type->as_string());
  if (name == "default") return Status::ok_status();
  if (name == "llama3") {
    RopeLlama3Scaling llama3;
    QKV_RETURN_IF_ERROR(read_llama3_scaling(config, *scaling, object, &llama3));
    QKV_RETURN_IF_ERROR(check_llama3_rotary_factor(config, *scaling, object, *c));
    c->rope_llama3 = llama3;
    return Status::ok_status();
  }
  return Status::unsupported(config.document() + ": " + object + " of type \"" + name +
                             "\" (qkv runs the default rotary embeddings and those of type \"llama3\")");
}

// sliding_window as MistralConfig and Qwen2Config read it: absent, their
// default of 4096 keys; null, no window (0).
constexpr size_t kDefaultSlidingWindow = 4096;
constexpr uint64_t kDefaultMaxWindowLayers = 28;  // Qwen2Config's

Status read_window_size(const ConfigReader& config, size_t* out) {
  const JsonValue* v = config.root().find("sliding_window");
  if (v == nullptr) {
    *out = kDefaultSlidingWindow;
    return Status::ok_status();
  }
  *out = 0;
  if (v->is_null()) return Status::ok_status();
  return config.positive_int("sliding_window", out, size_t{1} << 30);
}

// Qwen2Config's layers: layer_types when given names each layer's kind (as
// transformers >= 4.53 writes it); otherwise layers from max_window_layers
// on slide. Either way only when use_sliding_window (default
// false) keeps sliding_window.
Status read_qwen2_sliding_layers(const ConfigReader& config, size_t n_layer, size_t window, bool use_sliding,
                                 std::vector<bool>* sliding) {
  sliding->assign(n_layer, false);
  const JsonValue* types = config.root().find("layer_types");
  if (types != nullptr && !types->is_null()) {
    const char* no_window = window != 0   ? nullptr
                            : use_sliding ? "sliding_window is null"
                                          : "use_sliding_window is false";
    return read_layer_types(config, *types, n_layer, no_window, sliding);
  }
  if (window == 0) return Status::ok_status();
  uint64_t first = kDefaultMaxWindowLayers;
  const JsonValue* v = config.root().find("max_window_layers");
  if (v != nullptr && !v->is_null()) {
    const auto n = v->as_uint64();
    if (!n) return config.bad("max_window_layers", "must be a non-negative integer, found " + v->describe());
    first = *n;
  }
  for (size_t i = 0; i < n_layer; ++i) (*sliding)[i] = i >= first;
  return Status::ok_status();
}

// SmolLM3Config's layers. Its sliding_window has no default (absent or
// null: none) and stays set whatever use_sliding_window says; transformers'
// masks (eager and sdpa attention) slide the layers layer_types names, and
// without layer_types the NoPE layers when use_sliding_window and
// sliding_window are both set.
Status read_smollm3_sliding_layers(const ConfigReader& config, const LlamaConfig& c, size_t* window,
                                   std::vector<bool>* sliding) {
  *window = 0;
  const JsonValue* v = config.root().find("sliding_window");
  if (v != nullptr && !v->is_null())
    QKV_RETURN_IF_ERROR(config.positive_int("sliding_window", window, size_t{1} << 30));
  bool use_sliding = false;
  QKV_RETURN_IF_ERROR(config.bool_or("use_sliding_window", false, &use_sliding));
  const JsonValue* types = config.root().find("layer_types");
  if (types != nullptr && !types->is_null()) {
    // use_sliding true: a "sliding_attention" layer without a window is
    // refused for the window's absence, as masking_utils refuses it.
    return read_qwen2_sliding_layers(config, c.n_layer, *window, true, sliding);
  }
  sliding->assign(c.n_layer, false);
  for (size_t i = 0; i < c.n_layer; ++i) (*sliding)[i] = use_sliding && *window != 0 && !c.rope_layers[i];
  return Status::ok_status();
}

// SmolLM3Config's no_rope_layers: per layer 1 = RoPE, 0 = none (a NoPE
// layer), a list at least num_hidden_layers long (SmolLM3Attention reads
// entry i for layer i); absent or null, every no_rope_layer_interval-th layer
// (default 4: layers 3, 7, 11, ... from 0) is NoPE.
Status read_rope_layers(const ConfigReader& config, LlamaConfig& c) {
  c.rope_layers.assign(c.n_layer, true);
  const JsonValue* list = config.root().find("no_rope_layers");
  if (list == nullptr || list->is_null()) {
    size_t interval = 4;
    QKV_RETURN_IF_ERROR(config.positive_int_or("no_rope_layer_interval", 4, &interval));
    for (size_t i = 0; i < c.n_layer; ++i) c.rope_layers[i] = (i + 1) % interval != 0;
    return Status::ok_status();
  }
  if (!list->is_array() || list->size() < c.n_layer) {
    return config.bad("no_rope_layers",
                      "must be a list of at least num_hidden_layers (" + std::to_string(c.n_layer) +
                          ") entries 0 or 1, found " +
                          (list->is_array() ? std::to_string(list->size()) + " entries" : list->describe()));
  }
  for (size_t i = 0; i < c.n_layer; ++i) {
    const JsonValue& entry = list->at(i);
    const std::optional<uint64_t> n = entry.as_uint64();
    const std::optional<bool> b = entry.as_bool();
    if (b) {
      c.rope_layers[i] = *b;
    } else if (n && *n <= 1) {
      c.rope_layers[i] = *n == 1;
    } else {
      return config.bad("no_rope_layers[" + std::to_string(i) + "]",
                        "must be 0 (no RoPE) or 1 (RoPE), found " + entry.describe());
    }
  }
  return Status::ok_status();
}

// Which layers attend through a sliding window and how wide, as
// transformers' configs and masks decide (a query at i sees keys j <= i with
// i - j < window): MistralConfig slides every layer (it reads neither
// use_sliding_window nor layer_types), Qwen2Config and Qwen3Config the
// layers above, SmolLM3Config its own, and LlamaConfig none. A window of at
// least the context masks nothing and is stored as 0, so the KV cache never
// compacts for it.
Status read_sliding_windows(const ConfigReader& config, WindowRule rule, LlamaConfig& c) {
  c.layer_windows.clear();
  if (rule == WindowRule::kNone) return Status::ok_status();
  size_t window = 0;
  std::vector<bool> sliding(c.n_layer, true);
  if (rule == WindowRule::kEveryLayer) {
    QKV_RETURN_IF_ERROR(read_window_size(config, &window));
  } else if (rule == WindowRule::kSmolLM3) {
    QKV_RETURN_IF_ERROR(read_smollm3_sliding_layers(config, c, &window, &sliding));
  } else {
    bool use_sliding = false;
    QKV_RETURN_IF_ERROR(config.bool_or("use_sliding_window", false, &use_sliding));
    if (use_sliding) QKV_RETURN_IF_ERROR(read_window_size(config, &window));
    QKV_RETURN_IF_ERROR(read_qwen2_sliding_layers(config, c.n_layer, window, use_sliding, &sliding));
  }
  if (window == 0 || window >= c.n_ctx) return Status::ok_status();
  bool any = false;
  for (size_t i = 0; i < c.n_layer; ++i) any |= sliding[i];
  if (!any) return Status::ok_status();
  c.layer_windows.resize(c.n_layer, 0);
  for (size_t i = 0; i < c.n_layer; ++i) c.layer_windows[i] = sliding[i] ? window : 0;
  return Status::ok_status();
}

}  // namespace

bool is_llama_family(const std::string& architecture) {
  for (const ArchitectureDefaults& a : kArchitectures) {
    if (architecture == a.name || architecture == a.model_type) return true;
  }
  return false;
}

Status LlamaConfig::from_config(const ConfigReader& config, LlamaConfig* out) {
  LlamaConfig c;
  const ArchitectureDefaults* arch = nullptr;
  for (const ArchitectureDefaults& a : kArchitectures) {
    if (config.architecture() == a.name || config.architecture() == a.model_type) arch = &a;
  }
  if (arch == nullptr) return Status::internal("LlamaConfig: not a LLaMA-family architecture");
  c.architecture = arch->name;
  QKV_RETURN_IF_ERROR(config.positive_int("vocab_size", &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int("hidden_size", &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int("num_hidden_layers", &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int("num_attention_heads", &c.n_head));
  QKV_RETURN_IF_ERROR(config.positive_int("intermediate_size", &c.n_ff));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_key_value_heads", c.n_head, &c.n_head_kv));
  QKV_RETURN_IF_ERROR(
      config.positive_int_or("max_position_embeddings", arch->max_position_embeddings, &c.n_ctx));
  // Qwen3 / Gemma-style configs give head_dim explicitly (Qwen3Config's
  // default is 128, whatever the width); others imply it.
  const JsonValue* explicit_head_dim = config.root().find("head_dim");
  if (explicit_head_dim != nullptr && !explicit_head_dim->is_null()) {
    QKV_RETURN_IF_ERROR(config.positive_int("head_dim", &c.head_dim));
    QKV_RETURN_IF_ERROR(check_head_dim(config, c.head_dim));
  } else if (arch->head_dim != 0) {
    c.head_dim = arch->head_dim;
  } else {
    QKV_RETURN_IF_ERROR(
        head_dim_of(config, "hidden_size", c.n_embd, "num_attention_heads", c.n_head, &c.head_dim));
  }
  if (c.n_head % c.n_head_kv != 0) {
    return config.bad(
        "num_key_value_heads",
        std::to_string(c.n_head_kv) + " does not divide num_attention_heads " + std::to_string(c.n_head));
  }
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("rms_norm_eps", arch->rms_norm_eps, &eps));
  c.rms_norm_eps = static_cast<float>(eps);
  QKV_RETURN_IF_ERROR(read_rope(config, arch->rope_theta, &c));
  QKV_RETURN_IF_ERROR(config.bool_or("rope_freqs_tensor", false, &c.rope_freqs));
  if (c.rope_freqs && c.rope_llama3) {
    return Status::unsupported(config.document() +
                               ": rope_freqs_tensor with rope_scaling of type \"llama3\" (one or the other)");
  }
  // no_rope_layers before the windows: SmolLM3's default windows follow it.
  if (arch->no_rope_layers) QKV_RETURN_IF_ERROR(read_rope_layers(config, c));
  QKV_RETURN_IF_ERROR(read_sliding_windows(config, arch->windows, c));
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or("hidden_act", "silu", &act));
  if (act != "silu") {
    return Status::unsupported(config.document() + ": hidden_act \"" + act +
                               "\" (qkv's LLaMA MLP is SwiGLU)");
  }
  bool attention_bias = false;
  QKV_RETURN_IF_ERROR(config.bool_or("attention_bias", false, &attention_bias));
  c.qkv_bias = arch->qkv_bias_always || attention_bias;
  c.o_bias = !arch->qkv_bias_always && attention_bias;
  if (arch->reads_mlp_bias) QKV_RETURN_IF_ERROR(config.bool_or("mlp_bias", false, &c.mlp_bias));
  c.qk_norm = arch->qk_norm;
  QKV_RETURN_IF_ERROR(config.bool_or("tie_word_embeddings", arch->tie_word_embeddings, &c.tied_embeddings));
  *out = c;
  return Status::ok_status();
}

LlamaModel::LlamaModel(const LlamaConfig& c) : config_(c), layers_(c.n_layer) {
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff
  dims_ = {c.n_vocab, c.n_ctx, c.n_embd, c.n_layer, c.n_head, c.n_head_kv, c.head_dim, c.n_ff};
  const size_t table_positions = std::min(c.n_ctx, kRopeTablePositions);
  rope_cos_.resize(table_positions * c.head_dim / 2);
  rope_sin_.resize(rope_cos_.size());
  std::vector<float>& inv_freq = rope_inv_freq_;
  inv_freq.resize(c.head_dim / 2);
  rope_default_inv_freq(c.head_dim, c.rope_theta, inv_freq.data());
  if (c.rope_llama3) {
    for (float& f : inv_freq) f = rope_llama3_inv_freq(f, *c.rope_llama3);
  }
  rope_fill_cos_sin_from_inv_freq(table_positions, inv_freq.size(), inv_freq.data(), rope_cos_.data(),
                                  rope_sin_.data());
}

std::vector<TensorSlot> LlamaModel::slots() {
  using K = TensorSlot::Kind;
  const LlamaConfig& c = config_;
  const size_t e = c.n_embd, q = c.n_head * c.head_dim, kv = c.n_head_kv * c.head_dim;
  std::vector<TensorSlot> s;
  s.push_back({"model.embed_tokens.weight",
               {c.n_vocab, e},
               K::kLinearNK,
               &embed_tokens_,
               nullptr,
               c.tied_embeddings ? TensorSlot::Role::kTiedEmbedding : TensorSlot::Role::kEmbedding});
  for (size_t i = 0; i < layers_.size(); ++i) {
    LlamaLayer& l = layers_[i];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    s.push_back({p + "input_layernorm.weight", {e}, K::kF32, nullptr, &l.input_norm});
    add_linear_slots(&s, p + "self_attn.q_proj", q, e, &l.q_proj, c.qkv_bias);
    add_linear_slots(&s, p + "self_attn.k_proj", kv, e, &l.k_proj, c.qkv_bias);
    add_linear_slots(&s, p + "self_attn.v_proj", kv, e, &l.v_proj, c.qkv_bias);
    add_linear_slots(&s, p + "self_attn.o_proj", e, q, &l.o_proj, c.o_bias);
    if (c.qk_norm) {
      s.push_back({p + "self_attn.q_norm.weight", {c.head_dim}, K::kF32, nullptr, &l.q_norm});
      s.push_back({p + "self_attn.k_norm.weight", {c.head_dim}, K::kF32, nullptr, &l.k_norm});
    }
    s.push_back({p + "post_attention_layernorm.weight", {e}, K::kF32, nullptr, &l.post_norm});
    add_linear_slots(&s, p + "mlp.gate_proj", c.n_ff, e, &l.gate_proj, c.mlp_bias);
    add_linear_slots(&s, p + "mlp.up_proj", c.n_ff, e, &l.up_proj, c.mlp_bias);
    add_linear_slots(&s, p + "mlp.down_proj", e, c.n_ff, &l.down_proj, c.mlp_bias);
  }
  s.push_back({"model.norm.weight", {e}, K::kF32, nullptr, &final_norm_});
  if (!c.tied_embeddings)
    s.push_back(
        {"lm_head.weight", {c.n_vocab, e}, K::kLinearNK, &lm_head_, nullptr, TensorSlot::Role::kLmHead});
  if (c.rope_freqs) s.push_back({"rope_freqs.weight", {c.head_dim / 2}, K::kF32, nullptr, &rope_freqs_});
  return s;
}

Status LlamaModel::finish_loading() {
  if (!config_.rope_freqs) return Status::ok_status();
  // llama.cpp's ggml_rope_ext with freq_factors: the angle of pair i is
  // pos * inv_freq[i] / rope_freqs[i].
  std::vector<float>& inv_freq = rope_inv_freq_;
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    const float f = rope_freqs_[i];
    if (!(f > 0) || !std::isfinite(f)) {
      return Status::format("rope_freqs.weight[" + std::to_string(i) + "] is " + std::to_string(f) +
                            ", not a positive finite RoPE frequency factor");
    }
    inv_freq[i] = inv_freq[i] / f;
  }
  rope_fill_cos_sin_from_inv_freq(rope_cos_.size() / inv_freq.size(), inv_freq.size(), inv_freq.data(),
                                  rope_cos_.data(), rope_sin_.data());
  return Status::ok_status();
}

void LlamaModel::apply_rope(size_t n, size_t pos0, float* qkv) const {
  const size_t hd = dims_.head_dim, half = hd / 2;
  const size_t token_stride = (dims_.n_head + 2 * dims_.n_head_kv) * hd;
  const size_t table_positions = rope_cos_.size() / half;
  float cos_row[kAttnMaxHeadDim / 2], sin_row[kAttnMaxHeadDim / 2];
  for (size_t t = 0; t < n; ++t) {
    const float* cos = rope_cos_.data() + (pos0 + t) * half;
    const float* sin = rope_sin_.data() + (pos0 + t) * half;
    if (pos0 + t >= table_positions) {
      // The table's formula for one position (rope_fill_cos_sin_from_inv_freq).
      const float p = static_cast<float>(pos0 + t);
      for (size_t i = 0; i < half; ++i) {
        const double angle = static_cast<float>(p * rope_inv_freq_[i]);
        cos_row[i] = static_cast<float>(std::cos(angle));
        sin_row[i] = static_cast<float>(std::sin(angle));
      }
      cos = cos_row;
      sin = sin_row;
    }
    float* row = qkv + t * token_stride;
    // Query heads then key heads are contiguous: one call rotates both.
    f32_rope_ukernel__simd(dims_.n_head + dims_.n_head_kv, hd, hd, cos, sin, RopeStyle::kHalfSplit, row);
  }
}

Status LlamaModel::forward(ThreadPool* pool, KvCache& cache, Activations& act,
                           const ForwardRequest& r) const {
  const ModelDims& d = dims_;
  const size_t n = r.n, e = d.n_embd, hd = d.head_dim;
  const size_t q_width = d.n_head * hd, kv_width = d.n_head_kv * hd, qkv_stride = q_width + 2 * kv_width;
  QKV_RETURN_IF_ERROR(check_forward_request(d, cache, act, r));

  float* x = act.x.data();
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(embed_tokens_.w, r.ids, n, x));

  for (size_t l = 0; l < d.n_layer; ++l) {
    const LlamaLayer& layer = layers_[l];
    float* xn = act.xn.data();
    float* qkv = act.qkv.data();
    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, layer.input_norm, config_.rms_norm_eps, xn));
    // q, k and v side by side per token, the layout attend() reads.
    QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, layer.q_proj, qkv, qkv_stride));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, layer.k_proj, qkv + q_width, qkv_stride));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, layer.v_proj, qkv + q_width + kv_width, qkv_stride));
    if (config_.qk_norm) {
      QKV_RETURN_IF_ERROR(norm_qk_heads(pool, d, n, layer.q_norm, layer.k_norm, config_.rms_norm_eps, qkv));
    }
    if (config_.rope_layers.empty() || config_.rope_layers[l]) apply_rope(n, r.pos0, qkv);
    const float* probs_out = r.attention_probs ? r.attention_probs[l] : nullptr;
    QKV_RETURN_IF_ERROR(attend(pool, d, cache, l, r, qkv, act.attn.data(), const_cast<float*>(probs_out)));
    QKV_RETURN_IF_ERROR(linear(pool, n, act.attn.data(), layer.o_proj, act.tmp.data()));
    f32_add_ukernel__simd(n * e, x, act.tmp.data(), x);

    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, layer.post_norm, config_.rms_norm_eps, xn));
    float* gate = act.ff.data();
    float* up = gate + n * d.n_ff;
    QKV_RETURN_IF_ERROR(linear(pool, n, xn, layer.gate_proj, gate));
    QKV_RETURN_IF_ERROR(linear(pool, n, xn, layer.up_proj, up));
    f32_swiglu_ukernel__simd(n * d.n_ff, gate, up, gate);
    QKV_RETURN_IF_ERROR(linear(pool, n, gate, layer.down_proj, act.tmp.data()));
    f32_add_ukernel__simd(n * e, x, act.tmp.data(), x);
  }

  if (r.hidden != nullptr) {  // an embedding model's last_hidden_state: every row, no head
    return f32_rmsnorm_rows(pool, n, e, x, final_norm_, config_.rms_norm_eps, r.hidden);
  }
  // Only the rows whose logits are wanted go through the final norm and head.
  const size_t first = r.all_logits ? 0 : n - 1, rows = n - first;
  float* xn = act.xn.data();
  QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, rows, e, x + first * e, final_norm_, config_.rms_norm_eps, xn));
  const Linear& head = config_.tied_embeddings ? embed_tokens_ : lm_head_;
  return linear(pool, rows, xn, Linear{head.w, nullptr}, r.logits);
}

}  // namespace qkv
