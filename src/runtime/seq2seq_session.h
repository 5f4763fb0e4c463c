// The runner of an encoder-decoder (T5, BART, Marian, M2M100 through
// models/seq2seq.h): encodes a source once, keeps its cross-attention keys
// and values, and decodes targets against it: greedy decoding token by token
// (streamed through a callback), beam search (runtime/beam_search.h), and
// the teacher-forced logits and attention probabilities of a given target.
//
// It owns what the stack must not allocate: the scratch arena (reserved for
// the largest call so far), the CrossAttentionKv of the current source and
// the decoder's self-attention caches (one per beam, plus as many spares to
// reorder them into). Every bad input is refused with a named error before
// any work, and the session stays usable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/arena.h"
#include "core/status.h"
#include "models/kv_cache.h"
#include "models/model.h"
#include "models/seq2seq.h"
#include "runtime/beam_search.h"
#include "runtime/generation_options.h"

namespace qkv {

class ThreadPool;

struct Seq2SeqSessionOptions {
  KvDtype kv_dtype = KvDtype::kF32;  // storage of the decoder's self-attention caches
  // Budget for the self-attention caches of every beam together (and their
  // spares); 0 = what the platform has (core/memory.h).
  size_t max_cache_bytes = 0;
};

// Attention probabilities of a teacher-forced pass, per layer.
struct Seq2SeqAttention {
  std::vector<std::vector<float>> encoder;  // per encoder layer: [n_head][n_src][n_src]
  std::vector<std::vector<float>>
      decoder;                            // per decoder layer: [n_head][n_tgt][n_tgt] (0 above the diagonal)
  std::vector<std::vector<float>> cross;  // per decoder layer: [n_head][n_tgt][n_src]
};

// Called with each token greedy decoding picks, as it picks it; returning
// false stops the decoding there (the token is kept).
using Seq2SeqTokenCallback = std::function<bool(int32_t token)>;

class Seq2SeqSession {
 public:
  // An unsupported error naming the architecture when the model is not an
  // encoder-decoder; options that KvCache refuses (invalid_argument).
  static Status create(std::shared_ptr<const Model> model, const std::string& architecture, ThreadPool* pool,
                       const Seq2SeqSessionOptions& options, std::unique_ptr<Seq2SeqSession>* out);

  const ModelDims& dims() const { return model_->dims(); }
  const Seq2SeqStack& stack() const { return *stack_; }

  // Runs the encoder over the source and keeps its states and the
  // cross-attention keys and values for the calls below (until the next
  // encode). Refused: an empty source, one longer than the model's
  // max_source_positions(), ids outside the vocabulary.
  Status encode(const int32_t* ids, size_t n);
  size_t source_length() const { return source_.size(); }
  const std::vector<int32_t>& source() const { return source_; }
  // The encoder's last hidden states [source_length(), n_embd].
  const std::vector<float>& encoder_hidden() const { return hidden_; }

  // Whether the options make a generation this model can run (named
  // invalid_argument otherwise): lengths within max_target_positions(),
  // beams within the vocabulary, ids within it, num_return_sequences <= num_beams.
  Status check_options(const Seq2SeqGenerationOptions& options) const;
  // Decodes the encoded source: greedy when num_beams == 1 (on_token sees
  // each token as it comes; may be empty), else beam search (on_token is not
  // called). out: num_return_sequences hypotheses, best first. Refuses,
  // before allocating, caches the budget cannot hold (resource_exhausted).
  // The same as begin(), next() until done, results().
  Status generate(const Seq2SeqGenerationOptions& options, const Seq2SeqTokenCallback& on_token,
                  std::vector<Seq2SeqHypothesis>* out);

  // The same generation a step per call, so that the caller (JS) can hand
  // out each greedy token as it is picked and stop between steps: begin()
  // checks the options and prepares the caches (the errors of generate());
  // each next() runs one decoder step: greedy picks one token (*token), beam
  // search moves every beam on (*token = -1); *done once it has ended (an
  // eos, max_length, the search's stopping rule; with max_length 1 the first
  // next(), without a step). results() holds what generate() returns, for
  // greedy also the tokens so far of one not done.
  // encode(), forward() and attention() end a generation begun.
  Status begin(const Seq2SeqGenerationOptions& options);
  Status next(int32_t* token, bool* done);
  std::vector<Seq2SeqHypothesis> results() const;

  // Teacher-forced: the decoder over target ids (usually starting with
  // decoder_start_token_id()) against the encoded source, logits
  // [n, n_vocab] of every position. Refused: an empty target, one past
  // max_target_positions(), ids outside the vocabulary.
  Status forward(const int32_t* target, size_t n, std::vector<float>* logits);
  // The same pass's attention probabilities: the encoder's over the source,
  // the decoder's self- and cross-attention over the target.
  Status attention(const int32_t* target, size_t n, Seq2SeqAttention* out);

 private:
  Seq2SeqSession(std::shared_ptr<const Model> model, ThreadPool* pool, const Seq2SeqSessionOptions& options);
  // ids within [0, vocab): the encoder's vocabulary for a source, the decoder's for a target.
  Status check_ids(const char* what, const int32_t* ids, size_t n, size_t vocab) const;
  Status check_target(const int32_t* target, size_t n) const;
  Status require_source(const char* what) const;
  // Room in the scratch arena for `bytes`, growing it when it is smaller.
  Status reserve_scratch(size_t bytes);
  // `count` empty self-attention caches able to hold `positions` positions
  // each, or a resource_exhausted error before allocating.
  Status prepare_caches(size_t count, size_t positions);
  // One step of the decoder: n_seqs sequences (caches cache_ptrs_[0..n_seqs)),
  // counts[i] tokens each, into logits_.
  Status step(size_t n_seqs, const size_t* counts, const int32_t* ids, bool last_only,
              float* const* self_probs, float* const* cross_probs);
  // One step of each search (next()).
  Status greedy_step(int32_t* token);
  Status beam_step();

  // The generation begun (begin()) and where it is.
  struct Generation {
    bool active = false;  // begun and neither ended by another call nor done
    bool done = false;
    Seq2SeqGenerationOptions options;
    size_t max_length = 0;
    std::vector<int32_t> target;  // greedy: the decoder start token and the tokens picked
    Seq2SeqHypothesis greedy;
    std::unique_ptr<BeamSearch> beams;
    std::vector<size_t> beam_counts;  // a step's tokens per beam (1 each), sized in begin()
    std::vector<int32_t> beam_ids;    // a step's input: each beam's last token
  };

  std::shared_ptr<const Model> model_;
  const Seq2SeqStack* stack_;
  ThreadPool* pool_;
  Seq2SeqSessionOptions options_;
  KvCacheConfig cache_config_;
  Arena scratch_;
  std::vector<int32_t> source_;
  std::vector<float> hidden_;
  CrossAttentionKv cross_;
  std::vector<KvCache> caches_;       // the beams' and their spares
  std::vector<KvCache*> cache_ptrs_;  // the running beams' first, then the spares
  std::vector<float> logits_;
  Generation generation_;
};

}  // namespace qkv
