// The encoder role (BERT, RoBERTa): last hidden states of sequences packed
// back to back without padding. Sequence s is tokens [offset_s, offset_s +
// lengths[s]) of ids, where offset_s is the sum of the lengths before it.
// Each sequence attends only to itself, so a batch gives the same states as
// one sequence at a time (what a padded batch with an attention mask
// computes, minus the padding). The runner (runtime/Encoder) checks the
// request's shape, owns the scratch and applies the heads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/arena.h"
#include "core/status.h"

namespace qkv {

class ThreadPool;

struct EncodeRequest {
  const int32_t* ids = nullptr;
  const int32_t* token_types = nullptr;  // optional, per token (segment A = 0)
  const size_t* lengths = nullptr;       // n_seqs lengths, each 1..n_ctx
  size_t n_seqs = 0;
  float* hidden = nullptr;  // [total tokens, n_embd]: last_hidden_state
  // Optional, per layer: probabilities [n_head][len][len], one sequence only.
  float* const* attention_probs = nullptr;
  // Optional: the only rows of `hidden` the caller reads (ascending,
  // distinct). An encoder may then run its last layer's steps after attention
  // on these rows alone: a classifier that pools [CLS] needs one row of the last
  // layer's feed-forward per sequence, not all of them. hidden's other rows
  // are left undefined.
  const size_t* rows_read = nullptr;
  size_t n_rows_read = 0;
};

class EncoderStack {
 public:
  virtual ~EncoderStack() = default;
  // Token types (segments) the embeddings know: ids 0 .. n_token_types() - 1.
  virtual size_t n_token_types() const = 0;
  // Scratch bytes encode() takes from its arena for `tokens` tokens, so the
  // runner reserves them before the call and encode() cannot run short.
  virtual size_t scratch_bytes(size_t tokens) const = 0;
  // Runs the stack; scratch has at least scratch_bytes(total tokens) free
  // and is given back (reset to its mark) by the caller.
  virtual Status encode(ThreadPool* pool, Arena& scratch, const EncodeRequest& request) const = 0;
};

}  // namespace qkv
