// Builder-style tester for gemm(): packs a random Hub-style weight matrix and
// compares gemm() with a double-precision matrix product written here, on
// the weights as the chosen weight type represents them (f16-rounded, or
// dequantized by an independent implementation of the q8 or q4 spec).
//   GemmTester().m(5).n(17).k(31).type(WeightType::kQ8).Test();
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/common/f16.h"
#include "kernels/common/q4.h"
#include "kernels/common/q8.h"
#include "kernels/gemm/gemm.h"

namespace qkv {

// A row-major [n, k] f32 matrix packed as q8, owned, for tests that call
// gemm() themselves.
class Q8PackedMatrix {
 public:
  Q8PackedMatrix(const std::vector<float>& w, size_t n, size_t k)
      : n_(n),
        k_(k),
        data_(packed_weights_bytes(WeightType::kQ8, n, k)),
        scales_(packed_scales_bytes(WeightType::kQ8, n, k) / sizeof(float)) {
    EXPECT_TRUE(pack_weights(w.data(), SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kQ8,
                             data_.data(), scales_.data(), nullptr)
                    .ok());
  }
  PackedWeights weights() const { return {WeightType::kQ8, n_, k_, data_.data(), scales_.data()}; }

 private:
  size_t n_, k_;
  std::vector<uint8_t> data_;
  std::vector<float> scales_;
};

// q8 of one row as the spec in src/kernels/common/q8.h says, written
// independently of the kernels: returns the dequantized values.
inline std::vector<double> q8_spec_roundtrip(const std::vector<float>& row) {
  std::vector<double> out(row.size());
  for (size_t b = 0; b < row.size(); b += 32) {
    const size_t e = std::min(row.size(), b + 32);
    float amax = 0;
    for (size_t i = b; i < e; ++i) amax = std::max(amax, std::fabs(row[i]));
    const float scale = amax / 127.0f;
    for (size_t i = b; i < e; ++i) {
      // The q8 spec (kernels/q8/quant.h): float division, round half away from zero.
      const float q = scale > 0 ? std::round(row[i] / scale) : 0.0f;
      out[i] = double(scale) * std::max(-127.0f, std::min(127.0f, q));
    }
  }
  return out;
}

// q4 of one row as the spec in src/kernels/common/q4.h says, written
// independently of the kernels: per value its q and its block's d and m, the
// exact value d * q + m (in double) and the stored one, float(d * q) + m.
struct Q4SpecRow {
  std::vector<int> q;
  std::vector<float> d, m;  // per block
  std::vector<double> exact;
  std::vector<float> stored;
};
inline Q4SpecRow q4_spec_quantize(const std::vector<float>& row) {
  Q4SpecRow out;
  for (size_t b = 0; b < row.size(); b += 32) {
    const size_t e = std::min(row.size(), b + 32);
    const float lo = *std::min_element(row.begin() + b, row.begin() + e);
    const float hi = *std::max_element(row.begin() + b, row.begin() + e);
    const float d = (hi - lo) / 15.0f + 0.0f, m = lo + 0.0f;
    out.d.push_back(d);
    out.m.push_back(m);
    for (size_t i = b; i < e; ++i) {
      float q = 0.0f;
      if (d != 0.0f) {
        const float diff = row[i] - lo;
        q = std::max(0.0f, std::min(15.0f, std::round(diff / d)));  // half away from zero
      }
      out.q.push_back(static_cast<int>(q));
      out.exact.push_back(double(d) * q + double(m));
      const float dq = d * q;
      out.stored.push_back(dq + m);
    }
  }
  return out;
}

class GemmTester {
 public:
  GemmTester& m(size_t v) {
    m_ = v;
    return *this;
  }
  GemmTester& n(size_t v) {
    n_ = v;
    return *this;
  }
  GemmTester& k(size_t v) {
    k_ = v;
    return *this;
  }
  GemmTester& type(WeightType v) {
    type_ = v;
    return *this;
  }
  GemmTester& source(SourceType v) {
    source_ = v;
    return *this;
  }
  GemmTester& layout(SourceLayout v) {
    layout_ = v;
    return *this;
  }
  GemmTester& bias(bool v) {
    bias_ = v;
    return *this;
  }
  GemmTester& threads(size_t v) {
    threads_ = v;
    return *this;
  }
  GemmTester& x_stride_pad(size_t v) {
    x_pad_ = v;
    return *this;
  }

