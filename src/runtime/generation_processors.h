// The logits processors an encoder-decoder generation applies to each
// beam's next-token scores, written from transformers'
// generation/logits_process.py (NoRepeatNGramLogitsProcessor,
// NoBadWordsLogitsProcessor, MinLengthLogitsProcessor,
// ForcedBOSTokenLogitsProcessor, ForcedEOSTokenLogitsProcessor, and
// LogitNormalization last when renormalize_logits) in the order
// generation/utils.py's _get_logits_processor builds them. Each but the last
// only sets scores to -inf (or, forcing a token, every other score to -inf
// and its own to 0), so they act on logits (greedy) and log-probabilities
// (beams) alike; the normalization keeps greedy's argmax.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "runtime/generation_options.h"

namespace qkv {

// The options' max_length once max_new_tokens is applied (1 + max_new_tokens
// when set: the target starts with the decoder start token).
size_t effective_max_length(const Seq2SeqGenerationOptions& options);

// Named invalid_argument errors for options no generation of this model
// could honour: max_length under 2 or past max_target_positions, min_length
// past max_length, no beams or more than the vocabulary, more sequences to
// return than beams, ids (eos, forced, bad words) outside the vocabulary,
// empty bad words, forced eos without max_length.
Status check_generation_options(const Seq2SeqGenerationOptions& options, size_t n_vocab,
                                size_t max_target_positions);

// row[i] = log(softmax(row)[i]), as torch.nn.functional.log_softmax.
void log_softmax_row(float* row, size_t n);

// Applies the processors to one beam's scores[n_vocab], the beam's target so
// far being seq[0..len) (starting with the decoder start token).
void apply_generation_processors(const Seq2SeqGenerationOptions& options, size_t max_length,
                                 const int32_t* seq, size_t len, float* scores, size_t n_vocab);

}  // namespace qkv
