#include "models/config_checks.h"

#include <string>

#include "kernels/f32-attn/attn.h"

namespace qkv {

Status check_head_dim(const ConfigReader& config, size_t head_dim) {
  if (head_dim % 4 != 0 || head_dim > kAttnMaxHeadDim) {
    return Status::unsupported(config.document() + ": head size " + std::to_string(head_dim) +
                               " (qkv's attention needs a multiple of 4 up to " +
                               std::to_string(kAttnMaxHeadDim) + ")");
  }
  return Status::ok_status();
}

Status head_dim_of(const ConfigReader& config, const char* width_key, size_t width, const char* heads_key,
                   size_t heads, size_t* head_dim) {
  if (width % heads != 0) {
    return config.bad(
        width_key, std::to_string(width) + " is not divisible by " + heads_key + " " + std::to_string(heads));
  }
  *head_dim = width / heads;
  return check_head_dim(config, *head_dim);
}

Status token_id_or(const ConfigReader& config, const char* key, int32_t fallback, size_t n_vocab,
                   int32_t* out) {
  const JsonValue* v = config.root().find(key);
  if (v == nullptr || v->is_null()) {
    *out = fallback;
    return Status::ok_status();
  }
  const auto id = v->as_uint64();
  if (!id || *id >= n_vocab) {
    return config.bad(
        key, "must be a token id below vocab_size " + std::to_string(n_vocab) + ", found " + v->describe());
  }
  *out = static_cast<int32_t>(*id);
  return Status::ok_status();
}

Status read_layer_types(const ConfigReader& config, const JsonValue& types, size_t n_layer,
                        const char* no_window, std::vector<bool>* sliding) {
  sliding->assign(n_layer, false);
  if (!types.is_array() || types.size() != n_layer) {
    return config.bad("layer_types",
                      "must be a list of num_hidden_layers (" + std::to_string(n_layer) +
                          ") strings, found " +
                          (types.is_array() ? std::to_string(types.size()) + " entries" : types.describe()));
  }
  for (size_t i = 0; i < n_layer; ++i) {
    const std::string key = "layer_types[" + std::to_string(i) + "]";
    const JsonValue& t = types.at(i);
    if (!t.is_string()) return config.bad(key, "must be a string, found " + t.describe());
    const std::string type(*t.as_string());
    if (type == "sliding_attention") {
      // transformers refuses to build this mask without a window.
      if (no_window != nullptr)
        return config.bad(key, std::string("is \"sliding_attention\" but ") + no_window);
      (*sliding)[i] = true;
    } else if (type != "full_attention") {
      return Status::unsupported(config.document() + ": " + key + " \"" + type +
                                 "\" (qkv runs \"full_attention\" and \"sliding_attention\" layers)");
    }
  }
  return Status::ok_status();
}

}  // namespace qkv
