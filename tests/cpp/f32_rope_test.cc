#include <cmath>
#include <vector>

#include "kernel_cases.h"
#include "rope_tester.h"

namespace qkv {
namespace {

// Pairs per head: 1, every remainder of the widest vector, and model sizes.
const auto& kHalves = kTailSizes;
const RopeStyle kStyles[] = {RopeStyle::kHalfSplit, RopeStyle::kInterleaved};

TEST(F32Rope, FullRotationOverSizes) {
  for (const auto& k : kF32RopeKernels) {
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
  for (const auto& k : kF32RopeKernels) {
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
  for (const auto& k : kF32RopeKernels) {
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
  for (const auto& k : kF32RopeKernels) {
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

// rope_scaling of type "llama3": the expected values are transformers'
// _compute_llama3_parameters run in PyTorch (float32, as LlamaRotaryEmbedding
// computes them), not qkv's output:
//   inv = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
//   wavelen = 2 * math.pi / inv
//   out = torch.where(wavelen > old / low, inv / factor, inv)
//   smooth = (old / wavelen - low) / (high - low)
//   mixed = (1 - smooth) * out / factor + smooth * out
//   out = torch.where(~(wavelen < old / high) * ~(wavelen > old / low), mixed, out)
// for the listed pairs, the input inv (as torch's float32 default) included.
enum class Band { kKeep, kSmooth, kDivide };

struct Llama3Case {
  RopeLlama3Scaling scaling;  // factor, low_freq_factor, high_freq_factor, original_max_position_embeddings
  double theta;
  size_t head_dim, pair;
  float inv_freq;  // the default rotary embedding's
  Band band;
  float scaled;
};

const Llama3Case kLlama3Cases[] = {
    // Llama 3.1 8B / 70B: rope_theta 5e5, head_dim 128.
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 0, 0x1p+0f, Band::kKeep, 0x1p+0f},
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 28, 0x1.a4ee4p-9f, Band::kKeep, 0x1.a4ee4p-9f},
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 29, 0x1.56e5b8p-9f, Band::kSmooth, 0x1.1bfa0cp-9f},
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 31, 0x1.c7182p-10f, Band::kSmooth, 0x1.c12f3cp-11f},
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 34, 0x1.ec07d4p-11f, Band::kSmooth, 0x1.765ba4p-13f},
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 35, 0x1.90d10cp-11f, Band::kDivide, 0x1.90d10cp-14f},
    {{8.0, 1.0, 4.0, 8192}, 500000, 128, 63, 0x1.4985fep-19f, Band::kDivide, 0x1.4985fep-22f},
    // Llama 3.2 1B: factor 32, head_dim 64.
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 0, 0x1p+0f, Band::kKeep, 0x1p+0f},
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 14, 0x1.a4ee4p-9f, Band::kKeep, 0x1.a4ee4p-9f},
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 15, 0x1.175482p-9f, Band::kSmooth, 0x1.524f36p-10f},
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 16, 0x1.72ba42p-10f, Band::kSmooth, 0x1.c26c4p-12f},
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 17, 0x1.ec07d4p-11f, Band::kSmooth, 0x1.9731eep-14f},
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 18, 0x1.46831ap-11f, Band::kDivide, 0x1.46831ap-16f},
    {{32.0, 1.0, 4.0, 8192}, 500000, 64, 31, 0x1.94836p-19f, Band::kDivide, 0x1.94836p-24f},
    // tests/fixtures/llama3-tiny: every pair of a 16-wide head, original context 64.
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 0, 0x1p+0f, Band::kKeep, 0x1p+0f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 1, 0x1.8d276p-3f, Band::kSmooth, 0x1.453c18p-4f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 2, 0x1.34119p-5f, Band::kDivide, 0x1.34119p-8f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 3, 0x1.ddee9ep-8f, Band::kDivide, 0x1.ddee9ep-11f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 4, 0x1.72ba42p-10f, Band::kDivide, 0x1.72ba42p-13f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 5, 0x1.1f91fp-12f, Band::kDivide, 0x1.1f91fp-15f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 6, 0x1.be2188p-15f, Band::kDivide, 0x1.be2188p-18f},
    {{8.0, 1.0, 4.0, 64}, 500000, 16, 7, 0x1.5a0f4ep-17f, Band::kDivide, 0x1.5a0f4ep-20f},
    // Factors that are not powers of two: every division and the smoothing round.
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 0, 0x1p+0f, Band::kKeep, 0x1p+0f},
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 14, 0x1.235a72p-6f, Band::kKeep, 0x1.235a72p-6f},
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 15, 0x1.b4f7e4p-7f, Band::kSmooth, 0x1.7df6aap-7f},
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 16, 0x1.47ae14p-7f, Band::kSmooth, 0x1.c8e7eap-8f},
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 17, 0x1.eb736p-8f, Band::kSmooth, 0x1.156c42p-8f},
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 21, 0x1.36d21ap-9f, Band::kDivide, 0x1.9e6d78p-11f},
    {{3.0, 0.5, 2.5, 1000}, 10000, 64, 31, 0x1.17a8e4p-13f, Band::kDivide, 0x1.74e13p-15f},
};

