// What an encoder-decoder generation is asked for (transformers'
// GenerationConfig fields) and what it returns; read by the runner
// (seq2seq_session.h), the logits processors and the beam search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qkv {

// transformers' early_stopping: False, True or "never" (generation/utils.py
// _check_early_stop_heuristic and _beam_search_has_unfinished_sequences).
enum class EarlyStopping : uint8_t { kFalse, kTrue, kNever };

// transformers' GenerationConfig fields an encoder-decoder generation reads.
// Lengths count the target sequence with its decoder start token, as
// transformers' max_length and min_length do (decoder_input_ids starts with
// it); max_new_tokens, when set, counts generated tokens only.
struct Seq2SeqGenerationOptions {
  size_t max_length = 20;     // GenerationConfig's default; 1: nothing to generate
  size_t max_new_tokens = 0;  // > 0: max_length = 1 + max_new_tokens
  size_t min_length = 0;      // eos is banned while the target is shorter
  std::vector<int32_t> eos_token_ids;
  size_t num_beams = 1;  // 1: greedy
  float length_penalty = 1.0f;
  EarlyStopping early_stopping = EarlyStopping::kFalse;
  size_t no_repeat_ngram_size = 0;
  int32_t forced_bos_token_id = -1;  // -1: none; else the first generated token
  int32_t forced_eos_token_id = -1;  // -1: none; else the token at max_length - 1
  std::vector<std::vector<int32_t>> bad_words_ids;
  size_t num_return_sequences = 1;  // <= num_beams
  // LogitNormalization after the other processors: each beam's processed
  // scores log-softmaxed again, so what they banned no longer lowers the
  // rest (opus-mt's generation_config.json sets it).
  bool renormalize_logits = false;
};

struct Seq2SeqHypothesis {
  // The generated target tokens: without the decoder start token, with the
  // eos that ended it (if one did).
  std::vector<int32_t> tokens;
  // Beam search: transformers' sequences_scores, the sum of the processed
  // log-probabilities over length ** length_penalty (length: the generated
  // tokens). Greedy: the sum of the processed log-probabilities.
  float score = 0;
};

}  // namespace qkv
