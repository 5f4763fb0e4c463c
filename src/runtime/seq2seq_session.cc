#include "runtime/seq2seq_session.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/memory.h"
#include "runtime/generation_processors.h"

namespace qkv {
namespace {

std::string str(size_t v) { return std::to_string(v); }

}  // namespace

Status Seq2SeqSession::create(std::shared_ptr<const Model> model, const std::string& architecture,
                              ThreadPool* pool, const Seq2SeqSessionOptions& options,
                              std::unique_ptr<Seq2SeqSession>* out) {
  if (model->seq2seq() == nullptr) {
    return Status::unsupported(architecture +
                               " is not an encoder-decoder: it has no source to translate from");
  }
  KvCacheConfig config = model->seq2seq()->self_cache_config();
  config.dtype = options.kv_dtype;
  config.max_bytes = options.max_cache_bytes;
  QKV_RETURN_IF_ERROR(KvCache::check_config(config));
  out->reset(new Seq2SeqSession(std::move(model), pool, options));
  return Status::ok_status();
}

Seq2SeqSession::Seq2SeqSession(std::shared_ptr<const Model> model, ThreadPool* pool,
                               const Seq2SeqSessionOptions& options)
    : model_(std::move(model)), stack_(model_->seq2seq()), pool_(pool), options_(options) {
  cache_config_ = stack_->self_cache_config();
  cache_config_.dtype = options.kv_dtype;
  cache_config_.max_bytes = options.max_cache_bytes;
}

Status Seq2SeqSession::check_ids(const char* what, const int32_t* ids, size_t n, size_t vocab) const {
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= vocab) {
      return Status::invalid_argument(std::string(what) + ": token id " + std::to_string(ids[i]) +
                                      " at position " + str(i) + " is outside the vocabulary [0, " +
                                      str(vocab) + ")");
    }
  }
  return Status::ok_status();
}

Status Seq2SeqSession::reserve_scratch(size_t bytes) {
  // Grows to the largest call so far; kept for the next.
  if (scratch_.capacity() < bytes && !scratch_.reserve(bytes)) {
    return Status::resource_exhausted("seq2seq: no memory for " + megabytes(bytes) + " of scratch");
  }
  scratch_.reset();
  return Status::ok_status();
}

Status Seq2SeqSession::encode(const int32_t* ids, size_t n) {
  generation_.active = false;
  if (ids == nullptr || n == 0) return Status::invalid_argument("encode: the source has no tokens");
  const size_t limit = stack_->max_source_positions();
  if (n > limit) {
    return Status::invalid_argument("encode: the source has " + str(n) + " tokens; the model takes at most " +
                                    str(limit) + " (max_source_positions)");
  }
  QKV_RETURN_IF_ERROR(check_ids("encode", ids, n, stack_->source_vocab_size()));
  QKV_RETURN_IF_ERROR(reserve_scratch(stack_->encode_scratch_bytes(n)));
  // Forget the old source first: a failure leaves none rather than a mix.
  source_.clear();
  cross_ = CrossAttentionKv();
  std::vector<float> hidden(n * dims().n_embd);
  Seq2SeqEncodeRequest r;
  r.ids = ids;
  r.n = n;
  r.hidden = hidden.data();
  Status s = stack_->encode(pool_, scratch_, r);
  scratch_.reset();
  if (s.ok()) s = stack_->start(pool_, hidden.data(), n, &cross_);
  if (!s.ok()) {
    cross_ = CrossAttentionKv();
    return s;
  }
  hidden_ = std::move(hidden);
  source_.assign(ids, ids + n);
  return Status::ok_status();
}

Status Seq2SeqSession::require_source(const char* what) const {
  if (source_.empty())
    return Status::invalid_argument(std::string(what) + ": no source encoded (encode() first)");
  return Status::ok_status();
}

Status Seq2SeqSession::check_target(const int32_t* target, size_t n) const {
  if (target == nullptr || n == 0) return Status::invalid_argument("forward: the target has no tokens");
  const size_t limit = stack_->max_target_positions();
  if (n > limit) {
    return Status::invalid_argument("forward: the target has " + str(n) +
                                    " tokens; the decoder holds at most " + str(limit) +
                                    " (max_target_positions)");
  }
  return check_ids("forward", target, n, dims().n_vocab);
}