// Bit for bit: the float32 steps are the same as torch's.
TEST(RopeLlama3, MatchesTransformersFloat32) {
  for (const Llama3Case& c : kLlama3Cases) {
    SCOPED_TRACE(testing::Message() << "theta " << c.theta << " head_dim " << c.head_dim << " pair " << c.pair
                                    << " factor " << c.scaling.factor << " original context "
                                    << c.scaling.original_max_position_embeddings);
    std::vector<float> inv_freq(c.head_dim / 2);
    rope_default_inv_freq(c.head_dim, c.theta, inv_freq.data());
    EXPECT_EQ(inv_freq[c.pair], c.inv_freq);
    EXPECT_EQ(rope_llama3_inv_freq(c.inv_freq, c.scaling), c.scaled);
  }
}

// The same pairs against the formula written out in double, band by band:
// the float32 steps stay within a few ulp of it.
TEST(RopeLlama3, CloseToTheFormulaInDouble) {
  for (const Llama3Case& c : kLlama3Cases) {
    SCOPED_TRACE(testing::Message() << "head_dim " << c.head_dim << " pair " << c.pair);
    const RopeLlama3Scaling& s = c.scaling;
    const double f = c.inv_freq, old = static_cast<double>(s.original_max_position_embeddings);
    const double wavelen = 2 * 3.141592653589793 / f;
    double want = 0;
    switch (c.band) {
      case Band::kKeep:
        ASSERT_LT(wavelen, old / s.high_freq_factor);
        want = f;
        break;
      case Band::kDivide:
        ASSERT_GT(wavelen, old / s.low_freq_factor);
        want = f / s.factor;
        break;
      case Band::kSmooth: {
        ASSERT_GE(wavelen, old / s.high_freq_factor);
        ASSERT_LE(wavelen, old / s.low_freq_factor);
        const double smooth = (old / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        ASSERT_GT(smooth, 0.0);
        ASSERT_LT(smooth, 1.0);
        want = (1 - smooth) * f / s.factor + smooth * f;
        break;
      }
    }
    EXPECT_NEAR(rope_llama3_inv_freq(c.inv_freq, s), want, 2e-6 * want);
  }
}

// Across the smooth band the frequency moves from inv_freq (fast pairs) to
// inv_freq / factor (slow pairs) without jumps, never leaving that range.
TEST(RopeLlama3, SmoothBandJoinsTheOtherTwo) {
  const RopeLlama3Scaling s{8.0, 1.0, 4.0, 8192};
  const double two_pi = 2 * 3.141592653589793;
  float last_ratio = 1.0f;
  for (double wavelen = 1000; wavelen < 16000; wavelen *= 1.001) {
    const float f = static_cast<float>(two_pi / wavelen);
    const float ratio = rope_llama3_inv_freq(f, s) / f;
    ASSERT_LE(ratio, 1.0f) << "wavelen " << wavelen;
    ASSERT_GE(ratio, 1.0f / 8 * (1 - 1e-6f)) << "wavelen " << wavelen;
    ASSERT_LE(ratio, last_ratio * (1 + 1e-6f)) << "wavelen " << wavelen;
    ASSERT_GE(ratio, last_ratio - 0.002f) << "wavelen " << wavelen;  // 0.1% steps: no jump
    last_ratio = ratio;
  }
  EXPECT_FLOAT_EQ(last_ratio, 1.0f / 8);
}

// The default table is rope_default_inv_freq followed by the table filler.
TEST(RopeCosSin, TwoStepsEqualTheDefaultTable) {
  const size_t n_pos = 300, n_rot = 64, half = n_rot / 2;
  std::vector<float> cos(n_pos * half), sin(n_pos * half), cos2(cos.size()), sin2(sin.size()), inv_freq(half);
  rope_fill_cos_sin(n_pos, n_rot, 500000.0, cos.data(), sin.data());
  rope_default_inv_freq(n_rot, 500000.0, inv_freq.data());
  rope_fill_cos_sin_from_inv_freq(n_pos, half, inv_freq.data(), cos2.data(), sin2.data());
  EXPECT_EQ(cos, cos2);
  EXPECT_EQ(sin, sin2);
}

}  // namespace
}  // namespace qkv
