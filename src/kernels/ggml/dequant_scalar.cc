// ggml's reference dequantizers, operation for operation (dequant.h): each
// function names the ggml function it follows, with ggml's loop structure and
// float expressions in ggml's order (int operand converted to float, then
// ggml's multiplications and the final add or subtract).
#include <cstring>

#include "kernels/common/f16.h"
#include "kernels/ggml/dequant.h"

namespace qkv {
namespace ggml {

namespace {

// GGML_FP16_TO_FP32: exact (kernels/common/f16.h converts every binary16 exactly).
inline float half_to_f32(Half h) { return f16_to_f32(h.bits()); }

inline uint32_t load_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// ggml's 2-byte float rows (ggml_fp16_to_fp32_row, ggml_bf16_to_fp32_row).
template <float (*kToF32)(uint16_t)>
void dequantize_row_16(const void* blocks, float* y, int64_t k) {
  const uint8_t* x = static_cast<const uint8_t*>(blocks);
  for (int64_t i = 0; i < k; ++i) y[i] = kToF32(static_cast<uint16_t>(x[2 * i] | x[2 * i + 1] << 8));
}

// A block's scale as ggml applies it: q * d (Q4_0, Q5_0), or q * d + m
// (Q4_1, Q5_1), with the int q converted to float first. Adding a zero m
// instead would turn a -0 into +0, hence two kinds.
struct ScaleD {
  float d;
  float operator()(int q) const { return static_cast<float>(q) * d; }
};
struct ScaleDM {
  float d, m;
  float operator()(int q) const { return static_cast<float>(q) * d + m; }
};
ScaleD scale_of(const BlockQ4_0& b) { return {half_to_f32(b.d)}; }
ScaleDM scale_of(const BlockQ4_1& b) { return {half_to_f32(b.d), half_to_f32(b.m)}; }
ScaleD scale_of(const BlockQ5_0& b) { return {half_to_f32(b.d)}; }
ScaleDM scale_of(const BlockQ5_1& b) { return {half_to_f32(b.d), half_to_f32(b.m)}; }

// The fifth bits of a block of 32 (bit j for value j), none for the 4-bit types.
uint32_t fifth_bits(const BlockQ4_0&) { return 0; }
uint32_t fifth_bits(const BlockQ4_1&) { return 0; }
uint32_t fifth_bits(const BlockQ5_0& b) { return load_u32_le(b.qh); }
uint32_t fifth_bits(const BlockQ5_1& b) { return load_u32_le(b.qh); }

// ggml's dequantize_row_q4_0, _q4_1, _q5_0 and _q5_1 share one loop: value j
// from the low nibble of qs[j] (and bit j of qh), value j + 16 from the high
// nibble (and bit j + 16), minus the zero point (8 for Q4_0, 16 for Q5_0, 0
// for the types with a min), scaled.
template <typename Block, int kZero>
void dequantize_row_32(const void* blocks, float* y, int64_t k) {
  const Block* x = static_cast<const Block*>(blocks);
  constexpr int qk = 2 * sizeof(Block::qs);  // 32
  const int64_t nb = k / qk;
  for (int64_t i = 0; i < nb; ++i) {
    const auto scale = scale_of(x[i]);
    const uint32_t qh = fifth_bits(x[i]);
    for (int j = 0; j < qk / 2; ++j) {
      const uint8_t xh_0 = static_cast<uint8_t>(((qh >> (j + 0)) << 4) & 0x10);
      const uint8_t xh_1 = static_cast<uint8_t>((qh >> (j + 12)) & 0x10);
      const int x0 = ((x[i].qs[j] & 0x0F) | xh_0) - kZero;
      const int x1 = ((x[i].qs[j] >> 4) | xh_1) - kZero;
      y[i * qk + j + 0] = scale(x0);
      y[i * qk + j + qk / 2] = scale(x1);
    }
  }
}

// The fifth bit of value l of a Q5_K sub-block (the bit `u` of qh[l]); none in Q4_K.
int fifth_bit(const BlockQ4_K&, int, uint8_t) { return 0; }
int fifth_bit(const BlockQ5_K& b, int l, uint8_t u) { return b.qh[l] & u ? 16 : 0; }

// ggml's dequantize_row_q4_K and _q5_K share one loop: each 32 bytes of qs
// hold two sub-blocks of 32 (low nibbles, then high ones), each with its own
// 6-bit scale and min (get_scale_min_k4), plus Q5_K's fifth bits.
template <typename Block>
void dequantize_row_k4(const void* blocks, float* y, int64_t k) {
  const Block* x = static_cast<const Block*>(blocks);
  const int64_t nb = k / kQK_K;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* q = x[i].qs;
    const float d = half_to_f32(x[i].d);
    const float min = half_to_f32(x[i].dmin);
    int is = 0;
    uint8_t sc, m;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < kQK_K; j += 64) {
      get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
      const float d1 = d * sc;
      const float m1 = min * m;
      get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc;
      const float m2 = min * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>((q[l] & 0xF) + fifth_bit(x[i], l, u1)) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>((q[l] >> 4) + fifth_bit(x[i], l, u2)) - m2;
      q += 32;
      is += 2;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

}  // namespace

void dequantize_row_f32(const void* blocks, float* y, int64_t k) {
  std::memcpy(y, blocks, static_cast<size_t>(k) * sizeof(float));
}

// ggml_fp16_to_fp32_row.
void dequantize_row_f16(const void* blocks, float* y, int64_t k) {
  dequantize_row_16<f16_to_f32>(blocks, y, k);
}

// ggml_bf16_to_fp32_row: the bits shifted into the high half of a float.
void dequantize_row_bf16(const void* blocks, float* y, int64_t k) {
  dequantize_row_16<bf16_to_f32>(blocks, y, k);
}

void dequantize_row_q4_0(const void* blocks, float* y, int64_t k) {
  dequantize_row_32<BlockQ4_0, 8>(blocks, y, k);
}
void dequantize_row_q4_1(const void* blocks, float* y, int64_t k) {
  dequantize_row_32<BlockQ4_1, 0>(blocks, y, k);
}
void dequantize_row_q5_0(const void* blocks, float* y, int64_t k) {
  dequantize_row_32<BlockQ5_0, 16>(blocks, y, k);
}
void dequantize_row_q5_1(const void* blocks, float* y, int64_t k) {
  dequantize_row_32<BlockQ5_1, 0>(blocks, y, k);
}

// ggml's dequantize_row_q8_0.
void dequantize_row_q8_0(const void* blocks, float* y, int64_t k) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(blocks);
  constexpr int qk = kQK8_0;
  const int64_t nb = k / qk;
  for (int64_t i = 0; i < nb; ++i) {
    const float d = half_to_f32(x[i].d);
    for (int j = 0; j < qk; ++j) y[i * qk + j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

void dequantize_row_q4_K(const void* blocks, float* y, int64_t k) {
  dequantize_row_k4<BlockQ4_K>(blocks, y, k);
}
void dequantize_row_q5_K(const void* blocks, float* y, int64_t k) {
  dequantize_row_k4<BlockQ5_K>(blocks, y, k);
}

// ggml's dequantize_row_q6_K.
void dequantize_row_q6_K(const void* blocks, float* y, int64_t k) {
  const BlockQ6_K* x = static_cast<const BlockQ6_K*>(blocks);
  const int64_t nb = k / kQK_K;
  for (int64_t i = 0; i < nb; ++i) {
    const float d = half_to_f32(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    for (int n = 0; n < kQK_K; n += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int8_t q1 = static_cast<int8_t>(((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        const int8_t q2 = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        const int8_t q3 = static_cast<int8_t>(((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        const int8_t q4 = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        y[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
        y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

DequantizeRowFn dequantize_row_fn(Type type) {
  switch (type) {
    case Type::kF32:
      return dequantize_row_f32;
    case Type::kF16:
      return dequantize_row_f16;
    case Type::kBF16:
      return dequantize_row_bf16;
    case Type::kQ4_0:
      return dequantize_row_q4_0;
    case Type::kQ4_1:
      return dequantize_row_q4_1;
    case Type::kQ5_0:
      return dequantize_row_q5_0;
    case Type::kQ5_1:
      return dequantize_row_q5_1;
    case Type::kQ8_0:
      return dequantize_row_q8_0;
    case Type::kQ4_K:
      return dequantize_row_q4_K;
    case Type::kQ5_K:
      return dequantize_row_q5_K;
    case Type::kQ6_K:
      return dequantize_row_q6_K;
    default:
      break;
  }
  return nullptr;
}

}  // namespace ggml
}  // namespace qkv
