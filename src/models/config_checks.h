// Config checks and readers several architectures share, with messages that name the
// document and the keys involved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "io/config_reader.h"

namespace qkv {

// head_dim within what the attention kernels run (a multiple of 4 up to
// kAttnMaxHeadDim), else unsupported.
Status check_head_dim(const ConfigReader& config, size_t head_dim);

// head_dim = width / heads, which must divide evenly and pass check_head_dim;
// the keys are the config's names for the two numbers.
Status head_dim_of(const ConfigReader& config, const char* width_key, size_t width, const char* heads_key,
                   size_t heads, size_t* head_dim);

// A token id below n_vocab (0 allowed, unlike positive_int) at `key`, or
// `fallback` when the key is absent or null.
Status token_id_or(const ConfigReader& config, const char* key, int32_t fallback, size_t n_vocab,
                   int32_t* out);

// layer_types as transformers writes it: a list of num_hidden_layers
// strings, each "full_attention" or "sliding_attention"; `sliding` receives
// which layers slide. `no_window`, when not null, is why a sliding layer
// cannot be (the config has no window for it), checked at that layer.
Status read_layer_types(const ConfigReader& config, const JsonValue& types, size_t n_layer,
                        const char* no_window, std::vector<bool>* sliding);

}  // namespace qkv
