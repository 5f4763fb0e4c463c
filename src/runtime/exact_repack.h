// The GGUF tensor types whose values a qkv weight type holds exactly, and the
// row converters that move ggml's integers and scales into qkv's fields
// (kernels/ggml/to_q8.h, to_q4.h, to_q8k.h) instead of dequantizing and
// requantizing them: one table for the loader, which repacks such rows, and
// the weight policy, which keeps such matrices in the type that holds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/tensor_entry.h"
#include "kernels/common/q8k.h"
#include "kernels/gemm/gemm.h"

namespace qkv {

// One thread's buffers for a converted row, reused from row to row.
struct RepackScratch {
  std::vector<int8_t> q;              // q8 values
  std::vector<float> d, m;            // q8 scales; q4 scales and mins
  std::vector<uint8_t> nibbles;       // q4 values
  std::vector<Q8KSuper> supers;       // q8k super-blocks
  std::vector<uint16_t> d16, dmin16;  // q8h's f16 scales; q4k's f16 d and dmin
  std::vector<uint8_t> scales12;      // q4k's packed 6-bit scales and mins
};

// Converts one source row of k values (whole blocks of its type) and adds it
// as row r of `packer`, which packs the converter's target type from [N, K].
using RepackRowFn = void (*)(const uint8_t* src, size_t k, size_t r, WeightPacker& packer,
                             RepackScratch& scratch);

// The converter of `source` rows into `target`, or nullptr when `target` does
// not hold that type's values exactly.
RepackRowFn exact_repack(TensorDType source, WeightType target);

}  // namespace qkv