// Caches of exactly `positions` positions (so reserve() allocates no
// headroom past what the check counted), rebuilt when the length changes.
Status Seq2SeqSession::prepare_caches(size_t count, size_t positions) {
  KvCacheConfig config = cache_config_;
  config.max_positions = positions;
  const KvCache probe(config);
  const uint64_t need = probe.bytes_for(positions, 1) * count;
  uint64_t held = 0;
  for (const KvCache& c : caches_) held += c.bytes();
  const uint64_t platform = held + memory_available_bytes();
  const uint64_t budget =
      options_.max_cache_bytes != 0 ? std::min<uint64_t>(options_.max_cache_bytes, platform) : platform;
  // Refuse what the budget cannot hold before allocating any of it.
  if (need > budget) {
    return Status::resource_exhausted("generate: " + str(count) + " self-attention caches of " +
                                      str(positions) + " positions (" + kv_dtype_name(config.dtype) +
                                      ") need " + megabytes(need) + ", more than the " + megabytes(budget) +
                                      " available");
  }
  if (!caches_.empty() && caches_[0].config().max_positions != positions) caches_.clear();
  while (caches_.size() < count) caches_.emplace_back(config);
  cache_ptrs_.clear();
  for (size_t i = 0; i < count; ++i) {
    (void)caches_[i].truncate(0);  // to 0 always succeeds
    QKV_RETURN_IF_ERROR(caches_[i].reserve(positions, 1));
    cache_ptrs_.push_back(&caches_[i]);
  }
  return Status::ok_status();
}

Status Seq2SeqSession::step(size_t n_seqs, const size_t* counts, const int32_t* ids, bool last_only,
                            float* const* self_probs, float* const* cross_probs) {
  size_t rows = 0;
  for (size_t i = 0; i < n_seqs; ++i) rows += counts[i];
  QKV_RETURN_IF_ERROR(reserve_scratch(stack_->step_scratch_bytes(rows, n_seqs, cross_.n_src)));
  logits_.resize((last_only ? n_seqs : rows) * dims().n_vocab);
  Seq2SeqStepRequest r;
  r.cross = &cross_;
  r.selves = cache_ptrs_.data();
  r.counts = counts;
  r.n_seqs = n_seqs;
  r.ids = ids;
  r.logits = logits_.data();
  r.last_only = last_only;
  r.self_probs = self_probs;
  r.cross_probs = cross_probs;
  const Status s = stack_->step(pool_, scratch_, r);
  scratch_.reset();
  return s;
}

Status Seq2SeqSession::forward(const int32_t* target, size_t n, std::vector<float>* logits) {
  generation_.active = false;  // its caches are reused
  QKV_RETURN_IF_ERROR(require_source("forward"));
  QKV_RETURN_IF_ERROR(check_target(target, n));
  QKV_RETURN_IF_ERROR(prepare_caches(1, n));
  QKV_RETURN_IF_ERROR(step(1, &n, target, false, nullptr, nullptr));
  *logits = logits_;
  return Status::ok_status();
}

Status Seq2SeqSession::attention(const int32_t* target, size_t n, Seq2SeqAttention* out) {
  generation_.active = false;  // its caches are reused
  QKV_RETURN_IF_ERROR(require_source("attention"));
  QKV_RETURN_IF_ERROR(check_target(target, n));
  // The encoder again, with its probabilities (encode() does not keep them).
  const size_t n_src = source_.size(), n_head = dims().n_head;
  QKV_RETURN_IF_ERROR(reserve_scratch(stack_->encode_scratch_bytes(n_src)));
  std::vector<float> hidden(n_src * dims().n_embd);
  const std::vector<float*> encoder =
      layer_buffers(&out->encoder, dims().n_layer, n_head * n_src * n_src, 0.0f);
  Seq2SeqEncodeRequest e;
  e.ids = source_.data();
  e.n = n_src;
  e.hidden = hidden.data();
  e.attention_probs = encoder.data();
  const Status s = stack_->encode(pool_, scratch_, e);
  scratch_.reset();
  QKV_RETURN_IF_ERROR(s);
  const size_t n_dec = cache_config_.n_layer, dec_heads = cache_config_.n_head_kv;
  const std::vector<float*> self = layer_buffers(&out->decoder, n_dec, dec_heads * n * n, 0.0f);
  const std::vector<float*> cross = layer_buffers(&out->cross, n_dec, dec_heads * n * n_src, 0.0f);
  QKV_RETURN_IF_ERROR(prepare_caches(1, n));
  return step(1, &n, target, false, self.data(), cross.data());
}

Status Seq2SeqSession::check_options(const Seq2SeqGenerationOptions& options) const {
  return check_generation_options(options, dims().n_vocab, stack_->max_target_positions());
}

Status Seq2SeqSession::generate(const Seq2SeqGenerationOptions& options, const Seq2SeqTokenCallback& on_token,
                                std::vector<Seq2SeqHypothesis>* out) {
  QKV_RETURN_IF_ERROR(begin(options));
  for (bool done = false; !done;) {
    int32_t token = -1;
    QKV_RETURN_IF_ERROR(next(&token, &done));
    if (token >= 0 && on_token && !on_token(token)) break;
  }
  generation_.active = false;
  *out = results();
  return Status::ok_status();
}

