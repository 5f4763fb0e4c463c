// Embind classes for running a loaded model: thin handles over
// runtime/Session (decoders) and runtime/Encoder (encoders). JS owns every
// object it gets (and must delete() it); every failure is a thrown JS Error.
// Every method that can fail goes through bound() (binding_support.h), which
// takes over the JS arguments, runs the call guarded and raises.
#include "model_bindings.h"

#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "binding_support.h"
#include "js_arrays.h"
#include "runtime/encoder.h"
#include "runtime/session.h"
#include "seq2seq_bindings.h"

namespace qkv_bind {

using emscripten::val;
using qkv::Status;

namespace {

// Sequences handed over from JS for an encoder: ids, one length per
// sequence, optional token types (null or undefined: all segment 0).
struct EncoderArgs {
  std::vector<int32_t> ids, types;
  std::vector<size_t> lengths;

  Status read(const val& ids_arg, const val& lengths_arg, const val& types_arg) {
    ids = ids_from(ids_arg);
    const std::vector<double> counts = emscripten::convertJSArrayToNumberVector<double>(lengths_arg);
    lengths.resize(counts.size());
    for (size_t s = 0; s < counts.size(); ++s) {
      QKV_RETURN_IF_ERROR(to_count(counts[s], 1, "sequence length", &lengths[s]));
    }
    if (!types_arg.isNull() && !types_arg.isUndefined()) {
      types = ids_from(types_arg);
      if (types.size() != ids.size())
        return Status::invalid_argument("encode: token types must be one per token");
    }
    return Status::ok_status();
  }

  qkv::EncoderInput input() const {
    qkv::EncoderInput in;
    in.ids = ids.data();
    in.n_ids = ids.size();
    in.lengths = lengths.data();
    in.n_seqs = lengths.size();
    in.token_types = types.empty() ? nullptr : types.data();
    return in;
  }
};

}  // namespace

class WasmSession {
 public:
  WasmSession(std::shared_ptr<const qkv::Model> model, const qkv::SessionOptions& options)
      : session_(std::move(model), pool(), options) {}

  void reset() { session_.reset(); }
  double position() const { return static_cast<double>(session_.position()); }

  // Keeps the first n positions, so a prompt that starts with them appends
  // only the rest; fails, changing nothing, where a sliding window dropped keys.
  void truncate(double n) {
    bound<void>([&]() -> Status {
      size_t keep = 0;
      QKV_RETURN_IF_ERROR(to_count(n, 0, "position", &keep));
      return session_.truncate(keep);
    });
  }

  // The token ids in the cache (an Int32Array copy).
  val tokens() const {
    const std::vector<int32_t>& t = session_.tokens();
    return val::global("Int32Array")
        .new_(emscripten::typed_memory_view(t.size(), t.data()))
        .call<val>("slice");
  }
  void seed(double seed) { session_.seed(static_cast<uint64_t>(seed)); }

  // Appends ids (an Int32Array); all_logits keeps every position's logits.
  void append(val ids, bool all_logits) {
    bound<void>(
        [&](val ids_arg) -> Status {
          const std::vector<int32_t> v = ids_from(ids_arg);
          return session_.append(v.data(), v.size(), all_logits);
        },
        ids);
  }

  Status check_fits(size_t positions) const { return session_.check_fits(positions); }
  // Positions the session may hold (the context asked for, or the model's).
  double max_positions() const { return static_cast<double>(session_.max_positions()); }

  val all_logits() const { return float_array(session_.all_logits().data(), session_.all_logits().size()); }
  val logits() const { return float_array(session_.logits(), session_.dims().n_vocab); }

  // Once per generation: sample() then uses these options.
  void set_sampling(bool do_sample, double temperature, double top_k, double top_p,
                    double repetition_penalty) {
    bound<void>([&]() -> Status {
      qkv::SamplingOptions o;
      o.do_sample = do_sample;
      o.temperature = static_cast<float>(temperature);
      QKV_RETURN_IF_ERROR(to_count(top_k, 0, "top_k", &o.top_k));
      o.top_p = static_cast<float>(top_p);
      o.repetition_penalty = static_cast<float>(repetition_penalty);
      return session_.set_sampling(o);
    });
  }

  int sample() {
    return bound<int>([&](int& token) -> Status {
      int32_t next = -1;
      QKV_RETURN_IF_ERROR(session_.sample(&next));
      token = next;
      return Status::ok_status();
    });
  }

