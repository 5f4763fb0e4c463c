// The pooling head: sentence embeddings from an encoder's last hidden
// states, as sentence-transformers and transformers.js pool them — the mean
// over every token of a sequence (special tokens included; packed sequences
// have no padding), its first ([CLS]) token, or the largest value of each
// dimension over the tokens (sentence-transformers' max pooling), or its last
// token (sentence-transformers' lasttoken: decoder embedders such as
// Qwen3-Embedding, whose tokenizer ends each text with <|endoftext|>), optionally
// scaled to unit length as torch.nn.functional.normalize does.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace qkv {

enum class Pooling {
  kMean,
  kCls,
  kMax,
  kLastToken,
  kNone,  // every token's state, each normalized on its own if asked
};

// "mean", "cls", "max", "last_token" or "none"; an invalid_argument naming the value otherwise.
Status pooling_from_name(const std::string& name, Pooling* out);

// Rows pool_sequences() writes: one per sequence, or one per token for kNone.
size_t pooled_rows(Pooling pooling, const size_t* lengths, size_t n_seqs);

// hidden: [sum(lengths), n_embd], the sequences back to back.
// out: [pooled_rows(...), n_embd]; may alias hidden only for kNone.
void pool_sequences(const float* hidden, const size_t* lengths, size_t n_seqs, size_t n_embd, Pooling pooling,
                    bool normalize, float* out);

}  // namespace qkv
