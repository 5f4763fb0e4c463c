#include "runtime/beam_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qkv {
namespace {

// transformers' marker for "cannot be chosen", added in float32.
constexpr float kMarker = -1.0e9f;

// x / length ** length_penalty, the power in double (Python's) and the
// division in float32 (a float tensor over a Python scalar).
float length_normalised(float x, size_t length, float length_penalty) {
  return x / static_cast<float>(std::pow(static_cast<double>(length), static_cast<double>(length_penalty)));
}

}  // namespace

BeamSearch::BeamSearch(const Seq2SeqGenerationOptions& options, size_t max_length, size_t n_vocab,
                       int32_t decoder_start)
    : options_(options), max_length_(max_length), n_vocab_(n_vocab) {
  const size_t n = options.num_beams;
  beams_to_keep_ = std::max<size_t>(2, 1 + options.eos_token_ids.size()) * n;
  // Only the first beam's continuations count at first: the others start at -1e9.
  running_.assign(n, Beam{{decoder_start}, kMarker, false});
  running_[0].score = 0.0f;
  finished_.assign(n, Beam{{decoder_start}, kMarker, false});
  source_.resize(n);
  std::iota(source_.begin(), source_.end(), size_t{0});
}

bool BeamSearch::is_eos(int32_t token) const {
  return std::find(options_.eos_token_ids.begin(), options_.eos_token_ids.end(), token) !=
         options_.eos_token_ids.end();
}

void BeamSearch::TopK::reset(size_t k) {
  k_ = k;
  best_.clear();
  best_.reserve(k + 1);
}

// One pass keeping the k best so far in order: of a step's num_beams *
// n_vocab values almost all fail the first comparison (a partial sort of an
// index array over them cost as much as the decoder step in wasm). Offered
// in index order, a later value equal to a kept one ranks after it, so ties
// go to the lower index.
void BeamSearch::TopK::offer(size_t index, float value) {
  if (best_.size() == k_ && !(value > best_.back().value)) return;
  size_t at = best_.size();
  while (at > 0 && value > best_[at - 1].value) --at;
  best_.insert(best_.begin() + static_cast<std::ptrdiff_t>(at), Entry{index, value});
  if (best_.size() > k_) best_.pop_back();
}

void BeamSearch::top_k(const std::vector<float>& values, size_t k, TopK* out) {
  out->reset(k);
  for (size_t i = 0; i < values.size(); ++i) out->offer(i, values[i]);
}

void BeamSearch::advance(const float* log_probs) {
  const size_t n = running_.size(), k = beams_to_keep_;
  // _get_top_k_continuations: the accumulated log-probability of every
  // (beam, token), offered as it is computed.
  continuations_.reset(k);
  for (size_t b = 0; b < n; ++b) {
    const float* row = log_probs + b * n_vocab_;
    const float score = running_[b].score;
    for (size_t t = 0; t < n_vocab_; ++t) continuations_.offer(b * n_vocab_ + t, row[t] + score);
  }
  candidates_.resize(k);
  candidate_source_.resize(k);
  hits_.resize(k);
  for (size_t c = 0; c < k; ++c) {
    const size_t beam = continuations_.index(c) / n_vocab_;
    const int32_t token = static_cast<int32_t>(continuations_.index(c) % n_vocab_);
    candidates_[c].tokens = running_[beam].tokens;
    candidates_[c].tokens.push_back(token);
    candidates_[c].score = continuations_.value(c);
    candidates_[c].finished = false;
    candidate_source_[c] = beam;
    // The stopping criteria: max_length reached, or an eos.
    hits_[c] = cur_len_ + 1 >= max_length_ || is_eos(token);
  }

  // _get_running_beams_for_next_iteration: finished continuations drop out.
  running_scores_.resize(k);
  for (size_t c = 0; c < k; ++c) running_scores_[c] = candidates_[c].score + (hits_[c] ? kMarker : -0.0f);
  top_k(running_scores_, n, &next_running_);

  // _update_finished_beams: only the top num_beams continuations may finish.
  bool all_finished = true;
  for (const Beam& f : finished_) all_finished = all_finished && f.finished;
  const bool beams_full = all_finished && options_.early_stopping == EarlyStopping::kTrue;
  merged_scores_.resize(n + k);
  just_finished_.resize(k);
  for (size_t i = 0; i < n; ++i) merged_scores_[i] = finished_[i].score;
  for (size_t c = 0; c < k; ++c) {
    just_finished_[c] = hits_[c] && c < n;
    float s = length_normalised(candidates_[c].score, cur_len_ + 1 - 1, options_.length_penalty);
    s += beams_full ? kMarker : -0.0f;
    s += heuristic_unsatisfied_ ? -0.0f : kMarker;
    s += just_finished_[c] ? -0.0f : kMarker;
    merged_scores_[n + c] = s;
  }
  top_k(merged_scores_, n, &next_finished_);
  spare_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t m = next_finished_.index(i);
    if (m < n) {
      spare_[i] = finished_[m];
    } else {
      spare_[i] = candidates_[m - n];
      spare_[i].finished = just_finished_[m - n];
    }
    spare_[i].score = merged_scores_[m];
  }
  std::swap(finished_, spare_);

  for (size_t b = 0; b < n; ++b) {
    const size_t c = next_running_.index(b);
    spare_[b] = std::move(candidates_[c]);
    spare_[b].score = running_scores_[c];
    source_[b] = candidate_source_[c];
  }
  std::swap(running_, spare_);

  ++cur_len_;
  check_early_stop_heuristic();
  // _beam_search_has_unfinished_sequences.
  all_finished = true;
  for (const Beam& f : finished_) all_finished = all_finished && f.finished;
  const bool open_beam = !(all_finished && options_.early_stopping == EarlyStopping::kTrue);
  const bool valid_continuations = !std::all_of(hits_.begin(), hits_.end(), [](bool h) { return h; });
  done_ = !(heuristic_unsatisfied_ && open_beam && valid_continuations);
}

// Whether the best running beam could still beat the worst finished
// hypothesis; once not, it never is again. A slot not yet finished counts as
// -1e9, so the search goes on until num_beams hypotheses are finished.
void BeamSearch::check_early_stop_heuristic() {
  const float lp = options_.length_penalty;
  const size_t best_length =
      options_.early_stopping == EarlyStopping::kNever && lp > 0.0f ? max_length_ - 1 : cur_len_ - 1;
  const float best_running = length_normalised(running_[0].score, best_length, lp);
  float worst_finished = finished_[0].score;
  for (const Beam& f : finished_) worst_finished = std::min(worst_finished, f.score);
  bool could_improve = false;
  for (const Beam& f : finished_)
    could_improve = could_improve || best_running > (f.finished ? worst_finished : kMarker);
  heuristic_unsatisfied_ = heuristic_unsatisfied_ && could_improve;
}

std::vector<Seq2SeqHypothesis> BeamSearch::results(size_t n) const {
  std::vector<Seq2SeqHypothesis> out(std::min(n, finished_.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].tokens.assign(finished_[i].tokens.begin() + 1, finished_[i].tokens.end());
    out[i].score = finished_[i].score;
  }
  return out;
}

}  // namespace qkv
