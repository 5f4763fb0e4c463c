// The vector GELUs (tanh and erf forms) shared by f32-gelu/simd.cc and
// f32-geglu/simd.cc, so both kernels compute them with the same arithmetic.
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

// 0.5 x (1 + erf(x / sqrt(2))) == x * Phi(x), with Phi(x) = erfc(-x / sqrt(2)) / 2.
// erfc(z), z >= 0, is Numerical Recipes' erfcc (W. H. Press et al., 2nd ed.,
// 6.2): t exp(-z^2 + P(t)), t = 1 / (1 + z/2), a Chebyshev fit with relative
// error below 1.2e-7 for every z >= 0. Being relative, it keeps the negative
// tail accurate where 1 + erf(x) would cancel; Highway 1.0.3 has no Erf.
V gelu_erf(D d, V x) {
  const V one = hn::Set(d, 1.0f);
  const V half = hn::Set(d, 0.5f);
  const V z = hn::Mul(hn::Abs(x), hn::Set(d, 0.70710678118654752f));
  const V t = hn::Div(one, hn::MulAdd(z, half, one));
  V p = hn::Set(d, 0.17087277f);
  p = hn::MulAdd(p, t, hn::Set(d, -0.82215223f));
  p = hn::MulAdd(p, t, hn::Set(d, 1.48851587f));
  p = hn::MulAdd(p, t, hn::Set(d, -1.13520398f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.27886807f));
  p = hn::MulAdd(p, t, hn::Set(d, -0.18628806f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.09678418f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.37409196f));
  p = hn::MulAdd(p, t, hn::Set(d, 1.00002368f));
  p = hn::MulAdd(p, t, hn::Set(d, -1.26551223f));
  // For huge |x|, z^2 = inf and Exp(-inf) = 0: Phi becomes exactly 0 or 1.
  const V half_erfc = hn::Mul(hn::Mul(half, t), hn::Exp(d, hn::NegMulAdd(z, z, p)));
  const V phi = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), half_erfc, hn::Sub(one, half_erfc));
  return hn::Mul(x, phi);
}

}  // namespace
}  // namespace gelu_simd
}  // namespace qkv
