#include <cmath>
#include <vector>

#include "rope_tester.h"

namespace qkv {
namespace {

// Pairs per head: 1, every remainder of the widest vector, and model sizes.
const size_t kHalves[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127};
const RopeStyle kStyles[] = {RopeStyle::kHalfSplit, RopeStyle::kInterleaved};

struct Kernel {
  const char* name;
  F32RopeUkernelFn fn;
};
const Kernel kKernels[] = {{"scalar", f32_rope_ukernel__scalar}, {"simd", f32_rope_ukernel__simd}};

TEST(F32Rope, FullRotationOverSizes) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (RopeStyle style : kStyles) {
      for (size_t half : kHalves) {
        for (size_t n_head : {1, 3}) {
          RopeTester().n_head(n_head).head_dim(2 * half).n_rot(2 * half).style(style).Test(k.fn);
        }
      }
    }
  }
}

// GPT-NeoX (rotary_pct), Phi (partial_rotary_factor): the dims past n_rot
// stay as they are, and an odd remainder keeps the next head misaligned.
TEST(F32Rope, PartialRotation) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (RopeStyle style : kStyles) {
      for (size_t half : kHalves) {
        for (size_t extra : {1, 6, 48}) {
          RopeTester().n_head(4).head_dim(2 * half + extra).n_rot(2 * half).style(style).Test(k.fn);
        }
      }
    }
  }
}

TEST(F32Rope, ModelShapes) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (RopeStyle style : kStyles) {
      RopeTester().n_head(32).head_dim(128).n_rot(128).style(style).Test(k.fn);  // LLaMA-7B
      RopeTester().n_head(14).head_dim(64).n_rot(64).style(style).Test(k.fn);    // Qwen2-0.5B
      RopeTester().n_head(8).head_dim(64).n_rot(16).style(style).Test(k.fn);     // pythia-70m
      RopeTester().n_head(32).head_dim(80).n_rot(32).style(style).Test(k.fn);    // phi-2
    }
  }
}

TEST(F32Rope, PositionZeroIsIdentityAndNRotZeroTouchesNothing) {
  for (const Kernel& k : kKernels) {
    SCOPED_TRACE(k.name);
    for (RopeStyle style : kStyles) {
      std::vector<float> cos(40, 1.0f), sin(40, 0.0f), x(3 * 80);
      for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * i);
      std::vector<float> y = x;
      k.fn(3, 80, 80, cos.data(), sin.data(), style, y.data());
      EXPECT_EQ(y, x);
      k.fn(3, 80, 0, cos.data(), sin.data(), style, y.data());
      EXPECT_EQ(y, x);
    }
  }
}

// Reference for rope_fill_cos_sin: HF's float32 steps written with float
// libm calls (powf, cosf, sinf). The float32 angle is reproduced exactly
// when powf rounds like the kernel's double pow (true for these bases);
// cosf/sinf are within 1 ulp of the correctly rounded values.
TEST(RopeCosSin, MatchesHfFloat32Steps) {
  for (double base : {10000.0, 500000.0, 1000000.0}) {
    for (size_t n_rot : {16, 64, 128}) {
      const size_t n_pos = 4100, half = n_rot / 2;
      std::vector<float> cos(n_pos * half), sin(n_pos * half);
      rope_fill_cos_sin(n_pos, n_rot, base, cos.data(), sin.data());
      for (size_t i = 0; i < half; ++i) {
        const float inv_freq =
            1.0f / std::pow(static_cast<float>(base), static_cast<float>(2 * i) / static_cast<float>(n_rot));
        for (size_t p = 0; p < n_pos; p += (p < 64 ? 1 : 97)) {
          const float a = static_cast<float>(p) * inv_freq;
          ASSERT_NEAR(cos[p * half + i], std::cos(a), 1.2e-7)
              << "base " << base << " i " << i << " pos " << p;
          ASSERT_NEAR(sin[p * half + i], std::sin(a), 1.2e-7)
              << "base " << base << " i " << i << " pos " << p;
        }
      }
    }
  }
}

// The same table against the exact angles pos * base^(-2i/n_rot) in double:
// only the float32 rounding of the angle (relative ~2^-23) separates them.
TEST(RopeCosSin, CloseToExactAngles) {
  const size_t n_pos = 2048, n_rot = 128, half = n_rot / 2;
  std::vector<float> cos(n_pos * half), sin(n_pos * half);
  rope_fill_cos_sin(n_pos, n_rot, 10000.0, cos.data(), sin.data());
  for (size_t p = 0; p < n_pos; p += 13) {
    for (size_t i = 0; i < half; ++i) {
      const double a = static_cast<double>(p) * std::pow(10000.0, -2.0 * i / n_rot);
      const double tol = 4e-7 * a + 1e-7;
      ASSERT_NEAR(cos[p * half + i], std::cos(a), tol) << "pos " << p << " i " << i;
      ASSERT_NEAR(sin[p * half + i], std::sin(a), tol) << "pos " << p << " i " << i;
    }
  }
  // The first pair always turns by the position itself (inv_freq_0 = 1).
  EXPECT_FLOAT_EQ(cos[7 * half], static_cast<float>(std::cos(7.0)));
}

}  // namespace
}  // namespace qkv
