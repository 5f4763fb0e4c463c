#include <algorithm>
#include <cstdint>

#include "kernels/f32-attn/attn.h"
#include "kernels/f32-attn/simd-inl.h"

namespace qkv {
namespace attn_simd {
namespace {

constexpr size_t kRows = kAttnMaxRows;
static_assert(kRows == 4, "lane r of a score vector is row r");

// Scores of the 4 rows (q rows kAttnMaxHeadDim apart) against kKeys keys:
// scores[4 * t + r] = q_r · key t. 4 × kKeys independent chains; each K load
// serves 4 rows and each Q load kKeys keys.
template <size_t kNV, size_t kKeys, typename T>
HWY_INLINE void dot_4xn(size_t nv, const float* HWY_RESTRICT q, const T* k, size_t stride,
                        float* HWY_RESTRICT scores) {
  const D4 d;
  V4 acc[kRows][kKeys];
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t t = 0; t < kKeys; ++t) acc[r][t] = hn::Zero(d);
  }
  for (size_t c = 0; c < num_vectors<kNV>(nv); ++c) {
    V4 kc[kKeys];
    for (size_t t = 0; t < kKeys; ++t) kc[t] = load_kv(k + t * stride + 4 * c);
    for (size_t r = 0; r < kRows; ++r) {
      const V4 qc = hn::Load(d, q + r * kAttnMaxHeadDim + 4 * c);
      for (size_t t = 0; t < kKeys; ++t) acc[r][t] = madd(qc, kc[t], acc[r][t]);
    }
  }
  for (size_t t = 0; t < kKeys; ++t) {
    hn::Store(sum_each(acc[0][t], acc[1][t], acc[2][t], acc[3][t]), d, scores + kRows * t);
  }
}

// acc_r[0..4*kC) = acc_r * alpha_r + sum over keys t < n of p[4t + r] * v[t]
// for the 4 rows (acc rows kAttnMaxHeadDim apart): 4 × kC chains in
// registers, each V load serving 4 rows, p broadcast straight from memory.
template <size_t kC, typename T>
HWY_INLINE void pv_4xc(const float* HWY_RESTRICT p, size_t n, const T* v, size_t stride, const V4* alpha,
                       float* HWY_RESTRICT acc) {
  const D4 d;
  V4 o[kRows][kC];
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t c = 0; c < kC; ++c)
      o[r][c] = hn::Mul(hn::Load(d, acc + r * kAttnMaxHeadDim + 4 * c), alpha[r]);
  }
  for (size_t t = 0; t < n; ++t, v += stride) {
    V4 vc[kC];
    for (size_t c = 0; c < kC; ++c) vc[c] = load_kv(v + 4 * c);
    for (size_t r = 0; r < kRows; ++r) {
      const V4 pr = hn::Set(d, p[kRows * t + r]);
      for (size_t c = 0; c < kC; ++c) o[r][c] = madd(pr, vc[c], o[r][c]);
    }
  }
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t c = 0; c < kC; ++c) hn::Store(o[r][c], d, acc + r * kAttnMaxHeadDim + 4 * c);
  }
}

