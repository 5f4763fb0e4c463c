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

}  // namespace qkv
