// Picks the next token from a row of logits, with the options transformers.js
// users know (snake_case on the JS side): greedy, temperature, top_k, top_p,
// repetition_penalty, seed. Processing order is Hugging Face's: repetition
// penalty, then temperature, top-k, top-p, softmax, draw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace qkv {

struct SamplingOptions {
  bool do_sample = false;           // false: greedy (argmax after the repetition penalty)
  float temperature = 1.0f;         // > 0
  size_t top_k = 0;                 // 0: off
  float top_p = 1.0f;               // in (0, 1]; 1: off
  float repetition_penalty = 1.0f;  // >= 1 usually; 1: off
};

// Rejects NaN, negative, zero or out-of-range values with a message naming
// the option (JS passes them through unchecked).
Status validate_sampling_options(const SamplingOptions& options);

// A small, seedable generator (PCG32): the same seed gives the same tokens on
// every platform, which std:: distributions do not promise.
class Pcg32 {
 public:
  explicit Pcg32(uint64_t seed = 0x853c49e6748fea9bULL) { reseed(seed, seed); }
  // pcg32_srandom_r of the PCG reference implementation.
  void reseed(uint64_t init_state, uint64_t init_sequence);
  uint32_t next();
  // Uniform in [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next() >> 8) * 0x1.0p-24f; }

 private:
  uint64_t state_ = 0;
  uint64_t inc_ = 0;
};

class Sampler {
 public:
  // Scratch for n_vocab candidates is allocated here, once.
  explicit Sampler(size_t n_vocab);

  // Modifies logits in place (penalty, temperature) and returns the token.
  // `seen` are the ids the repetition penalty applies to (prompt + output).
  int32_t sample(float* logits, const SamplingOptions& options, const int32_t* seen, size_t n_seen,
                 Pcg32& rng);

  size_t n_vocab() const { return n_vocab_; }

 private:
  size_t n_vocab_;
  std::vector<int32_t> idx_;
  std::vector<float> val_;
  std::vector<uint8_t> penalized_;  // per token: already penalized in this call
};

}  // namespace qkv
