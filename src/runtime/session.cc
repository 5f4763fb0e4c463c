#include "runtime/session.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace qkv {

Session::Session(std::shared_ptr<const Model> model, ThreadPool* pool)
    : model_(std::move(model)), decoder_(model_->decoder()), pool_(pool), sampler_(model_->dims().n_vocab) {
  const ModelDims& d = model_->dims();
  cache_.resize(d);
  act_.resize(d, std::min(kPrefillChunk, d.n_ctx));
  logits_.assign(d.n_vocab, 0.0f);
  tokens_.reserve(d.n_ctx);
}

Status Session::require_decoder(const Model& model, const std::string& architecture) {
  if (model.decoder() != nullptr) return Status::ok_status();
  return Status::unsupported(architecture + " is an encoder: it embeds text and does not generate");
}

Status Session::check_ids(const int32_t* ids, size_t n) const {
  const ModelDims& d = dims();
  if (n == 0) return Status::invalid_argument("no tokens to process");
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= d.n_vocab) {
      return Status::invalid_argument("token id " + std::to_string(ids[i]) + " at position " +
                                      std::to_string(i) + " is outside the vocabulary [0, " +
                                      std::to_string(d.n_vocab) + ")");
    }
  }
  if (n > d.n_ctx - std::min(d.n_ctx, position())) {
    return Status::invalid_argument(std::to_string(n) + " tokens after the " + std::to_string(position()) +
                                    " already in the cache exceed the model's context of " +
                                    std::to_string(d.n_ctx) + " tokens");
  }
  return Status::ok_status();
}

Status Session::run(const int32_t* ids, size_t n, bool all_logits, float* const* probs) {
  const size_t vocab = dims().n_vocab;
  for (size_t done = 0; done < n;) {
    const size_t chunk = std::min(act_.capacity, n - done);
    ForwardRequest r;
    r.ids = ids + done;
    r.n = chunk;
    r.pos0 = position();
    r.all_logits = all_logits;
    r.logits = all_logits ? all_logits_.data() + done * vocab : logits_.data();
    r.attention_probs = probs;
    QKV_RETURN_IF_ERROR(decoder_->forward(pool_, cache_, act_, r));
    tokens_.insert(tokens_.end(), ids + done, ids + done + chunk);
    done += chunk;
  }
  if (all_logits) std::memcpy(logits_.data(), all_logits_.data() + (n - 1) * vocab, vocab * sizeof(float));
  return Status::ok_status();
}

Status Session::append(const int32_t* ids, size_t n, bool all_logits) {
  QKV_RETURN_IF_ERROR(check_ids(ids, n));
  if (all_logits) all_logits_.assign(n * dims().n_vocab, 0.0f);
  const size_t start = position();
  Status s = run(ids, n, all_logits, nullptr);
  if (!s.ok()) tokens_.resize(start);  // a kernel refused: forget the partial chunk
  return s;
}

Status Session::set_sampling(const SamplingOptions& options) {
  QKV_RETURN_IF_ERROR(validate_sampling_options(options));
  sampling_ = options;
  return Status::ok_status();
}

Status Session::sample(int32_t* token) {
  if (position() == 0) return Status::invalid_argument("sample: nothing has been processed yet");
  *token = sampler_.sample(logits_.data(), sampling_, tokens_.data(), tokens_.size(), rng_);
  return Status::ok_status();
}

Status Session::attention(const int32_t* ids, size_t n, std::vector<std::vector<float>>* probs) {
  reset();
  QKV_RETURN_IF_ERROR(check_ids(ids, n));
  const ModelDims& d = dims();
  // One chunk, so every row's probabilities cover the whole prompt.
  if (act_.capacity < n) act_.resize(d, n);
  probs->assign(d.n_layer, std::vector<float>(d.n_head * n * n, 0.0f));
  std::vector<float*> layer_ptrs(d.n_layer);
  for (size_t l = 0; l < d.n_layer; ++l) layer_ptrs[l] = (*probs)[l].data();
  Status s = run(ids, n, false, layer_ptrs.data());
  if (act_.capacity > kPrefillChunk) act_.resize(d, std::min(kPrefillChunk, d.n_ctx));
  if (!s.ok()) reset();
  return s;
}

}  // namespace qkv
