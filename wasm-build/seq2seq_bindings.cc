// Embind handle over runtime/Seq2SeqSession (encoder-decoders: T5, BART,
// Marian, M2M100): encode a source once, then generate a step per call
// (begin, next: one greedy token or one beam-search step; results), the
// teacher-forced logits of a target, and the attention of such a pass. JS
// owns the object (delete()); every failure is a thrown JS Error through
// bound() (binding_support.h), after which the session stays usable.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "binding_support.h"
#include "js_arrays.h"
#include "model_bindings.h"
#include "runtime/generation_options.h"
#include "runtime/seq2seq_session.h"
#include "seq2seq_bindings.h"

namespace qkv_bind {

using emscripten::val;
using qkv::Status;

namespace {

// A whole number >= min_value from options[key] (web/src/seq2seq.ts always sets every key).
Status count_field(const val& options, const char* key, double min_value, size_t* out) {
  return to_count(options[key].as<double>(), min_value, key, out);
}

// An id or -1 (none) from options[key].
Status optional_id(const val& options, const char* key, int32_t* out) {
  const double v = options[key].as<double>();
  if (v == -1) {
    *out = -1;
    return Status::ok_status();
  }
  size_t id = 0;
  QKV_RETURN_IF_ERROR(to_count(v, 0, key, &id));
  *out = static_cast<int32_t>(id);
  return Status::ok_status();
}

// The generation options web/src/seq2seq.ts resolved (GenerationConfig's names).
Status read_options(const val& o, qkv::Seq2SeqGenerationOptions* out) {
  QKV_RETURN_IF_ERROR(count_field(o, "max_length", 1, &out->max_length));
  QKV_RETURN_IF_ERROR(count_field(o, "max_new_tokens", 0, &out->max_new_tokens));
  QKV_RETURN_IF_ERROR(count_field(o, "min_length", 0, &out->min_length));
  QKV_RETURN_IF_ERROR(count_field(o, "num_beams", 1, &out->num_beams));
  QKV_RETURN_IF_ERROR(count_field(o, "no_repeat_ngram_size", 0, &out->no_repeat_ngram_size));
  QKV_RETURN_IF_ERROR(count_field(o, "num_return_sequences", 1, &out->num_return_sequences));
  QKV_RETURN_IF_ERROR(optional_id(o, "forced_bos_token_id", &out->forced_bos_token_id));
  QKV_RETURN_IF_ERROR(optional_id(o, "forced_eos_token_id", &out->forced_eos_token_id));
  out->length_penalty = static_cast<float>(o["length_penalty"].as<double>());
  const std::string early = o["early_stopping"].as<std::string>();
  if (early == "true") {
    out->early_stopping = qkv::EarlyStopping::kTrue;
  } else if (early == "never") {
    out->early_stopping = qkv::EarlyStopping::kNever;
  } else if (early != "false") {
    return Status::invalid_argument("early_stopping must be true, false or 'never'");
  }
  out->renormalize_logits = o["renormalize_logits"].as<bool>();
  out->eos_token_ids = ids_from(o["eos_token_ids"]);
  const val bad = o["bad_words_ids"];
  const size_t n_bad = bad["length"].as<size_t>();
  for (size_t i = 0; i < n_bad; ++i) out->bad_words_ids.push_back(ids_from(bad[i]));
  return Status::ok_status();
}

// SIZE_MAX (any length) as -1 for JS.
double limit(size_t n) { return n == SIZE_MAX ? -1.0 : static_cast<double>(n); }

}  // namespace

double WasmSeq2SeqSession::decoder_start_token_id() const {
  return session_->stack().decoder_start_token_id();
}
double WasmSeq2SeqSession::source_vocab_size() const {
  return static_cast<double>(session_->stack().source_vocab_size());
}
double WasmSeq2SeqSession::max_source_positions() const {
  return limit(session_->stack().max_source_positions());
}
double WasmSeq2SeqSession::max_target_positions() const {
  return limit(session_->stack().max_target_positions());
}

void WasmSeq2SeqSession::encode(val ids) {
  bound<void>(
      [&](val ids_arg) -> Status {
        const std::vector<int32_t> v = ids_from(ids_arg);
        return session_->encode(v.data(), v.size());
      },
      ids);
}

void WasmSeq2SeqSession::begin(val options) {
  bound<void>(
      [&](val options_arg) -> Status {
        qkv::Seq2SeqGenerationOptions o;
        QKV_RETURN_IF_ERROR(read_options(options_arg, &o));
        return session_->begin(o);
      },
      options);
}

val WasmSeq2SeqSession::next() {
  return bound<val>([&](val& out) -> Status {
    int32_t token = -1;
    bool done = false;
    QKV_RETURN_IF_ERROR(session_->next(&token, &done));
    out = val::object();
    out.set("token", token);
    out.set("done", done);
    return Status::ok_status();
  });
}

val WasmSeq2SeqSession::results() const {
  return bound<val>([&](val& out) -> Status {
    out = val::array();
    for (const qkv::Seq2SeqHypothesis& h : session_->results()) {
      val item = val::object();
      item.set("tokens", val::global("Int32Array")
                             .new_(emscripten::typed_memory_view(h.tokens.size(), h.tokens.data()))
                             .call<val>("slice"));
      item.set("score", h.score);
      out.call<void>("push", item);
    }
    return Status::ok_status();
  });
}

val WasmSeq2SeqSession::forward(val target) {
  return bound<val>(
      [&](val& out, val target_arg) -> Status {
        const std::vector<int32_t> v = ids_from(target_arg);
        std::vector<float> logits;
        QKV_RETURN_IF_ERROR(session_->forward(v.data(), v.size(), &logits));
        out = float_array(logits.data(), logits.size());
        return Status::ok_status();
      },
      target);
}

val WasmSeq2SeqSession::attention(val target) {
  return bound<val>(
      [&](val& out, val target_arg) -> Status {
        const std::vector<int32_t> v = ids_from(target_arg);
        qkv::Seq2SeqAttention probs;
        QKV_RETURN_IF_ERROR(session_->attention(v.data(), v.size(), &probs));
        val result = val::object();
        result.set("encoder", float_arrays(probs.encoder));
        result.set("decoder", float_arrays(probs.decoder));
        result.set("cross", float_arrays(probs.cross));
        out = result;
        return Status::ok_status();
      },
      target);
}

WasmSeq2SeqSession* WasmModel::create_seq2seq_session(val kv_dtype) const {
  return bound<WasmSeq2SeqSession*>(
      [&](WasmSeq2SeqSession*& out, val kv_dtype_arg) -> Status {
        qkv::Seq2SeqSessionOptions options;
        const std::string kv = kv_dtype_arg.as<std::string>();
        if (kv == "f16") {
          options.kv_dtype = qkv::KvDtype::kF16;
        } else if (kv != "f32") {
          return Status::invalid_argument("kvDtype must be 'f32' or 'f16', got '" + kv + "'");
        }
        std::unique_ptr<qkv::Seq2SeqSession> session;
        QKV_RETURN_IF_ERROR(qkv::Seq2SeqSession::create(model_, architecture_, pool(), options, &session));
        out = new WasmSeq2SeqSession(std::move(session));
        return Status::ok_status();
      },
      kv_dtype);
}

}  // namespace qkv_bind

EMSCRIPTEN_BINDINGS(qkv_seq2seq) {
  using namespace qkv_bind;
  emscripten::class_<WasmSeq2SeqSession>("Seq2SeqSession")
      .function("decoderStartTokenId", &WasmSeq2SeqSession::decoder_start_token_id)
      .function("sourceVocabSize", &WasmSeq2SeqSession::source_vocab_size)
      .function("maxSourcePositions", &WasmSeq2SeqSession::max_source_positions)
      .function("maxTargetPositions", &WasmSeq2SeqSession::max_target_positions)
      .function("encode", &WasmSeq2SeqSession::encode)
      .function("begin", &WasmSeq2SeqSession::begin)
      .function("next", &WasmSeq2SeqSession::next)
      .function("results", &WasmSeq2SeqSession::results)
      .function("forward", &WasmSeq2SeqSession::forward)
      .function("attention", &WasmSeq2SeqSession::attention);
}
