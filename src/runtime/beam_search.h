// Beam search for one source, written from transformers'
// generation/utils.py as of commit 000034a4 (the vectorised _beam_search of
// 2025 and its helpers _get_top_k_continuations,
// _get_running_beams_for_next_iteration, _update_finished_beams,
// _check_early_stop_heuristic, _beam_search_has_unfinished_sequences),
// with batch size 1 and in float32 as torch computes it, including its
// -1e9 markers, so the same candidates win:
//
// - each step keeps the top K = max(2, 1 + number of eos ids) * num_beams
//   continuations of all running beams by accumulated log-probability; the
//   best num_beams of them that did not finish (eos, or max_length reached)
//   run on;
// - a continuation among the top num_beams that finished is scored
//   sum_logprobs / generated_length ** length_penalty (generated_length: the
//   tokens after the decoder start token, the eos included) and enters the
//   num_beams finished hypotheses if it beats one;
// - the search stops when every continuation finished (max_length), when
//   early_stopping is True and num_beams hypotheses are finished, or when
//   the best running beam can no longer beat the worst finished one, judged
//   at the current length (early_stopping False) or, for "never" with a
//   positive length_penalty, at max_length.
//
// Ties between candidates go to the lower index (beam, then token), which
// the reference (tests/fixtures/gen_t5_beams.py) also uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/generation_options.h"

namespace qkv {

class BeamSearch {
 public:
  // options must pass check_generation_options; max_length: effective_max_length.
  BeamSearch(const Seq2SeqGenerationOptions& options, size_t max_length, size_t n_vocab,
             int32_t decoder_start);

  size_t num_beams() const { return running_.size(); }
  // Running beam b's target so far (starting with the decoder start token):
  // what its processors read and whose last token it feeds the decoder.
  const std::vector<int32_t>& sequence(size_t b) const { return running_[b].tokens; }
  // Takes the running beams' processed log-probabilities [num_beams][n_vocab]
  // of their next token and moves to the next running beams.
  void advance(const float* log_probs);
  // After advance(): the running beam that beam b now continues (its KV cache to copy).
  size_t source_beam(size_t b) const { return source_[b]; }
  bool done() const { return done_; }
  // The best n finished hypotheses, best first (n <= num_beams).
  std::vector<Seq2SeqHypothesis> results(size_t n) const;

 private:
  struct Beam {
    std::vector<int32_t> tokens;
    float score = 0;
    bool finished = false;
  };
  // The k largest of the values offered in index order, largest first, ties
  // to the lower index; its storage is kept from step to step.
  class TopK {
   public:
    void reset(size_t k);
    void offer(size_t index, float value);
    size_t size() const { return best_.size(); }
    size_t index(size_t i) const { return best_[i].index; }
    float value(size_t i) const { return best_[i].value; }

   private:
    struct Entry {
      size_t index;
      float value;
    };
    size_t k_ = 0;
    std::vector<Entry> best_;
  };
  // TopK over values[0..n).
  static void top_k(const std::vector<float>& values, size_t k, TopK* out);
  bool is_eos(int32_t token) const;
  void check_early_stop_heuristic();

  Seq2SeqGenerationOptions options_;
  size_t max_length_, n_vocab_, beams_to_keep_;
  size_t cur_len_ = 1;  // the running sequences' length
  std::vector<Beam> running_, finished_;
  std::vector<size_t> source_;
  // advance()'s working storage, kept so that a step allocates no more than
  // its candidates' token lists.
  TopK continuations_, next_running_, next_finished_;
  std::vector<Beam> candidates_, spare_;
  std::vector<size_t> candidate_source_;
  std::vector<float> running_scores_, merged_scores_;
  std::vector<bool> hits_, just_finished_;
  bool heuristic_unsatisfied_ = true;
  bool done_ = false;
};

}  // namespace qkv