  // Probabilities of every layer for ids from position 0: an array of
  // Float32Array [head][query][key].
  val attention(val ids) {
    return bound<val>(
        [&](val& out, val ids_arg) -> Status {
          const std::vector<int32_t> v = ids_from(ids_arg);
          std::vector<std::vector<float>> probs;
          QKV_RETURN_IF_ERROR(session_.attention(v.data(), v.size(), &probs));
          out = float_arrays(probs);
          return Status::ok_status();
        },
        ids);
  }

 private:
  qkv::Session session_;
};

WasmModel::WasmModel(std::shared_ptr<const qkv::Model> model, std::string architecture)
    : model_(std::move(model)), architecture_(std::move(architecture)) {}

WasmModel::~WasmModel() = default;

val WasmModel::info() const {
  const qkv::ModelDims& d = model_->dims();
  val info = val::object();
  info.set("architecture", architecture_);
  info.set("nVocab", d.n_vocab);
  info.set("nCtx", d.n_ctx);
  info.set("nLayer", d.n_layer);
  info.set("nHead", d.n_head);
  info.set("nHeadKv", d.n_head_kv);
  info.set("headDim", d.head_dim);
  info.set("nEmbd", d.n_embd);
  info.set("weightBytes", static_cast<double>(model_->weight_bytes()));
  val capabilities = val::array();
  for (const std::string& c : qkv::capabilities_of(*model_)) capabilities.call<void>("push", c);
  info.set("capabilities", capabilities);  // web/src/capabilities.ts
  if (model_->encoder() != nullptr) info.set("nTokenTypes", model_->encoder()->n_token_types());
  if (model_->sequence_classifier() != nullptr)
    info.set("nLabels", model_->sequence_classifier()->n_labels());
  if (model_->token_classifier() != nullptr) info.set("nLabels", model_->token_classifier()->n_labels());
  return info;
}

WasmSession* WasmModel::create_session(val kv_dtype, double max_positions) const {
  return bound<WasmSession*>(
      [&](WasmSession*& session, val kv_dtype_arg) -> Status {
        QKV_RETURN_IF_ERROR(qkv::Session::require_decoder(*model_, architecture_));
        qkv::SessionOptions options;
        const std::string kv = kv_dtype_arg.as<std::string>();
        if (kv == "f16") {
          options.kv_dtype = qkv::KvDtype::kF16;
        } else if (kv != "f32") {
          return Status::invalid_argument("kvDtype must be 'f32' or 'f16', got '" + kv + "'");
        }
        QKV_RETURN_IF_ERROR(to_count(max_positions, 0, "contextLength", &options.max_positions));
        QKV_RETURN_IF_ERROR(qkv::Session::check_options(model_->dims(), options));
        std::unique_ptr<WasmSession> made(new WasmSession(model_, options));
        // A context asked for up front must fit now, not fail mid-conversation.
        if (options.max_positions != 0) QKV_RETURN_IF_ERROR(made->check_fits(options.max_positions));
        session = made.release();
        return Status::ok_status();
      },
      kv_dtype);
}

template <typename Run>
Status WasmModel::run_encoder(Run run, val* out) {
  qkv::Encoder* runner = nullptr;
  QKV_RETURN_IF_ERROR(encoder(&runner));
  std::vector<float> floats;
  QKV_RETURN_IF_ERROR(run(*runner, &floats));
  *out = float_array(floats.data(), floats.size());
  return Status::ok_status();
}

val WasmModel::encoder_floats(val ids, val lengths, val types, EncoderCall call) {
  return bound<val>(
      [&](val& out, val ids_arg, val lengths_arg, val types_arg) -> Status {
        EncoderArgs args;
        QKV_RETURN_IF_ERROR(args.read(ids_arg, lengths_arg, types_arg));
        return run_encoder(
            [&](qkv::Encoder& e, std::vector<float>* floats) { return (e.*call)(args.input(), floats); },
            &out);
      },
      ids, lengths, types);
}

val WasmModel::encode(val ids, val lengths, val types) {
  return encoder_floats(ids, lengths, types, &qkv::Encoder::encode);
}

val WasmModel::classify(val ids, val lengths, val types) {
  return encoder_floats(ids, lengths, types, &qkv::Encoder::classify);
}

val WasmModel::classify_tokens(val ids, val lengths, val types) {
  return encoder_floats(ids, lengths, types, &qkv::Encoder::classify_tokens);
}

val WasmModel::answer_logits(val ids, val lengths, val types) {
  return encoder_floats(ids, lengths, types, &qkv::Encoder::answer_logits);
}

val WasmModel::embed(val ids, val lengths, val types, val pooling, bool normalize) {
  return bound<val>(
      [&](val& out, val ids_arg, val lengths_arg, val types_arg, val pooling_arg) -> Status {
        EncoderArgs args;
        QKV_RETURN_IF_ERROR(args.read(ids_arg, lengths_arg, types_arg));
        qkv::Pooling how;
        QKV_RETURN_IF_ERROR(qkv::pooling_from_name(pooling_arg.as<std::string>(), &how));
        return run_encoder(
            [&](qkv::Encoder& e, std::vector<float>* pooled) {
              return e.embed(args.input(), how, normalize, pooled);
            },
            &out);
      },
      ids, lengths, types, pooling);
}

val WasmModel::masked_lm(val ids, val lengths, val positions) {
  return bound<val>(
      [&](val& out, val ids_arg, val lengths_arg, val positions_arg) -> Status {
        EncoderArgs args;
        QKV_RETURN_IF_ERROR(args.read(ids_arg, lengths_arg, val::null()));
        const std::vector<double> at = emscripten::convertJSArrayToNumberVector<double>(positions_arg);
        std::vector<size_t> rows(at.size());
        for (size_t i = 0; i < at.size(); ++i)
          QKV_RETURN_IF_ERROR(to_count(at[i], 0, "mask position", &rows[i]));
        return run_encoder(
            [&](qkv::Encoder& e, std::vector<float>* logits) {
              return e.masked_lm(args.input(), rows.data(), rows.size(), logits);
            },
            &out);
      },
      ids, lengths, positions);
}

val WasmModel::encode_attention(val ids) {
  return bound<val>(
      [&](val& out, val ids_arg) -> Status {
        const std::vector<int32_t> v = ids_from(ids_arg);
        qkv::Encoder* runner = nullptr;
        QKV_RETURN_IF_ERROR(encoder(&runner));
        std::vector<std::vector<float>> probs;
        QKV_RETURN_IF_ERROR(runner->attention(v.data(), v.size(), &probs));
        out = float_arrays(probs);
        return Status::ok_status();
      },
      ids);
}

Status WasmModel::encoder(qkv::Encoder** out) {
  if (encoder_ == nullptr)
    QKV_RETURN_IF_ERROR(qkv::Encoder::create(model_, architecture_, pool(), &encoder_));
  *out = encoder_.get();
  return Status::ok_status();
}

namespace {

// Allocator statistics for leak tests: {inUse: bytes malloc'ed and not yet
// freed, heapSize: bytes of wasm memory}.
val heap_stats() {
  const struct mallinfo mi = mallinfo();
  val out = val::object();
  out.set("inUse", static_cast<double>(static_cast<size_t>(mi.uordblks)));
  out.set("heapSize", static_cast<double>(emscripten_get_heap_size()));
  return out;
}

}  // namespace
}  // namespace qkv_bind

