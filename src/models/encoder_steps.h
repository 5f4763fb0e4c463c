// Steps shared by the encoder architectures (BERT family, ModernBERT), as
// decoder_steps.h is for the decoders.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>

#include "core/status.h"
#include "kernels/f32-rope/rope.h"
#include "models/encoder.h"
#include "models/model.h"

namespace qkv {

class ThreadPool;

// The request's total token count; *longest receives its longest sequence's length.
size_t packed_tokens(const EncodeRequest& r, size_t* longest);

// Points each buffer at its count of floats from the arena: encode()'s
// scratch, which the runner reserved as scratch_bytes(total) said.
Status take_scratch(Arena& scratch, size_t total, std::initializer_list<std::pair<float**, size_t>> buffers);

// Before the last layer's steps after attention: when the request reads only
// some rows (EncodeRequest::rows_read), moves those rows of x and attn to the
// front, in order, and returns their count; otherwise returns total.
// scatter_rows_read() then moves x's rows back to their places.
size_t gather_rows_read(const EncodeRequest& r, size_t total, size_t n_embd, float* x, float* attn);
void scatter_rows_read(const EncodeRequest& r, size_t n_embd, float* x);

// Bidirectional self-attention within each sequence of the request, scores
// scaled by 1 / sqrt(head_dim). qkv holds per token the query heads, the key
// heads, then the value heads (3 n_embd floats); out is [total, n_embd].
// window 0: every key of the sequence; otherwise the keys with |i - j| < window.
// The request's attention_probs[layer], when given, receive the probabilities.
Status encoder_self_attention(ThreadPool* pool, const ModelDims& d, const EncodeRequest& r, size_t layer,
                              const float* qkv, size_t window, float* out);

// Rotates the first n_rot dims of every query and key head of each token of
// qkv (laid out as above) by the token's position within its sequence (from 0
// in each), with the tables cos / sin [longest sequence, n_rot / 2].
void encoder_apply_rope(const ModelDims& d, const EncodeRequest& r, size_t n_rot, RopeStyle style,
                        const float* cos, const float* sin, float* qkv);

}  // namespace qkv
