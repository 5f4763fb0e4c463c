// ggml's K-quant types with 8-bit room -> qkv's q8k super-blocks
// (kernels/common/q8k.h): value = float(float(d * sc_j) * q) - float(dmin * mn_b)
// per 16-value sub-block j and 32-value block b, which is ggml's own
// dequantization, operation for operation:
//   Q5_K: q = the 5-bit value (0..31), sc_2b = sc_2b+1 = the 6-bit scale of
//         sub-block b of 32 and mn_b its 6-bit min (get_scale_min_k4),
//         d = d, dmin = dmin
//   Q6_K: q = ggml's 6-bit value - 32 (-32..31), sc_j = its int8 scale j,
//         d = d, mn = 0, dmin = 0 (so the min term is +0, which subtracts to
//         the same bits)
// k: the row's values, a multiple of 256; out: k / 256 super-blocks.
#pragma once

#include <cstdint>

#include "kernels/common/q8k.h"

namespace qkv {
namespace ggml {

void q5_K_to_q8k_row(const void* blocks, int64_t k, Q8KSuper* out);
void q6_K_to_q8k_row(const void* blocks, int64_t k, Q8KSuper* out);

}  // namespace ggml
}  // namespace qkv
