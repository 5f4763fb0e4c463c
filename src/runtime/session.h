// A conversation with a loaded model: the KV cache, the tokens it holds,
// the logits of the last step and the sampler. JS makes one call per step
// (prefill of the prompt, then one step per generated token), never one per
// operation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/decoder.h"
#include "models/model.h"
#include "runtime/sampler.h"

namespace qkv {

class Session {
 public:
  // Tokens per forward chunk when prefilling: enough rows for the GEMM to
  // run at full speed, few enough to keep activations small.
  static constexpr size_t kPrefillChunk = 128;

  // model->decoder() must not be null (require_decoder() says why it is).
  Session(std::shared_ptr<const Model> model, ThreadPool* pool);
  // An unsupported error naming the architecture when the model cannot generate.
  static Status require_decoder(const Model& model, const std::string& architecture);

  const ModelDims& dims() const { return model_->dims(); }
  // Tokens in the cache.
  size_t position() const { return tokens_.size(); }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  void reset() { tokens_.clear(); }

  // Appends ids to the cache and computes the logits of the last one (or of
  // all of them into all_logits() when all_logits is set). On error nothing
  // changes: ids and length are checked before any work.
  Status append(const int32_t* ids, size_t n, bool all_logits = false);

  // Logits of the last appended token [n_vocab].
  const float* logits() const { return logits_.data(); }
  // After append(..., true): [n, n_vocab] for the n tokens of that call.
  const std::vector<float>& all_logits() const { return all_logits_; }

  void seed(uint64_t seed) { rng_.reseed(seed, seed); }
  // The options sample() uses until the next call (default: greedy), checked
  // here once per generation rather than once per token. On error the
  // previous options stay.
  Status set_sampling(const SamplingOptions& options);
  // Draws the next token from logits() (which it modifies: penalty,
  // temperature); the penalty applies to every token in the cache.
  Status sample(int32_t* token);

  // Runs ids from position 0 (resetting the cache) and returns attention
  // probabilities: probs[layer] is [n_head][n][n].
  Status attention(const int32_t* ids, size_t n, std::vector<std::vector<float>>* probs);

 private:
  Status check_ids(const int32_t* ids, size_t n) const;
  Status run(const int32_t* ids, size_t n, bool all_logits, float* const* probs);

  std::shared_ptr<const Model> model_;
  const DecoderStack* decoder_;
  ThreadPool* pool_;
  KvCache cache_;
  Activations act_;
  std::vector<float> logits_;
  std::vector<float> all_logits_;
  std::vector<int32_t> tokens_;
  Sampler sampler_;
  SamplingOptions sampling_;
  Pcg32 rng_;
};

}  // namespace qkv