// Four rows share every pass over a key block. The softmax state is one
// vector per quantity with lane r for row r, so the running max, the rescale
// factor and the running sum cost one vector op for all four rows.
template <size_t kNV, typename T>
void attn_4rows(const AttnUkernelArgs& a) {
  const D4 d;
  const hn::Rebind<int32_t, D4> di;
  const size_t nv = a.head_dim / 4;
  const size_t stride = a.kv_token_stride;
  HWY_ALIGN float q[kRows * kAttnMaxHeadDim];
  HWY_ALIGN float acc[kRows * kAttnMaxHeadDim];
  HWY_ALIGN float p[kKeyBlock * kRows];  // key-major: p[4t + r]
  HWY_ALIGN int32_t begin[kRows];
  HWY_ALIGN int32_t len[kRows];
  size_t min_len = SIZE_MAX, max_len = 0, min_begin = SIZE_MAX, max_begin = 0;
  for (size_t r = 0; r < kRows; ++r) {
    // Missing rows repeat the last one: same keys, results not stored.
    const size_t src = std::min(r, a.n_rows - 1);
    scaled_copy(a.head_dim, a.q[src], a.scale, q + r * kAttnMaxHeadDim);
    for (size_t i = 0; i < a.head_dim; i += 4) hn::Store(hn::Zero(d), d, acc + r * kAttnMaxHeadDim + i);
    len[r] = static_cast<int32_t>(a.kv_len[src]);
    begin[r] = static_cast<int32_t>(a.kv_begin[src]);
    min_begin = std::min(min_begin, a.kv_begin[src]);
    max_begin = std::max(max_begin, a.kv_begin[src]);
    min_len = std::min(min_len, a.kv_len[src]);
    max_len = std::max(max_len, a.kv_len[src]);
  }
  const auto vlen = hn::Load(di, len);
  const auto vbegin = hn::Load(di, begin);
  const T* keys = static_cast<const T*>(a.k);
  const T* values = static_cast<const T*>(a.v);

  // As in the 1-row kernel, exp2_nonpositive turns (-inf) - (-inf) into weight 0.
  V4 max = hn::Set(d, kNegInf);
  V4 sum = hn::Zero(d);
  for (size_t k0 = min_begin; k0 < max_len; k0 += kKeyBlock) {
    const size_t n = std::min(kKeyBlock, max_len - k0);
    const T* k = keys + k0 * stride;
    size_t t = 0;
    for (; t + 2 <= n; t += 2) dot_4xn<kNV, 2>(nv, q, k + t * stride, stride, p + kRows * t);
    if (t < n) dot_4xn<kNV, 1>(nv, q, k + t * stride, stride, p + kRows * t);
    // Only blocks that reach past the shortest row or start before the
    // latest window need the range mask (in causal prefill: the block on the
    // diagonal, and with a window the one on its lower edge).
    if (k0 + n > min_len || k0 < max_begin) {
      for (t = 0; t < n; ++t) {
        const auto key = hn::Set(di, static_cast<int32_t>(k0 + t));
        const auto valid = hn::RebindMask(d, hn::AndNot(hn::Lt(key, vbegin), hn::Lt(key, vlen)));
        hn::Store(hn::IfThenElse(valid, hn::Load(d, p + kRows * t), hn::Set(d, kNegInf)), d, p + kRows * t);
      }
    }
    if (a.key_mask != nullptr) {
      for (t = 0; t < n; ++t) {
        const V4 mask = hn::Set(d, a.key_mask[k0 + t] * kLog2e);
        hn::Store(hn::Add(hn::Load(d, p + kRows * t), mask), d, p + kRows * t);
      }
    }
    V4 block_max = hn::Load(d, p);
    for (t = 1; t < n; ++t) block_max = hn::Max(block_max, hn::Load(d, p + kRows * t));
    const V4 new_max = hn::Max(max, block_max);
    const V4 alpha = exp2_nonpositive(hn::Sub(max, new_max));
    V4 block_sum = hn::Zero(d);
    for (t = 0; t < n; ++t) {
      const V4 e = exp2_nonpositive(hn::Sub(hn::Load(d, p + kRows * t), new_max));
      block_sum = hn::Add(block_sum, e);
      hn::Store(e, d, p + kRows * t);
    }
    sum = madd(sum, alpha, block_sum);
    max = new_max;

    const V4 alphas[kRows] = {hn::Broadcast<0>(alpha), hn::Broadcast<1>(alpha), hn::Broadcast<2>(alpha),
                              hn::Broadcast<3>(alpha)};
    const T* v = values + k0 * stride;
    size_t c = 0;
    for (; c + 2 <= num_vectors<kNV>(nv); c += 2) pv_4xc<2>(p, n, v + 4 * c, stride, alphas, acc + 4 * c);
    if (c < num_vectors<kNV>(nv)) pv_4xc<1>(p, n, v + 4 * c, stride, alphas, acc + 4 * c);
  }

  const V4 inv = safe_reciprocal(sum);
  const V4 invs[kRows] = {hn::Broadcast<0>(inv), hn::Broadcast<1>(inv), hn::Broadcast<2>(inv),
                          hn::Broadcast<3>(inv)};
  for (size_t r = 0; r < a.n_rows; ++r) {
    for (size_t i = 0; i < a.head_dim; i += 4) {
      hn::StoreU(hn::Mul(hn::Load(d, acc + r * kAttnMaxHeadDim + i), invs[r]), d, a.out[r] + i);
    }
  }
}

}  // namespace
}  // namespace attn_simd

namespace attn_simd {
namespace {

template <typename T>
void attn_4rows_any(const AttnUkernelArgs& a) {
  switch (a.head_dim) {
    case 32:
      return attn_4rows<8, T>(a);
    case 64:
      return attn_4rows<16, T>(a);
    case 80:
      return attn_4rows<20, T>(a);
    case 96:
      return attn_4rows<24, T>(a);
    case 128:
      return attn_4rows<32, T>(a);
    default:
      return attn_4rows<0, T>(a);
  }
}

}  // namespace
}  // namespace attn_simd

void f32_attn_ukernel_4x64__simd(const AttnUkernelArgs& a) {
  using namespace attn_simd;
  static F32AttnUkernelFn const kByType[2] = {attn_4rows_any<float>, attn_4rows_any<hwy::float16_t>};
  kByType[a.kv_dtype == KvDtype::kF16 ? 1 : 0](a);
}

}  // namespace qkv
