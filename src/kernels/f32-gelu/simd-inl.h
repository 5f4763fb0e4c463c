// The vector tanh-form GELU shared by f32-gelu/simd.cc and f32-geglu/simd.cc,
// so both kernels compute it with the same arithmetic.
#pragma once

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

namespace qkv {
namespace gelu_simd {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// 0.5 x (1 + tanh(u)) == x sigmoid(2u): the same value without the
// cancellation in 1 + tanh(u) for x << 0. The sigmoid comes from
// e = exp(-|2u|), which never overflows: x / (1 + e) for u >= 0, and
// x e / (1 + e) below.
V gelu_tanh(D d, V x) {
  const V one = hn::Set(d, 1.0f);
  // 2u = 2 sqrt(2/pi) x (1 + 0.044715 x^2)
  const V two_u = hn::Mul(hn::Mul(x, hn::Set(d, 1.5957691216057308f)),
                          hn::MulAdd(hn::Mul(x, x), hn::Set(d, 0.044715f), one));
  const V e = hn::Exp(d, hn::Neg(hn::Abs(two_u)));
  const V q = hn::Div(x, hn::Add(one, e));
  return hn::IfThenElse(hn::Lt(two_u, hn::Zero(d)), hn::Mul(q, e), q);
}

}  // namespace
}  // namespace gelu_simd
}  // namespace qkv