Status Seq2SeqSession::begin(const Seq2SeqGenerationOptions& options) {
  generation_ = Generation();
  QKV_RETURN_IF_ERROR(require_source("generate"));
  QKV_RETURN_IF_ERROR(check_options(options));
  const size_t max_length = effective_max_length(options);
  // Greedy: one cache; beams: one per beam and as many spares to reorder them into.
  QKV_RETURN_IF_ERROR(prepare_caches(options.num_beams == 1 ? 1 : 2 * options.num_beams, max_length));
  generation_.options = options;
  generation_.max_length = max_length;
  generation_.target = {stack_->decoder_start_token_id()};
  if (options.num_beams > 1) {
    generation_.beams.reset(
        new BeamSearch(options, max_length, dims().n_vocab, stack_->decoder_start_token_id()));
    generation_.beam_counts.assign(options.num_beams, 1);
    generation_.beam_ids.resize(options.num_beams);
  }
  generation_.active = true;
  return Status::ok_status();
}

Status Seq2SeqSession::next(int32_t* token, bool* done) {
  *token = -1;
  if (!generation_.active) {
    return Status::invalid_argument(generation_.done ? "next: the generation has ended (begin() again)"
                                                     : "next: no generation begun (begin() first)");
  }
  // max_length 1 holds the decoder start token alone: the generation ends before its first step.
  const bool room = generation_.max_length > 1;
  const Status s = !room ? Status::ok_status() : generation_.beams ? beam_step() : greedy_step(token);
  if (!room) generation_.done = true;
  // A failed step leaves the caches half-written: the generation cannot go on.
  if (!s.ok()) generation_.active = false;
  QKV_RETURN_IF_ERROR(s);
  *done = generation_.done;
  if (generation_.done) generation_.active = false;
  return Status::ok_status();
}

std::vector<Seq2SeqHypothesis> Seq2SeqSession::results() const {
  // A generation of nothing (max_length 1): as many empty hypotheses as asked for, scored 0.
  if (generation_.max_length == 1)
    return std::vector<Seq2SeqHypothesis>(generation_.options.num_return_sequences);
  if (generation_.beams) return generation_.beams->results(generation_.options.num_return_sequences);
  return {generation_.greedy};
}

// transformers' _sample without sampling: the processed scores' argmax (the
// first of equal ones, as torch.argmax), until an eos or max_length.
Status Seq2SeqSession::greedy_step(int32_t* token) {
  Generation& g = generation_;
  const size_t vocab = dims().n_vocab, one = 1;
  QKV_RETURN_IF_ERROR(step(1, &one, &g.target.back(), true, nullptr, nullptr));
  float* scores = logits_.data();
  log_softmax_row(scores, vocab);
  apply_generation_processors(g.options, g.max_length, g.target.data(), g.target.size(), scores, vocab);
  *token = static_cast<int32_t>(std::max_element(scores, scores + vocab) - scores);
  g.greedy.score += scores[*token];
  g.target.push_back(*token);
  g.greedy.tokens.push_back(*token);
  const std::vector<int32_t>& eos = g.options.eos_token_ids;
  g.done = std::find(eos.begin(), eos.end(), *token) != eos.end() || g.target.size() >= g.max_length;
  return Status::ok_status();
}

// Every step runs the num_beams running beams side by side (one row each),
// then the beams that continue another's sequence take a copy of its cache:
// spares receive the copies, then swap places with the beams they replace.
Status Seq2SeqSession::beam_step() {
  BeamSearch& search = *generation_.beams;
  const size_t n = search.num_beams(), vocab = dims().n_vocab;
  std::vector<int32_t>& ids = generation_.beam_ids;
  for (size_t b = 0; b < n; ++b) ids[b] = search.sequence(b).back();
  QKV_RETURN_IF_ERROR(step(n, generation_.beam_counts.data(), ids.data(), true, nullptr, nullptr));
  for (size_t b = 0; b < n; ++b) {
    float* scores = logits_.data() + b * vocab;
    log_softmax_row(scores, vocab);
    const std::vector<int32_t>& seq = search.sequence(b);
    apply_generation_processors(generation_.options, generation_.max_length, seq.data(), seq.size(), scores,
                                vocab);
  }
  search.advance(logits_.data());
  generation_.done = search.done();
  if (search.done()) return Status::ok_status();
  for (size_t b = 0; b < n; ++b) {
    if (search.source_beam(b) != b)
      QKV_RETURN_IF_ERROR(cache_ptrs_[n + b]->copy_from(*cache_ptrs_[search.source_beam(b)]));
  }
  for (size_t b = 0; b < n; ++b) {
    if (search.source_beam(b) != b) std::swap(cache_ptrs_[b], cache_ptrs_[n + b]);
  }
  return Status::ok_status();
}

}  // namespace qkv
