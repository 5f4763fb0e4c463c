// The Embind handle of a loaded model (model_bindings.cc), which
// loader_bindings.cc hands out when a load finishes.
#pragma once

#include <emscripten/val.h>

#include <memory>
#include <string>

#include "core/status.h"
#include "models/model.h"
#include "runtime/encoder.h"

namespace qkv_bind {

class WasmSession;
class WasmSeq2SeqSession;

class WasmModel {
 public:
  WasmModel(std::shared_ptr<const qkv::Model> model, std::string architecture);
  ~WasmModel();

  emscripten::val info() const;
  // Decoders: a new generation session (KV cache, sampler). kv_dtype: 'f32'
  // or 'f16'; max_positions: the context it may hold (0: the model's), which
  // must fit in memory now.
  WasmSession* create_session(emscripten::val kv_dtype, double max_positions) const;
  // Encoder-decoders: a new runner (seq2seq_bindings.cc); kv_dtype as above.
  WasmSeq2SeqSession* create_seq2seq_session(emscripten::val kv_dtype) const;
  // Encoders: last hidden states [total tokens, n_embd] of the sequences
  // packed back to back in ids (lengths: one count per sequence); types is
  // an Int32Array of token types or null.
  emscripten::val encode(emscripten::val ids, emscripten::val lengths, emscripten::val types);
  // Encoders: pooled embeddings ('mean', 'cls', 'max', 'last_token' or 'none'), [rows, n_embd].
  emscripten::val embed(emscripten::val ids, emscripten::val lengths, emscripten::val types,
                        emscripten::val pooling, bool normalize);
  // Sequence classifiers: the head's logits [sequences, n_labels] (same arguments as encode).
  emscripten::val classify(emscripten::val ids, emscripten::val lengths, emscripten::val types);
  // Token classifiers: every token's logits [tokens, n_labels] (same arguments as encode).
  emscripten::val classify_tokens(emscripten::val ids, emscripten::val lengths, emscripten::val types);
  // Vocabulary logits [positions.length, nVocab] of the masked-LM head at token indices of the packed ids.
  emscripten::val masked_lm(emscripten::val ids, emscripten::val lengths, emscripten::val positions);
  // Question answering: every token's start and end logits [tokens, 2] (same arguments as encode).
  emscripten::val answer_logits(emscripten::val ids, emscripten::val lengths, emscripten::val types);
  // Encoders: attention probabilities of every layer for one sequence, an
  // array of Float32Array [head][query][key].
  emscripten::val encode_attention(emscripten::val ids);

 private:
  // The encoder runner, made on first use (it owns scratch that decoders never need).
  qkv::Status encoder(qkv::Encoder** out);
  // Runs `run(encoder, &floats)` on the encoder runner and hands the floats to JS as a Float32Array in *out.
  template <typename Run>
  qkv::Status run_encoder(Run run, emscripten::val* out);
  // The encoder calls that take the packed sequences alone and give floats.
  using EncoderCall = qkv::Status (qkv::Encoder::*)(const qkv::EncoderInput&, std::vector<float>*);
  // Reads the sequences JS handed over, runs `call` on them and returns a Float32Array.
  emscripten::val encoder_floats(emscripten::val ids, emscripten::val lengths, emscripten::val types,
                                 EncoderCall call);

  std::shared_ptr<const qkv::Model> model_;
  std::string architecture_;
  std::unique_ptr<qkv::Encoder> encoder_;
};

}  // namespace qkv_bind
