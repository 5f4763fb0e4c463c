#include "runtime/generation_processors.h"

#include "kernels/f32-softmax/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace qkv {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

Status bad(const std::string& message) { return Status::invalid_argument("generate: " + message); }

bool in_vocabulary(int32_t id, size_t n_vocab) { return id >= 0 && static_cast<size_t>(id) < n_vocab; }

bool is_eos(const Seq2SeqGenerationOptions& o, int32_t token) {
  return std::find(o.eos_token_ids.begin(), o.eos_token_ids.end(), token) != o.eos_token_ids.end();
}

// ForcedBOS / ForcedEOS: every score -inf but the forced token's, 0.
void force(int32_t token, float* scores, size_t n_vocab) {
  std::fill(scores, scores + n_vocab, kNegInf);
  scores[token] = 0.0f;
}

// NoRepeatNGramLogitsProcessor: every earlier window of n tokens whose first
// n - 1 match the last n - 1 tokens bans its last token (the windows include
// the decoder start token, as input_ids does).
void ban_repeated_ngrams(size_t n, const int32_t* seq, size_t len, float* scores) {
  if (len < n) return;  // no complete n-gram yet
  const int32_t* prefix = seq + len + 1 - n;
  for (size_t start = 0; start + n <= len; ++start) {
    if (std::equal(seq + start, seq + start + n - 1, prefix)) scores[seq[start + n - 1]] = kNegInf;
  }
}

// NoBadWordsLogitsProcessor (a SequenceBiasLogitsProcessor of -inf): a
// one-token bad word is always banned, unless it is an eos; a longer one bans
// its last token when the target ends with the rest, and is ignored while
// the target is shorter than the whole bad word.
void ban_bad_words(const Seq2SeqGenerationOptions& o, const int32_t* seq, size_t len, float* scores) {
  for (const std::vector<int32_t>& word : o.bad_words_ids) {
    if (word.size() == 1) {
      if (!is_eos(o, word[0])) scores[word[0]] = kNegInf;
      continue;
    }
    if (word.size() > len) continue;
    const size_t prefix = word.size() - 1;
    if (std::equal(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(prefix), seq + len - prefix)) {
      scores[word.back()] = kNegInf;
    }
  }
}

}  // namespace

size_t effective_max_length(const Seq2SeqGenerationOptions& o) {
  return o.max_new_tokens > 0 ? 1 + o.max_new_tokens : o.max_length;
}

Status check_generation_options(const Seq2SeqGenerationOptions& o, size_t n_vocab,
                                size_t max_target_positions) {
  const size_t max_length = effective_max_length(o);
  // max_length 1 is the decoder start token alone: a generation of nothing (what a caller's
  // max_new_tokens 0 asks for); 0 cannot hold even that.
  if (max_length == 0) return bad("max_length 0 cannot hold the decoder start token");
  if (max_length > max_target_positions) {
    return bad("max_length " + std::to_string(max_length) +
               " (target tokens with the decoder start token) is past the " +
               std::to_string(max_target_positions) + " target positions the model holds");
  }
  // min_length past max_length is allowed, as transformers' _validate_generated_length only warns: the
  // end token stays suppressed and the generation stops at max_length (BART's generation_config.json
  // has min_length 12 (56 for bart-large-cnn), which a caller's short max_new_tokens must not turn into an
  // error).
  if (o.num_beams == 0) return bad("num_beams must be at least 1");
  if (o.num_beams > n_vocab) {
    return bad("num_beams " + std::to_string(o.num_beams) + " is larger than the vocabulary of " +
               std::to_string(n_vocab) + " tokens");
  }
  if (o.num_return_sequences == 0 || o.num_return_sequences > o.num_beams) {
    return bad("num_return_sequences " + std::to_string(o.num_return_sequences) +
               " must be 1 to num_beams (" + std::to_string(o.num_beams) + ")");
  }
  if (!(o.length_penalty == o.length_penalty) || std::isinf(o.length_penalty)) {
    return bad("length_penalty must be a finite number");
  }
  for (const int32_t id : o.eos_token_ids) {
    if (!in_vocabulary(id, n_vocab))
      return bad("eos token id " + std::to_string(id) + " is outside the vocabulary");
  }
  if (o.forced_bos_token_id != -1 && !in_vocabulary(o.forced_bos_token_id, n_vocab)) {
    return bad("forced_bos_token_id " + std::to_string(o.forced_bos_token_id) + " is outside the vocabulary");
  }
  if (o.forced_eos_token_id != -1 && !in_vocabulary(o.forced_eos_token_id, n_vocab)) {
    return bad("forced_eos_token_id " + std::to_string(o.forced_eos_token_id) + " is outside the vocabulary");
  }
  for (size_t w = 0; w < o.bad_words_ids.size(); ++w) {
    if (o.bad_words_ids[w].empty()) return bad("bad_words_ids[" + std::to_string(w) + "] is empty");
    for (const int32_t id : o.bad_words_ids[w]) {
      if (!in_vocabulary(id, n_vocab)) {
        return bad("bad_words_ids[" + std::to_string(w) + "] holds token id " + std::to_string(id) +
                   ", outside the vocabulary");
      }
    }
  }
  return Status::ok_status();
}

void log_softmax_row(float* row, size_t n) { f32_log_softmax_ukernel__simd(n, row, row); }

void apply_generation_processors(const Seq2SeqGenerationOptions& o, size_t max_length, const int32_t* seq,
                                 size_t len, float* scores, size_t n_vocab) {
  if (o.no_repeat_ngram_size > 0) ban_repeated_ngrams(o.no_repeat_ngram_size, seq, len, scores);
  if (!o.bad_words_ids.empty()) ban_bad_words(o, seq, len, scores);
  if (len < o.min_length) {
    for (const int32_t eos : o.eos_token_ids) scores[eos] = kNegInf;
  }
  if (o.forced_bos_token_id != -1 && len == 1) force(o.forced_bos_token_id, scores, n_vocab);
  if (o.forced_eos_token_id != -1 && len == max_length - 1) force(o.forced_eos_token_id, scores, n_vocab);
  // LogitNormalization: always the last processor (_get_logits_processor appends it at the end).
  if (o.renormalize_logits) log_softmax_row(scores, n_vocab);
}

}  // namespace qkv
