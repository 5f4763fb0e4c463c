#include "runtime/exact_repack.h"

#include "kernels/common/q4.h"
#include "kernels/common/q4k.h"
#include "kernels/common/q8.h"
#include "kernels/ggml/to_q4.h"
#include "kernels/ggml/to_q8.h"
#include "kernels/ggml/to_q8k.h"

namespace qkv {
namespace {

using Q8RowFn = void (*)(const void* blocks, int64_t k, int8_t* q, float* scales);
using Q8HRowFn = void (*)(const void* blocks, int64_t k, int8_t* q, uint16_t* scales);
using Q4RowFn = void (*)(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m);
using Q8KRowFn = void (*)(const void* blocks, int64_t k, Q8KSuper* out);

void q8_0_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  ggml::q8_0_to_q8_row(blocks, k, q, scales);  // -128 kept: the q8 kernels read any int8 weight
}
void q8_0_h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales) {
  ggml::q8_0_to_q8h_row(blocks, k, q, scales);  // as q8_0_row
}

// The packer's add_*_row cannot fail below: the row is below n and the packer
// is of the converter's type, from [N, K].

template <Q8RowFn kConvert>
void to_q8(const uint8_t* src, size_t k, size_t r, WeightPacker& packer, RepackScratch& s) {
  s.q.resize(k);  // k is whole blocks of 32: q8_padded(k) == k
  s.d.resize(k / kQ8BlockSize);
  kConvert(src, static_cast<int64_t>(k), s.q.data(), s.d.data());
  static_cast<void>(packer.add_q8_row(r, s.q.data(), s.d.data()));
}

// The same integers with each block's f16 d kept as is (q8h).
template <Q8HRowFn kConvert>
void to_q8h(const uint8_t* src, size_t k, size_t r, WeightPacker& packer, RepackScratch& s) {
  s.q.resize(k);
  s.d16.resize(k / kQ8BlockSize);
  kConvert(src, static_cast<int64_t>(k), s.q.data(), s.d16.data());
  static_cast<void>(packer.add_q8h_row(r, s.q.data(), s.d16.data()));
}

template <Q4RowFn kConvert>
void to_q4(const uint8_t* src, size_t k, size_t r, WeightPacker& packer, RepackScratch& s) {
  const size_t blocks = k / kQ4BlockSize;  // k is whole blocks of 32 (256 for Q4_K)
  s.nibbles.resize(blocks * kQ4BlockBytes);
  s.d.resize(blocks);
  s.m.resize(blocks);
  kConvert(src, static_cast<int64_t>(k), s.nibbles.data(), s.d.data(), s.m.data());
  static_cast<void>(packer.add_q4_row(r, s.nibbles.data(), s.d.data(), s.m.data()));
}

// Q4_K rows keep their f16 d, dmin and packed scales (q4k), the nibbles
// moved into q4's order.
void to_q4k(const uint8_t* src, size_t k, size_t r, WeightPacker& packer, RepackScratch& s) {
  const size_t supers = k / kQ4KSuperBlock;  // k is whole super-blocks: the rows are Q4_K
  s.nibbles.resize(k / 2);
  s.d16.resize(supers);
  s.dmin16.resize(supers);
  s.scales12.resize(supers * kQ4KScaleBytes);
  ggml::q4_K_to_q4k_row(src, static_cast<int64_t>(k), s.nibbles.data(), s.d16.data(), s.dmin16.data(),
                        s.scales12.data());
  static_cast<void>(
      packer.add_q4k_row(r, s.nibbles.data(), s.d16.data(), s.dmin16.data(), s.scales12.data()));
}

// Q5_K and Q6_K rows go through q8k's plain super-blocks (kernels/ggml/to_q8k.h)
// into the q8k layout, or (Q6_K) q6k's.
template <Q8KRowFn kConvert, Status (WeightPacker::*kAdd)(size_t, const Q8KSuper*)>
void to_k_super(const uint8_t* src, size_t k, size_t r, WeightPacker& packer, RepackScratch& s) {
  s.supers.resize(q8k_supers(k));  // k is whole super-blocks: the rows are Q5_K/Q6_K
  kConvert(src, static_cast<int64_t>(k), s.supers.data());
  static_cast<void>((packer.*kAdd)(r, s.supers.data()));
}
template <Q8KRowFn kConvert>
constexpr RepackRowFn to_q8k = to_k_super<kConvert, &WeightPacker::add_q8k_row>;

struct ExactRepack {
  TensorDType source;
  WeightType target;
  RepackRowFn row;
};

constexpr ExactRepack kExactRepacks[] = {
    // ggml's integers and f16 scales become q8's.
    {TensorDType::kQ8_0, WeightType::kQ8, to_q8<q8_0_row>},
    {TensorDType::kQ5_0, WeightType::kQ8, to_q8<ggml::q5_0_to_q8_row>},
    {TensorDType::kQ4_0, WeightType::kQ8, to_q8<ggml::q4_0_to_q8_row>},
    // ... or, with their f16 scales kept, q8h's: Q8_0 at its own size.
    {TensorDType::kQ8_0, WeightType::kQ8H, to_q8h<q8_0_h_row>},
    {TensorDType::kQ5_0, WeightType::kQ8H, to_q8h<ggml::q5_0_to_q8h_row>},
    {TensorDType::kQ4_0, WeightType::kQ8H, to_q8h<ggml::q4_0_to_q8h_row>},
    // ggml's 4-bit blocks become q4's fields.
    {TensorDType::kQ4_0, WeightType::kQ4, to_q4<ggml::q4_0_to_q4_row>},
    {TensorDType::kQ4_1, WeightType::kQ4, to_q4<ggml::q4_1_to_q4_row>},
    {TensorDType::kQ4_K, WeightType::kQ4, to_q4<ggml::q4_K_to_q4_row>},
    // ggml's K-quant integers, scales and mins become q8k's: in a model loaded
    // as q8 or q4, these matrices keep ggml's values as q8k (1.125 bytes a
    // weight, q8's own size) instead of being requantized.
    {TensorDType::kQ5_K, WeightType::kQ8K, to_q8k<ggml::q5_K_to_q8k_row>},
    {TensorDType::kQ6_K, WeightType::kQ8K, to_q8k<ggml::q6_K_to_q8k_row>},
    // Q4_K's nibbles, f16 d and dmin and packed scales become q4k's, at Q4_K's size.
    {TensorDType::kQ4_K, WeightType::kQ4K, to_q4k},
    // Q6_K's 6-bit values, sub-scales and d become q6k's, at Q6_K's size.
    {TensorDType::kQ6_K, WeightType::kQ6K, to_k_super<ggml::q6_K_to_q8k_row, &WeightPacker::add_q6k_row>},
};

}  // namespace

RepackRowFn exact_repack(TensorDType source, WeightType target) {
  for (const ExactRepack& e : kExactRepacks) {
    if (e.source == source && e.target == target) return e.row;
  }
  return nullptr;
}

}  // namespace qkv
