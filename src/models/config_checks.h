// Config checks several architectures share, with messages that name the
// document and the keys involved.
#pragma once

#include <cstddef>

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

}  // namespace qkv
