// What a weight file says about one tensor, whatever its format: the seam
// between the formats' readers (safetensors today; GGUF's tensor infos
// become the same entries) and the loader (runtime/loader), which matches
// entries to the slots a model declares and streams their byte ranges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qkv {

// Element types the loader converts from; kOther is named by dtype_name in messages.
enum class TensorDType : uint8_t { kF32, kF16, kBF16, kOther };

struct TensorEntry {
  std::string name;  // as the checkpoint names it (Hub names: "model.layers.0.self_attn.q_proj.weight")
  TensorDType dtype = TensorDType::kOther;
  std::string dtype_name;       // as written in the file ("F32", "I64", ...)
  std::vector<uint64_t> shape;  // row-major, outermost first; empty for a scalar
  uint64_t elements = 0;
  uint64_t begin = 0, end = 0;  // absolute byte offsets in the file
};

}  // namespace qkv
