// The encoder-decoder role (T5): encode a source sequence once, then decode
// target tokens against it. Per decoder layer, the cross-attention keys and
// values are computed once from the encoder states (start()); the decoder's
// self-attention reads and extends a KV cache as the decoders' does, so each
// step() runs only the new target tokens. The caller owns the Seq2SeqCache
// (one per source being decoded) and the buffers. Unlike DecoderStack::forward,
// the calls still allocate their activations per call (small next to the
// matrix products; a runner of preallocated buffers is the next slice).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "models/kv_cache.h"

namespace qkv {

class ThreadPool;

// What decoding one source holds between steps.
struct Seq2SeqCache {
  size_t n_src = 0;  // source tokens the cross-attention reads
  // Per decoder layer, the cross-attention keys and values of every source
  // token: [n_src][n_head * head_dim], heads side by side.
  std::vector<std::vector<float>> cross_k, cross_v;
  KvCache self;  // the decoder's self-attention keys and values
};

class Seq2SeqStack {
 public:
  virtual ~Seq2SeqStack() = default;
  // The first decoder input (T5: decoder_start_token_id, the pad token).
  virtual int32_t decoder_start_token_id() const = 0;
  // Target positions one decoding may reach (the self-attention cache's size).
  virtual size_t max_target_positions() const = 0;
  // The encoder's last hidden states of ids[0..n): hidden [n, n_embd].
  virtual Status encode(ThreadPool* pool, const int32_t* ids, size_t n, float* hidden) const = 0;
  // Prepares `cache` for decoding against encoder states hidden [n_src, n_embd]:
  // the cross-attention keys and values of every decoder layer, an empty
  // self-attention cache.
  virtual Status start(ThreadPool* pool, const float* hidden, size_t n_src, Seq2SeqCache* cache) const = 0;
  // The decoder over target tokens ids[0..n) at positions cache.self.positions()
  // onwards (the first step's ids[0] is usually decoder_start_token_id()):
  // logits [n, n_vocab] of every one of them.
  virtual Status step(ThreadPool* pool, Seq2SeqCache& cache, const int32_t* ids, size_t n,
                      float* logits) const = 0;
};

}  // namespace qkv
