// What a weight file says about one tensor, whatever its format: the seam
// between the formats' readers (safetensors today; GGUF's tensor infos
// become the same entries) and the loader (runtime/loader), which matches
// entries to the slots a model declares and streams their byte ranges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qkv {

// Element types the loader converts from; kOther is named by dtype_name in
// messages. The ggml block types (GGUF) hold rows of blocks along the last
// (innermost) dimension: kernels/ggml/blocks.h has their layouts.
enum class TensorDType : uint8_t {
  kF32,
  kF16,
  kBF16,
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kOther
};

struct TensorEntry {
  std::string name;  // as the checkpoint names it (Hub names: "model.layers.0.self_attn.q_proj.weight")
  TensorDType dtype = TensorDType::kOther;
  std::string dtype_name;       // as written in the file ("F32", "I64", ...)
  std::vector<uint64_t> shape;  // row-major, outermost first; empty for a scalar
  uint64_t elements = 0;
  uint64_t begin = 0, end = 0;  // absolute byte offsets in the file
  // Non-zero: the rows (outermost dim) are in the order llama.cpp's
  // converter gives q_proj/k_proj of LLaMA-family models for its RoPE (each
  // of this many heads' rows interleaved: row 2i + j of a head is Hub row
  // j * head_dim / 2 + i); the loader puts them back in the Hub's order.
  uint32_t rope_heads = 0;
  // The name the file gives it when the reader mapped `name` from another
  // naming (GGUF's "blk.0.attn_q.weight"), for messages; else empty.
  std::string file_name;
};

}  // namespace qkv
