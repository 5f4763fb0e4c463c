#include "models/heads/pooling.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace qkv {
namespace {

// torch.nn.functional.normalize: x / max(||x||, 1e-12).
void normalize_row(size_t n, float* x) {
  double norm = 0;
  for (size_t i = 0; i < n; ++i) norm += static_cast<double>(x[i]) * x[i];
  const double scale = 1.0 / std::max(std::sqrt(norm), 1e-12);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(x[i] * scale);
}

}  // namespace

Status pooling_from_name(const std::string& name, Pooling* out) {
  if (name == "mean") {
    *out = Pooling::kMean;
  } else if (name == "cls") {
    *out = Pooling::kCls;
  } else if (name == "max") {
    *out = Pooling::kMax;
  } else if (name == "last_token") {
    *out = Pooling::kLastToken;
  } else if (name == "none") {
    *out = Pooling::kNone;
  } else {
    return Status::invalid_argument("pooling must be 'mean', 'cls', 'max', 'last_token' or 'none', got '" +
                                    name + "'");
  }
  return Status::ok_status();
}

size_t pooled_rows(Pooling pooling, const size_t* lengths, size_t n_seqs) {
  if (pooling != Pooling::kNone) return n_seqs;
  size_t total = 0;
  for (size_t s = 0; s < n_seqs; ++s) total += lengths[s];
  return total;
}

void pool_sequences(const float* hidden, const size_t* lengths, size_t n_seqs, size_t n_embd, Pooling pooling,
                    bool normalize, float* out) {
  if (pooling == Pooling::kNone) {
    const size_t rows = pooled_rows(pooling, lengths, n_seqs);
    if (out != hidden) std::memcpy(out, hidden, rows * n_embd * sizeof(float));
    for (size_t t = 0; normalize && t < rows; ++t) normalize_row(n_embd, out + t * n_embd);
    return;
  }
  // Sums in double: 512 tokens of float32 lose digits a cosine of 0.9999 would notice.
  std::vector<double> sum(n_embd);
  const float* seq = hidden;
  for (size_t s = 0; s < n_seqs; seq += lengths[s] * n_embd, ++s) {
    float* dst = out + s * n_embd;
    if (pooling == Pooling::kCls) {
      std::memcpy(dst, seq, n_embd * sizeof(float));
    } else if (pooling == Pooling::kLastToken) {
      // The sequence's own last token: packed sequences have no padding to skip.
      std::memcpy(dst, seq + (lengths[s] - 1) * n_embd, n_embd * sizeof(float));
    } else if (pooling == Pooling::kMax) {
      // Every token is real (no padding to mask out), so the first row starts the maximum.
      std::memcpy(dst, seq, n_embd * sizeof(float));
      for (size_t t = 1; t < lengths[s]; ++t) {
        for (size_t i = 0; i < n_embd; ++i) dst[i] = std::max(dst[i], seq[t * n_embd + i]);
      }
    } else {
      std::fill(sum.begin(), sum.end(), 0.0);
      for (size_t t = 0; t < lengths[s]; ++t) {
        for (size_t i = 0; i < n_embd; ++i) sum[i] += seq[t * n_embd + i];
      }
      for (size_t i = 0; i < n_embd; ++i)
        dst[i] = static_cast<float>(sum[i] / static_cast<double>(lengths[s]));
    }
    if (normalize) normalize_row(n_embd, dst);
  }
}

}  // namespace qkv
