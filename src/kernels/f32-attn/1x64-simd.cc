#include <algorithm>

#include "kernels/f32-attn/attn.h"
#include "kernels/f32-attn/simd-inl.h"

namespace qkv {
namespace attn_simd {
namespace {

// One row: scores are vectorised over keys, so the running max is a
// horizontal max once per 64-key block and the running sum stays per lane
// until the end.
template <size_t kNV, typename T>
void attn_row(const AttnUkernelArgs& a, size_t r) {
  const D4 d;
  const size_t nv = a.head_dim / 4;
  const size_t stride = a.kv_token_stride;
  const size_t len = a.kv_len[r];
  const T* keys = static_cast<const T*>(a.k);
  const T* values = static_cast<const T*>(a.v);
  HWY_ALIGN float q[kAttnMaxHeadDim];
  HWY_ALIGN float acc[kAttnMaxHeadDim];
  HWY_ALIGN float p[kKeyBlock];
  scaled_copy(a.head_dim, a.q[r], a.scale, q);
  for (size_t i = 0; i < a.head_dim; i += 4) hn::Store(hn::Zero(d), d, acc + i);

  // max starts at -inf; exp2_nonpositive maps the NaN of (-inf) - (-inf) to 0, so a row
  // that is masked so far keeps zero weight without a special case.
  V4 max = hn::Set(d, kNegInf);
  V4 sum = hn::Zero(d);
  for (size_t k0 = a.kv_begin[r]; k0 < len; k0 += kKeyBlock) {
    const size_t n = std::min(kKeyBlock, len - k0);
    const size_t n4 = (n + 3) & ~size_t{3};
    row_scores<kNV>(nv, q, keys + k0 * stride, stride, n, p);
    if (a.key_mask != nullptr) add_key_mask(a.key_mask + k0, n, p);
    V4 block_max = hn::Load(d, p);
    for (size_t t = 4; t < n4; t += 4) block_max = hn::Max(block_max, hn::Load(d, p + t));
    const V4 new_max = hn::Max(max, hn::MaxOfLanes(d, block_max));
    const V4 alpha = exp2_nonpositive(hn::Sub(max, new_max));
    sum = hn::Mul(sum, alpha);
    for (size_t t = 0; t < n4; t += 4) {
      const V4 e = exp2_nonpositive(hn::Sub(hn::Load(d, p + t), new_max));
      sum = hn::Add(sum, e);
      hn::Store(e, d, p + t);
    }
    max = new_max;
    row_pv<kNV>(nv, p, n, values + k0 * stride, stride, alpha, acc);
  }
  const V4 inv = safe_reciprocal(hn::SumOfLanes(d, sum));
  for (size_t i = 0; i < a.head_dim; i += 4) hn::StoreU(hn::Mul(hn::Load(d, acc + i), inv), d, a.out[r] + i);
}

template <size_t kNV, typename T>
void attn_rows(const AttnUkernelArgs& a) {
  for (size_t r = 0; r < a.n_rows; ++r) attn_row<kNV, T>(a, r);
}

template <typename T>
void attn_rows_any(const AttnUkernelArgs& a) {
  switch (a.head_dim) {
    case 32:
      return attn_rows<8, T>(a);
    case 64:
      return attn_rows<16, T>(a);
    case 80:
      return attn_rows<20, T>(a);
    case 96:
      return attn_rows<24, T>(a);
    case 128:
      return attn_rows<32, T>(a);
    default:
      return attn_rows<0, T>(a);
  }
}

}  // namespace
}  // namespace attn_simd

void f32_attn_ukernel_1x64__simd(const AttnUkernelArgs& a) {
  using namespace attn_simd;
  static F32AttnUkernelFn const kByType[2] = {attn_rows_any<float>, attn_rows_any<hwy::float16_t>};
  kByType[a.kv_dtype == KvDtype::kF16 ? 1 : 0](a);
}

}  // namespace qkv
