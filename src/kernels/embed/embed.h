// Embedding lookup: out[j, :] = table[ids[j], :] for j in [0, n_ids),
// out [n_ids, dim] in f32. Every id is checked before anything is written:
// an id outside [0, n_vocab) returns invalid_argument naming the id and its
// index, and out is left untouched.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/common/q8.h"

namespace qkv {

// table [n_vocab, dim] f32.
Status embedding_gather_f32(const float* table, size_t n_vocab, size_t dim, const int32_t* ids, size_t n_ids,
                            float* out);
// table [n_vocab, dim] of IEEE binary16 bit patterns, widened exactly.
Status embedding_gather_f16(const uint16_t* table, size_t n_vocab, size_t dim, const int32_t* ids,
                            size_t n_ids, float* out);
// table: q8 matrix with rows = n_vocab and cols = dim, dequantized row by row.
Status embedding_gather_q8(const Q8MatrixView& table, const int32_t* ids, size_t n_ids, float* out);

}  // namespace qkv
