#include "models/encoder_steps.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/f32-attn/attn.h"

namespace qkv {

size_t packed_tokens(const EncodeRequest& r, size_t* longest) {
  size_t total = 0;
  *longest = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) {
    total += r.lengths[s];
    *longest = std::max(*longest, r.lengths[s]);
  }
  return total;
}

Status take_scratch(Arena& scratch, size_t total, std::initializer_list<std::pair<float**, size_t>> buffers) {
  for (const auto& [buffer, count] : buffers) {
    *buffer = scratch.alloc<float>(count);
    if (*buffer == nullptr) {
      return Status::internal("encode: scratch arena smaller than scratch_bytes(" + std::to_string(total) +
                              ")");
    }
  }
  return Status::ok_status();
}

// Row rows_read[i] >= i (ascending, distinct), so moving rows to the front in
// increasing order never overwrites a row still to be moved, and moving them
// back in decreasing order never overwrites one not yet moved back.
size_t gather_rows_read(const EncodeRequest& r, size_t total, size_t n_embd, float* x, float* attn) {
  if (r.rows_read == nullptr) return total;
  for (size_t i = 0; i < r.n_rows_read; ++i) {
    const size_t row = r.rows_read[i];
    if (row == i) continue;
    std::copy_n(x + row * n_embd, n_embd, x + i * n_embd);
    std::copy_n(attn + row * n_embd, n_embd, attn + i * n_embd);
  }
  return r.n_rows_read;
}

void scatter_rows_read(const EncodeRequest& r, size_t n_embd, float* x) {
  if (r.rows_read == nullptr) return;
  for (size_t i = r.n_rows_read; i-- > 0;) {
    const size_t row = r.rows_read[i];
    if (row != i) std::copy_n(x + i * n_embd, n_embd, x + row * n_embd);
  }
}

Status encoder_self_attention(ThreadPool* pool, const ModelDims& d, const EncodeRequest& r, size_t layer,
                              const float* qkv, size_t window, float* out) {
  const size_t e = d.n_embd, hd = d.head_dim;
  size_t t0 = 0;
  for (size_t s = 0; s < r.n_seqs; t0 += r.lengths[s], ++s) {
    AttnParams p;
    p.n_head = p.n_head_kv = d.n_head;
    p.head_dim = hd;
    p.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    p.n_q = p.n_kv = r.lengths[s];
    p.causal = false;
    p.window = window;
    p.q = qkv + t0 * 3 * e;
    p.q_token_stride = 3 * e;
    p.k = p.q + e;
    p.v = p.q + 2 * e;
    p.kv_head_stride = hd;  // heads side by side within a token's row
    p.kv_token_stride = 3 * e;
    p.out = out + t0 * e;
    p.out_token_stride = e;
    p.probs = r.attention_probs != nullptr ? r.attention_probs[layer] : nullptr;
    QKV_RETURN_IF_ERROR(f32_attention(pool, p));
  }
  return Status::ok_status();
}

void encoder_apply_rope(const ModelDims& d, const EncodeRequest& r, size_t n_rot, RopeStyle style,
                        const float* cos, const float* sin, float* qkv) {
  const size_t half = n_rot / 2, stride = 3 * d.n_embd;
  size_t t = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) {
    for (size_t pos = 0; pos < r.lengths[s]; ++pos, ++t) {
      // Query heads then key heads are contiguous: one call rotates both.
      f32_rope_ukernel__simd(2 * d.n_head, d.head_dim, n_rot, cos + pos * half, sin + pos * half, style,
                             qkv + t * stride);
    }
  }
}

}  // namespace qkv
