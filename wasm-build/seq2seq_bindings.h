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
  // Greedy (num_beams 1: on_token(id) sees each token as it is picked and
  // returns whether to go on) or beam search; [{ tokens: Int32Array, score }], best first.
  emscripten::val generate(emscripten::val options, emscripten::val on_token);
  // Teacher-forced logits [target length, n_vocab] against the encoded source.
  emscripten::val forward(emscripten::val target);
  // { encoder, decoder, cross }: per layer, Float32Array [head][query][key].
  emscripten::val attention(emscripten::val target);

 private:
  std::unique_ptr<qkv::Seq2SeqSession> session_;
};

}  // namespace qkv_bind
