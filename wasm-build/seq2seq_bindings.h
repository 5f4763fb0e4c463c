// The Embind handle over runtime/Seq2SeqSession (seq2seq_bindings.cc). Its
// definition is seen where Model.createSeq2SeqSession is registered
// (model_bindings.cc): Embind matches a returned pointer's type by its
// type_info, and a pointer to an incomplete class has a type_info of its own.
#pragma once

#include <emscripten/val.h>

#include <memory>

#include "runtime/seq2seq_session.h"

namespace qkv_bind {

class WasmSeq2SeqSession {
 public:
  explicit WasmSeq2SeqSession(std::unique_ptr<qkv::Seq2SeqSession> session) : session_(std::move(session)) {}

  double decoder_start_token_id() const;
  // Token ids a source may hold (the encoder's vocabulary).
  double source_vocab_size() const;
  // SIZE_MAX (any length, T5's relative positions) is given as -1.
  double max_source_positions() const;
  double max_target_positions() const;
  // Encodes a source (an Int32Array) for the calls below.
  void encode(emscripten::val ids);
  // A generation a step per call (Seq2SeqSession::begin / next / results),
  // so that JS streams greedy tokens and can stop between steps.
  void begin(emscripten::val options);
  // { token, done }: the greedy token picked (-1 for a beam-search step).
  emscripten::val next();
  // [{ tokens: Int32Array, score }], best first.
  emscripten::val results() const;
  // Teacher-forced logits [target length, n_vocab] against the encoded source.
  emscripten::val forward(emscripten::val target);
  // { encoder, decoder, cross }: per layer, Float32Array [head][query][key].
  emscripten::val attention(emscripten::val target);

 private:
  std::unique_ptr<qkv::Seq2SeqSession> session_;
};

}  // namespace qkv_bind
