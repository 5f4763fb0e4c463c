// ggml Q4_0 / Q4_1 / Q4_K rows -> q4 fields (to_q4.h).
#include "kernels/ggml/to_q4.h"

#include <cstring>

#include "kernels/common/f16.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/k4_sub_blocks.h"

namespace qkv {
namespace ggml {

namespace {

// Sub-block j's 32 values of a Q4_K block (byte l of its 32-byte run holds value l
// of sub-blocks 2m and 2m + 1, low and high nibble) as 16 bytes in q4's order:
// byte l holds value l (low nibble) and value l + 16 (high).
void sub_block_nibbles(const BlockQ4_K& block, int j, uint8_t* out) {
  const uint8_t* run = block.qs + 32 * (j / 2);
  const int shift = 4 * (j % 2);
  for (int l = 0; l < 16; ++l) {
    out[l] = static_cast<uint8_t>(((run[l] >> shift) & 0x0F) | ((run[l + 16] >> shift) & 0x0F) << 4);
  }
}

}  // namespace

void q4_0_to_q4_row(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(blocks);
  for (int64_t b = 0; b < k / kQK4_0; ++b) {
    d[b] = f16_to_f32(x[b].d.bits());
    m[b] = -8.0f * d[b];  // exact: a power of two times an f16
    std::memcpy(nibbles + b * 16, x[b].qs, 16);
  }
}

void q4_1_to_q4_row(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m) {
  const BlockQ4_1* x = static_cast<const BlockQ4_1*>(blocks);
  for (int64_t b = 0; b < k / kQK4_1; ++b) {
    d[b] = f16_to_f32(x[b].d.bits());
    m[b] = f16_to_f32(x[b].m.bits());
    std::memcpy(nibbles + b * 16, x[b].qs, 16);
  }
}

void q4_K_to_q4_row(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m) {
  for_each_k4_sub_block(static_cast<const BlockQ4_K*>(blocks), k, d, m,
                        [&](const BlockQ4_K& block, int64_t b, int j, const uint8_t*, int) {
                          sub_block_nibbles(block, j, nibbles + b * 16);
                        });
}

void q4_K_to_q4k_row(const void* blocks, int64_t k, uint8_t* nibbles, uint16_t* d, uint16_t* dmin,
                     uint8_t* scales12) {
  const BlockQ4_K* x = static_cast<const BlockQ4_K*>(blocks);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    d[i] = x[i].d.bits();
    dmin[i] = x[i].dmin.bits();
    std::memcpy(scales12 + i * kKScaleSize, x[i].scales, kKScaleSize);
    for (int j = 0; j < 8; ++j) sub_block_nibbles(x[i], j, nibbles + (i * 8 + j) * 16);
  }
}

}  // namespace ggml
}  // namespace qkv
