#include <algorithm>
#include <cstring>

#include "kernels/f32-attn/attn.h"
#include "kernels/f32-attn/simd-inl.h"

namespace qkv {
namespace attn_simd {
namespace {

// 2^(probs[0..n) - max) in place; returns the per-lane sums. The n % 4
// tail goes through a padded vector so it never reads past the row.
HWY_INLINE V4 exp_in_place(float* probs, size_t n, V4 max) {
  const D4 d;
  V4 sum = hn::Zero(d);
  size_t t = 0;
  for (; t + 4 <= n; t += 4) {
    const V4 e = exp2_nonpositive(hn::Sub(hn::LoadU(d, probs + t), max));
    sum = hn::Add(sum, e);
    hn::StoreU(e, d, probs + t);
  }
  if (t < n) {
    HWY_ALIGN float pad[4] = {kNegInf, kNegInf, kNegInf, kNegInf};
    std::memcpy(pad, probs + t, (n - t) * sizeof(float));
    const V4 e = exp2_nonpositive(hn::Sub(hn::Load(d, pad), max));
    sum = hn::Add(sum, e);
    hn::Store(e, d, pad);
    std::memcpy(probs + t, pad, (n - t) * sizeof(float));
  }
  return sum;
}

// The row of scores lives in the caller's probs row, so it may be as long as
// the cache: scores, max, exp, normalise, then P·V.
template <size_t kNV, typename T>
void probs_row(const AttnUkernelArgs& a, size_t r) {
  const D4 d;
  const size_t nv = a.head_dim / 4;
  const size_t stride = a.kv_token_stride;
  const size_t begin = a.kv_begin[r], len = a.kv_len[r];
  const T* keys = static_cast<const T*>(a.k);
  const T* values = static_cast<const T*>(a.v);
  float* probs = a.probs[r];
  HWY_ALIGN float q[kAttnMaxHeadDim];
  HWY_ALIGN float acc[kAttnMaxHeadDim];
  HWY_ALIGN float block[kKeyBlock];
  scaled_copy(a.head_dim, a.q[r], a.scale, q);
  for (size_t i = 0; i < a.head_dim; i += 4) hn::Store(hn::Zero(d), d, acc + i);

  V4 max = hn::Set(d, kNegInf);
  for (size_t k0 = begin; k0 < len; k0 += kKeyBlock) {
    const size_t n = std::min(kKeyBlock, len - k0);
    // Scores go through a block buffer because row_scores pads to 4 keys.
    row_scores<kNV>(nv, q, keys + k0 * stride, stride, n, block);
    if (a.key_mask != nullptr) add_key_mask(a.key_mask + k0, n, block);
    for (size_t t = 0; t < n; t += 4) max = hn::Max(max, hn::Load(d, block + t));
    std::memcpy(probs + k0, block, n * sizeof(float));
  }
  max = hn::MaxOfLanes(d, max);
  // A fully masked row: max is -inf, every exp2 below sees NaN and gives 0,
  // the sum is 0 and safe_reciprocal turns the row and the output into zeros.
  const V4 inv = safe_reciprocal(hn::SumOfLanes(d, exp_in_place(probs + begin, len - begin, max)));
  size_t t = begin;
  for (; t + 4 <= len; t += 4) hn::StoreU(hn::Mul(hn::LoadU(d, probs + t), inv), d, probs + t);
  const float inv_scalar = hn::GetLane(inv);
  for (; t < len; ++t) probs[t] *= inv_scalar;
  std::fill(probs, probs + begin, 0.0f);
  std::fill(probs + len, probs + a.n_kv, 0.0f);

  row_pv<kNV>(nv, probs + begin, len - begin, values + begin * stride, stride, hn::Set(d, 1.0f), acc);
  for (size_t i = 0; i < a.head_dim; i += 4) hn::StoreU(hn::Load(d, acc + i), d, a.out[r] + i);
}

template <size_t kNV, typename T>
void probs_rows(const AttnUkernelArgs& a) {
  for (size_t r = 0; r < a.n_rows; ++r) probs_row<kNV, T>(a, r);
}

template <typename T>
void probs_rows_any(const AttnUkernelArgs& a) {
  if (a.head_dim == 64) return probs_rows<16, T>(a);
  return probs_rows<0, T>(a);
}

}  // namespace
}  // namespace attn_simd

void f32_attn_probs_ukernel__simd(const AttnUkernelArgs& a) {
  using namespace attn_simd;
  static F32AttnUkernelFn const kByType[2] = {probs_rows_any<float>, probs_rows_any<hwy::float16_t>};
  kByType[a.kv_dtype == KvDtype::kF16 ? 1 : 0](a);
}

}  // namespace qkv