  void Test() const {
    std::mt19937 rng(static_cast<unsigned>(m_ * 131 + n_ * 7 + k_));
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    // w_nk[r][c]: the logical weights (row r = output feature) as float.
    std::vector<float> w_nk(n_ * k_);
    for (float& v : w_nk) v = dist(rng);
    std::vector<uint16_t> src16(n_ * k_);
    std::vector<float> src32(n_ * k_);
    for (size_t r = 0; r < n_; ++r) {
      for (size_t c = 0; c < k_; ++c) {
        const size_t i = layout_ == SourceLayout::kNK ? r * k_ + c : c * n_ + r;
        float v = w_nk[r * k_ + c];
        if (source_ == SourceType::kF16) {
          src16[i] = f32_to_f16(v);
          v = f16_to_f32(src16[i]);
        } else if (source_ == SourceType::kBF16) {
          uint32_t bits;
          std::memcpy(&bits, &v, 4);
          src16[i] = static_cast<uint16_t>(bits >> 16);  // truncation is fine: the reference reads it back
          v = bf16_to_f32(src16[i]);
        }
        src32[i] = v;
        w_nk[r * k_ + c] = v;
      }
    }
    const void* src = source_ == SourceType::kF32 ? static_cast<const void*>(src32.data()) : src16.data();

    std::vector<uint8_t> data(packed_weights_bytes(type_, n_, k_));
    std::vector<float> scales(packed_scales_bytes(type_, n_, k_) / sizeof(float));
    std::unique_ptr<ThreadPool> pool = threads_ > 1 ? std::make_unique<ThreadPool>(threads_) : nullptr;
    ASSERT_TRUE(
        pack_weights(src, source_, layout_, n_, k_, type_, data.data(), scales.data(), pool.get()).ok());
    const PackedWeights w{type_, n_, k_, data.data(), scales.empty() ? nullptr : scales.data()};

    // The weights as the packed type represents them. q4 kernels compute
    // x_scale * (d * q·xq + m * sum xq) per block: the m and d*q terms may
    // cancel, so their float rounding scales with |m| + |d q| (w_mag).
    std::vector<double> w_ref(n_ * k_), w_mag(n_ * k_);
    for (size_t r = 0; r < n_; ++r) {
      std::vector<float> row(w_nk.begin() + r * k_, w_nk.begin() + (r + 1) * k_);
      std::vector<double> rep(k_);
      if (type_ == WeightType::kQ4) {
        const Q4SpecRow spec = q4_spec_quantize(row);
        rep = spec.exact;
        for (size_t c = 0; c < k_; ++c)
          w_mag[r * k_ + c] = std::fabs(spec.m[c / 32]) + double(spec.d[c / 32]) * spec.q[c];
      } else if (type_ == WeightType::kQ8) {
        rep = q8_spec_roundtrip(row);
      } else {
        for (size_t c = 0; c < k_; ++c)
          rep[c] = type_ == WeightType::kF16 ? f16_to_f32(f32_to_f16(row[c])) : row[c];
      }
      std::copy(rep.begin(), rep.end(), w_ref.begin() + r * k_);
      if (type_ != WeightType::kQ4) {
        for (size_t c = 0; c < k_; ++c) w_mag[r * k_ + c] = std::fabs(rep[c]);
      }
    }

    const size_t x_stride = k_ + x_pad_, y_stride = n_ + 3;
    std::vector<float> x(m_ * x_stride), b(n_), y(m_ * y_stride, -7.0f);
    for (float& v : x) v = dist(rng);
    for (float& v : b) v = dist(rng);
    ASSERT_TRUE(
        gemm(pool.get(), m_, x.data(), x_stride, w, bias_ ? b.data() : nullptr, y.data(), y_stride).ok());

    // q8 and q4 weights multiply q8 activations: x is quantized by the q8 spec (GEMV and GEMM alike).
    const bool x_quantized = type_ == WeightType::kQ8 || type_ == WeightType::kQ4;
    for (size_t i = 0; i < m_; ++i) {
      std::vector<float> xrow(x.begin() + i * x_stride, x.begin() + i * x_stride + k_);
      std::vector<double> xr(xrow.begin(), xrow.end());
      if (x_quantized) xr = q8_spec_roundtrip(xrow);
      for (size_t j = 0; j < n_; ++j) {
        double ref = bias_ ? b[j] : 0.0, mag = std::fabs(ref);
        for (size_t c = 0; c < k_; ++c) {
          ref += xr[c] * w_ref[j * k_ + c];
          mag += std::fabs(xr[c]) * w_mag[j * k_ + c];
        }
        // float accumulation over k terms: error grows with the sum of |terms|.
        const double tol =
            1e-6 * mag + 4e-6 * std::sqrt(double(k_)) * mag / std::max<double>(1.0, std::sqrt(double(k_)));
        ASSERT_NEAR(y[i * y_stride + j], ref, tol + 1e-6)
            << "m=" << m_ << " n=" << n_ << " k=" << k_ << " type=" << weight_type_name(type_) << " at (" << i
            << ", " << j << ")";
      }
      for (size_t j = n_; j < y_stride; ++j) ASSERT_EQ(y[i * y_stride + j], -7.0f) << "wrote past row end";
    }
  }

 private:
  size_t m_ = 1, n_ = 1, k_ = 1, threads_ = 1, x_pad_ = 0;
  WeightType type_ = WeightType::kF32;
  SourceType source_ = SourceType::kF32;
  SourceLayout layout_ = SourceLayout::kNK;
  bool bias_ = true;
};

}  // namespace qkv