EMSCRIPTEN_BINDINGS(qkv_models) {
  using namespace qkv_bind;
  using emscripten::allow_raw_pointers;
  emscripten::function("heapStats", &heap_stats);
  emscripten::class_<WasmModel>("Model")
      .function("info", &WasmModel::info)
      .function("createSession", &WasmModel::create_session, allow_raw_pointers())
      .function("createSeq2SeqSession", &WasmModel::create_seq2seq_session, allow_raw_pointers())
      .function("encode", &WasmModel::encode)
      .function("embed", &WasmModel::embed)
      .function("classify", &WasmModel::classify)
      .function("classifyTokens", &WasmModel::classify_tokens)
      .function("maskedLm", &WasmModel::masked_lm)
      .function("answerLogits", &WasmModel::answer_logits)
      .function("encodeAttention", &WasmModel::encode_attention);
  emscripten::class_<WasmSession>("Session")
      .function("reset", &WasmSession::reset)
      .function("position", &WasmSession::position)
      .function("truncate", &WasmSession::truncate)
      .function("tokens", &WasmSession::tokens)
      .function("maxPositions", &WasmSession::max_positions)
      .function("seed", &WasmSession::seed)
      .function("append", &WasmSession::append)
      .function("logits", &WasmSession::logits)
      .function("allLogits", &WasmSession::all_logits)
      .function("setSampling", &WasmSession::set_sampling)
      .function("sample", &WasmSession::sample)
      .function("attention", &WasmSession::attention);
}
