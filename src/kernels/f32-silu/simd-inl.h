// The vector SiLU shared by f32-silu/simd.cc and f32-swiglu/simd.cc, so both
// kernels compute silu with the same arithmetic.
#pragma once

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

namespace qkv {
namespace silu_simd {
// Internal linkage, as when these lived in one .cc file: each kernel file
// compiles its own copy, and the compiler inlines (or not) as it did then.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// x * sigmoid(x) from e = exp(-|x|), which never overflows: x / (1 + e) for
// x >= 0 and x e / (1 + e) below. exp(-x) itself would overflow for
// x < -88.7 and lose the (tiny) results down to -104 where Exp flushes to 0.
V silu(D d, V x) {
  const V e = hn::Exp(d, hn::Neg(hn::Abs(x)));
  const V q = hn::Div(x, hn::Add(hn::Set(d, 1.0f), e));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Mul(q, e), q);
}

}  // namespace
}  // namespace silu_simd
}  // namespace qkv
