// The encoder-decoder role (T5, BART, Marian, M2M100/NLLB): encode a source
// sequence once, then decode target tokens against it. Per decoder layer,
// the cross-attention keys and values are computed once from the encoder
// states (start()); the decoder's self-attention reads and extends a KV cache
// as the decoders' does, so each step() runs only the new target tokens.
//
// One step() decodes several target sequences against the same source side
// by side (the beams of a beam search): their rows share every matrix
// product and the cross-attention's keys and values; only the
// self-attention reads each sequence's own cache. The runner
// (runtime/Seq2SeqSession) owns the caches, the scratch and the search; the
// stack never allocates in encode() or step() (scratch comes from the arena,
// sized by the *_scratch_bytes calls).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/arena.h"
#include "core/status.h"
#include "models/kv_cache.h"

namespace qkv {

class ThreadPool;

// The cross-attention keys and values of one source for every decoder layer:
// k[layer], v[layer] are [n_src][n_head * head_dim], heads side by side.
// Made once per source by start(), read by every step of every beam.
struct CrossAttentionKv {
  size_t n_src = 0;
  std::vector<std::vector<float>> k, v;
};

// Per-layer buffers of `floats` values each, set to `fill`, and the pointers
// to them that the requests' optional attention outputs take.
inline std::vector<float*> layer_buffers(std::vector<std::vector<float>>* layers, size_t n_layer,
                                         size_t floats, float fill) {
  layers->assign(n_layer, std::vector<float>(floats, fill));
  std::vector<float*> pointers;
  for (std::vector<float>& layer : *layers) pointers.push_back(layer.data());
  return pointers;
}

struct Seq2SeqEncodeRequest {
  const int32_t* ids = nullptr;  // the source, 1 .. max_source_positions() tokens
  size_t n = 0;
  float* hidden = nullptr;  // [n, n_embd]: the encoder's last hidden states
  // Optional, per encoder layer: self-attention probabilities [n_head][n][n].
  float* const* attention_probs = nullptr;
};

// n_seqs target sequences decoding the same source. Sequence s adds
// counts[s] tokens at positions selves[s]->positions() onwards; ids holds
// them sequence after sequence.
struct Seq2SeqStepRequest {
  const CrossAttentionKv* cross = nullptr;
  KvCache* const* selves = nullptr;  // n_seqs distinct caches made with self_cache_config()
  const size_t* counts = nullptr;    // n_seqs, each >= 1
  size_t n_seqs = 0;
  const int32_t* ids = nullptr;  // sum(counts) target token ids
  // Logits: [sum(counts), n_vocab], every new token's; or, with last_only,
  // [n_seqs, n_vocab], each sequence's last token's (what generation reads:
  // the LM head, the largest product, then runs on n_seqs rows only).
  float* logits = nullptr;
  bool last_only = false;
  // Optional, one sequence only (n_seqs == 1), per decoder layer:
  // self-attention probabilities [n_head][count][positions after the step]
  // and cross-attention probabilities [n_head][count][n_src].
  float* const* self_probs = nullptr;
  float* const* cross_probs = nullptr;
};

class Seq2SeqStack {
 public:
  virtual ~Seq2SeqStack() = default;
  // The first decoder input (T5, Marian: the pad token; BART: </s>).
  virtual int32_t decoder_start_token_id() const = 0;
  // Token ids the encoder takes: 0 .. source_vocab_size() - 1. The decoder's
  // and the logits' are dims().n_vocab, which differs where the two stacks
  // have their own vocabularies (Marian's decoder_vocab_size).
  virtual size_t source_vocab_size() const = 0;
  // Source tokens the encoder takes (learned positions), SIZE_MAX where any
  // length is defined (T5's relative buckets); the runner checks it.
  virtual size_t max_source_positions() const = 0;
  // Target positions one decoding may reach (the self-attention cache's size).
  virtual size_t max_target_positions() const = 0;
  // The shape of a decoder self-attention cache (dtype and budget left at
  // their defaults for the runner to set).
  virtual KvCacheConfig self_cache_config() const = 0;
  // Scratch bytes encode() takes for n source tokens, and step() for `rows`
  // target tokens in all (n_seqs sequences) against n_src source tokens; the
  // runner reserves them before the call, so the stack cannot run short.
  virtual size_t encode_scratch_bytes(size_t n) const = 0;
  virtual size_t step_scratch_bytes(size_t rows, size_t n_seqs, size_t n_src) const = 0;
  // The encoder's last hidden states of a source. The scratch is given back
  // (reset to its mark) by the caller.
  virtual Status encode(ThreadPool* pool, Arena& scratch, const Seq2SeqEncodeRequest& request) const = 0;
  // The cross-attention keys and values of every decoder layer from encoder
  // states hidden [n_src, n_embd] (allocates them: once per source).
  virtual Status start(ThreadPool* pool, const float* hidden, size_t n_src,
                       CrossAttentionKv* cross) const = 0;
  // The decoder over the request's new target tokens (the first step's first
  // id is usually decoder_start_token_id()): causal self-attention through
  // each sequence's cache, cross-attention over `cross`, the LM head.
  virtual Status step(ThreadPool* pool, Arena& scratch, const Seq2SeqStepRequest& request) const = 0;
};

}  // namespace qkv
