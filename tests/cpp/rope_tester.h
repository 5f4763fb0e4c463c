// Builder-style tester for f32 RoPE microkernels:
// RopeTester().n_head(3).head_dim(80).n_rot(32).style(RopeStyle::kHalfSplit).Test(f32_rope_ukernel__simd).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/f32-rope/rope.h"

namespace qkv {

class RopeTester {
 public:
  // clang-format off
  RopeTester& n_head(size_t value) { n_head_ = value; return *this; }
  RopeTester& head_dim(size_t value) { head_dim_ = value; return *this; }
  RopeTester& n_rot(size_t value) { n_rot_ = value; return *this; }
  RopeTester& style(RopeStyle value) { style_ = value; return *this; }
  RopeTester& iterations(size_t value) { iterations_ = value; return *this; }
  // clang-format on

  // Compares fn with the scalar reference and with the HF formulations,
  // written out here in double on a whole head:
  //   half split:  x * cat(cos, cos) + rotate_half(x) * cat(sin, sin),
  //                rotate_half(x) = cat(-x2, x1)           (modeling_llama)
  //   interleaved: x * repeat_interleave(cos) + rotate_every_two(x) * repeat_interleave(sin),
  //                rotate_every_two(x)[2i, 2i+1] = (-x[2i+1], x[2i])  (modeling_gptj)
  void Test(F32RopeUkernelFn fn) const {
    std::mt19937 rng(static_cast<unsigned>(n_head_ * 131 + head_dim_ * 7 + n_rot_));
    std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
    std::uniform_real_distribution<double> angle(-100.0, 100.0);
    const size_t half = n_rot_ / 2;
    std::vector<float> cos(half), sin(half), x(n_head_ * head_dim_);
    for (size_t it = 0; it < iterations_; ++it) {
      for (size_t i = 0; i < half; ++i) {
        const double a = angle(rng);
        cos[i] = static_cast<float>(std::cos(a));
        sin[i] = static_cast<float>(std::sin(a));
      }
      for (float& v : x) v = dist(rng);

      std::vector<double> exact(x.size());
      for (size_t h = 0; h < n_head_; ++h) {
        const float* xh = x.data() + h * head_dim_;
        double* eh = exact.data() + h * head_dim_;
        for (size_t j = 0; j < head_dim_; ++j) eh[j] = xh[j];
        for (size_t j = 0; j < n_rot_; ++j) {
          double c, s, rotated;
          if (style_ == RopeStyle::kHalfSplit) {
            c = cos[j % half];
            s = sin[j % half];
            rotated = j < half ? -static_cast<double>(xh[j + half]) : xh[j - half];
          } else {
            c = cos[j / 2];
            s = sin[j / 2];
            rotated = j % 2 == 0 ? -static_cast<double>(xh[j + 1]) : xh[j - 1];
          }
          eh[j] = xh[j] * c + rotated * s;
        }
      }

      std::vector<float> y_ref = x, y = x;
      f32_rope_ukernel__scalar(n_head_, head_dim_, n_rot_, cos.data(), sin.data(), style_, y_ref.data());
      fn(n_head_, head_dim_, n_rot_, cos.data(), sin.data(), style_, y.data());
      for (size_t j = 0; j < x.size(); ++j) {
        if (j % head_dim_ >= n_rot_) {
          ASSERT_EQ(y[j], x[j]) << "untouched dim " << j % head_dim_ << " of head " << j / head_dim_;
          continue;
        }
        // |a cos - b sin| <= |a| + |b| <= 6; a few float roundings of that.
        ASSERT_NEAR(y[j], exact[j], 4e-6) << "vs exact, head " << j / head_dim_ << " dim " << j % head_dim_;
        ASSERT_NEAR(y[j], y_ref[j], 4e-6) << "vs scalar, head " << j / head_dim_ << " dim " << j % head_dim_;
      }
    }
  }

 private:
  size_t n_head_ = 1;
  size_t head_dim_ = 64;
  size_t n_rot_ = 64;
  RopeStyle style_ = RopeStyle::kHalfSplit;
  size_t iterations_ = 2;
};

}  // namespace qkv
