#include "runtime/session.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace qkv {

namespace {

KvCacheConfig cache_config(const ModelDims& d, const SessionOptions& o) {
  KvCacheConfig c;
  c.n_layer = d.n_layer;
  c.n_head_kv = d.n_head_kv;
  c.head_dim = d.head_dim;
  c.max_positions = o.max_positions != 0 ? std::min(o.max_positions, d.n_ctx) : d.n_ctx;
  c.dtype = o.kv_dtype;
  c.windows = o.layer_windows;
  c.max_bytes = o.max_cache_bytes;
  return c;
}

// The options' windows, or else the model's own (DecoderStack::layer_windows).
SessionOptions with_model_windows(const Model& model, SessionOptions o) {
  if (o.layer_windows.empty() && model.decoder() != nullptr)
    o.layer_windows = model.decoder()->layer_windows();
  return o;
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model, ThreadPool* pool, const SessionOptions& options)
    : model_(std::move(model)),
      decoder_(model_->decoder()),
      pool_(pool),
      options_status_(check_options(model_->dims(), with_model_windows(*model_, options))),
      cache_(cache_config(model_->dims(), with_model_windows(*model_, options))),
      sampler_(model_->dims().n_vocab) {
  const ModelDims& d = model_->dims();
  act_.resize(d, std::min(kPrefillChunk, d.n_ctx));
  logits_.assign(d.n_vocab, 0.0f);
}

Status Session::check_options(const ModelDims& d, const SessionOptions& o) {
  if (o.max_positions > d.n_ctx) {
    return Status::invalid_argument("a context of " + std::to_string(o.max_positions) +
                                    " positions exceeds the model's " + std::to_string(d.n_ctx) +
                                    " (max_position_embeddings)");
  }
  return KvCache::check_config(cache_config(d, o));
}

void Session::reset() {
  tokens_.clear();
  (void)cache_.truncate(0);  // truncating to 0 always succeeds
}

Status Session::truncate(size_t n) {
  if (n > position()) {
    return Status::invalid_argument("truncate: position " + std::to_string(n) + " is past the " +
                                    std::to_string(position()) + " tokens in the session");
  }
  QKV_RETURN_IF_ERROR(cache_.truncate(n));
  tokens_.resize(n);
  return Status::ok_status();
}

Status Session::check_fits(size_t positions) const {
  QKV_RETURN_IF_ERROR(options_status_);
  return cache_.check_fits(positions, act_.capacity);
}

Status Session::reserve(size_t positions) {
  QKV_RETURN_IF_ERROR(options_status_);
  return cache_.reserve(positions, act_.capacity);
}

Status Session::require_decoder(const Model& model, const std::string& architecture) {
  if (model.decoder() != nullptr) return Status::ok_status();
  if (model.seq2seq() != nullptr) return Status::unsupported(seq2seq_not_runnable(architecture));
  return Status::unsupported(architecture + " is an encoder: it embeds text and does not generate");
}

Status Session::check_ids(const int32_t* ids, size_t n) const {
  const ModelDims& d = dims();
  QKV_RETURN_IF_ERROR(options_status_);
  if (n == 0) return Status::invalid_argument("no tokens to process");
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= d.n_vocab) {
      return Status::invalid_argument("token id " + std::to_string(ids[i]) + " at position " +
                                      std::to_string(i) + " is outside the vocabulary [0, " +
                                      std::to_string(d.n_vocab) + ")");
    }
  }
  const size_t limit = max_positions();
  if (n > limit - std::min(limit, position())) {
    return Status::invalid_argument(
        std::to_string(n) + " tokens after the " + std::to_string(position()) +
        " already in the cache exceed " +
        (limit == d.n_ctx ? "the model's context of " : "the session's limit of ") + std::to_string(limit) +
        " tokens");
  }
  return Status::ok_status();
}

Status Session::run(const int32_t* ids, size_t n, bool all_logits, float* const* probs) {
  const size_t vocab = dims().n_vocab;
  // Before any work: the cache refuses what would not fit.
  QKV_RETURN_IF_ERROR(cache_.reserve(position() + n, act_.capacity));
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
  QKV_RETURN_IF_ERROR(cache_.reserve(position() + n, act_.capacity));
  if (all_logits) all_logits_.assign(n * dims().n_vocab, 0.0f);
  const size_t start = position();
  Status s = run(ids, n, all_logits, nullptr);
  if (!s.ok()) {
    // Forget the partial chunk; if a window has moved past it, start over.
    tokens_.resize(start);
    if (!cache_.truncate(start).ok()) reset();
  }
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
