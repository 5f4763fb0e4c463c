// Embind classes for loading a model and running a session: thin handles over
// runtime/ModelLoader and runtime/Session. JS owns every object it gets
// (and must delete() it); every failure is a thrown JS Error.
//
// A thrown JS Error unwinds wasm frames without running C++ destructors, so
// every method does its work, including every allocation it owns, inside
// guarded(), and raises only once nothing but the Status is left to free.
// That includes the arguments: strings and arrays arrive as `val` by value
// and are moved out (take()) inside guarded(), since a std::string argument
// (and Embind's malloc'ed copy of it) or a const val& (a JS handle) would
// leak on every raise; results are built in a local val and moved out only
// on success.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <malloc.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "binding_support.h"
#include "runtime/loader.h"
#include "runtime/session.h"

namespace qkv_bind {
namespace {

using emscripten::val;
using qkv::Status;

std::vector<int32_t> ids_from(const val& ids) {
  return emscripten::convertJSArrayToNumberVector<int32_t>(ids);
}

// Takes over an argument's JS handle: released when the result dies, inside
// guarded(), whatever happens after.
val take(val& arg) { return val(std::move(arg)); }

// A Float32Array copy of floats in wasm memory (JS keeps it after the memory changes).
val float_array(const float* data, size_t n) {
  return val::global("Float32Array").new_(emscripten::typed_memory_view(n, data)).call<val>("slice");
}

class WasmSession {
 public:
  explicit WasmSession(std::shared_ptr<const qkv::Model> model) : session_(std::move(model), pool()) {}

  void reset() { session_.reset(); }
  double position() const { return static_cast<double>(session_.position()); }
  void seed(double seed) { session_.seed(static_cast<uint64_t>(seed)); }

  // Appends ids (an Int32Array); all_logits keeps every position's logits.
  void append(val ids, bool all_logits) {
    raise_if_error(guarded([&]() -> Status {
      const std::vector<int32_t> v = ids_from(take(ids));
      return session_.append(v.data(), v.size(), all_logits);
    }));
  }

  val all_logits() const { return float_array(session_.all_logits().data(), session_.all_logits().size()); }
  val logits() const { return float_array(session_.logits(), session_.dims().n_vocab); }

  // Once per generation: sample() then uses these options.
  void set_sampling(bool do_sample, double temperature, double top_k, double top_p,
                    double repetition_penalty) {
    raise_if_error(guarded([&]() -> Status {
      qkv::SamplingOptions o;
      o.do_sample = do_sample;
      o.temperature = static_cast<float>(temperature);
      QKV_RETURN_IF_ERROR(to_count(top_k, 0, "top_k", &o.top_k));
      o.top_p = static_cast<float>(top_p);
      o.repetition_penalty = static_cast<float>(repetition_penalty);
      return session_.set_sampling(o);
    }));
  }

  int sample() {
    int32_t token = -1;
    raise_if_error(guarded([&]() -> Status { return session_.sample(&token); }));
    return token;
  }

  // Probabilities of every layer for ids from position 0: an array of
  // Float32Array [head][query][key].
  val attention(val ids) {
    val out = val::undefined();
    raise_if_error(guarded([&]() -> Status {
      const std::vector<int32_t> v = ids_from(take(ids));
      std::vector<std::vector<float>> probs;
      QKV_RETURN_IF_ERROR(session_.attention(v.data(), v.size(), &probs));
      val layers = val::array();
      for (const std::vector<float>& p : probs) layers.call<void>("push", float_array(p.data(), p.size()));
      out = std::move(layers);
      return Status::ok_status();
    }));
    return out;
  }

 private:
  qkv::Session session_;
};

class WasmModel {
 public:
  WasmModel(std::shared_ptr<const qkv::Model> model, std::string architecture)
      : model_(std::move(model)), architecture_(std::move(architecture)) {}

  val info() const {
    const qkv::ModelDims& d = model_->dims();
    val info = val::object();
    info.set("architecture", architecture_);
    info.set("nVocab", d.n_vocab);
    info.set("nCtx", d.n_ctx);
    info.set("nLayer", d.n_layer);
    info.set("nHead", d.n_head);
    info.set("nEmbd", d.n_embd);
    info.set("weightBytes", static_cast<double>(model_->weight_bytes()));
    // What the model can be asked to do (web/src/capabilities.ts).
    val capabilities = val::array();
    capabilities.call<void>("push", val(model_->is_encoder() ? "encode" : "generate"));
    info.set("capabilities", capabilities);
    return info;
  }

  WasmSession* create_session() const {
    WasmSession* session = nullptr;
    raise_if_error(guarded([&]() -> Status {
      if (model_->is_encoder()) {
        return Status::unsupported(architecture_ + " is an encoder: it embeds text and does not generate");
      }
      session = new WasmSession(model_);
      return Status::ok_status();
    }));
    return session;
  }

  // Encoders: last hidden states [total tokens, n_embd] of the sequences
  // packed back to back in ids (lengths: one count per sequence); types is
  // an Int32Array of token types or null.
  val encode(val ids, val lengths, val types_arg) const {
    val out = val::null();
    raise_if_error(guarded([&]() -> Status {
      const std::vector<int32_t> id_list = ids_from(take(ids));
      const std::vector<double> length_list = emscripten::convertJSArrayToNumberVector<double>(take(lengths));
      const val types = take(types_arg);
      std::vector<size_t> counts(length_list.size());
      size_t total = 0;
      for (size_t s = 0; s < counts.size(); ++s) {
        QKV_RETURN_IF_ERROR(to_count(length_list[s], 1, "sequence length", &counts[s]));
        total += counts[s];
      }
      if (total != id_list.size()) {
        return Status::invalid_argument("encode: the lengths add up to " + std::to_string(total) + " tokens, not " +
                                        std::to_string(id_list.size()));
      }
      std::vector<int32_t> type_list;
      if (!types.isNull() && !types.isUndefined()) {
        type_list = ids_from(types);
        if (type_list.size() != id_list.size()) {
          return Status::invalid_argument("encode: token types must be one per token");
        }
      }
      std::vector<float> hidden(total * model_->dims().n_embd);
      qkv::EncodeRequest r;
      r.ids = id_list.data();
      r.token_types = type_list.empty() ? nullptr : type_list.data();
      r.lengths = counts.data();
      r.n_seqs = counts.size();
      r.hidden = hidden.data();
      QKV_RETURN_IF_ERROR(model_->encode(pool(), r));
      out = float_array(hidden.data(), hidden.size());
      return Status::ok_status();
    }));
    return out;
  }

  // Encoders: attention probabilities of every layer for one sequence, an
  // array of Float32Array [head][query][key].
  val encode_attention(val ids) const {
    val out = val::undefined();
    raise_if_error(guarded([&]() -> Status {
      const std::vector<int32_t> id_list = ids_from(take(ids));
      const qkv::ModelDims& d = model_->dims();
      const size_t n = id_list.size();
      if (n == 0 || n > d.n_ctx) {
        return Status::invalid_argument("attention: " + std::to_string(n) + " tokens; the model takes 1 to " +
                                        std::to_string(d.n_ctx));
      }
      std::vector<std::vector<float>> probs(d.n_layer, std::vector<float>(d.n_head * n * n));
      std::vector<float*> per_layer;
      for (std::vector<float>& p : probs) per_layer.push_back(p.data());
      std::vector<float> hidden(n * d.n_embd);
      qkv::EncodeRequest r;
      r.ids = id_list.data();
      r.lengths = &n;
      r.n_seqs = 1;
      r.hidden = hidden.data();
      r.attention_probs = per_layer.data();
      QKV_RETURN_IF_ERROR(model_->encode(pool(), r));
      val layers = val::array();
      for (const std::vector<float>& p : probs) layers.call<void>("push", float_array(p.data(), p.size()));
      out = std::move(layers);
      return Status::ok_status();
    }));
    return out;
  }

 private:
  std::shared_ptr<const qkv::Model> model_;
  std::string architecture_;
};

class WasmLoader {
 public:
  // dtype: "f32", "f16" or "q8" (checked in JS too).
  static WasmLoader* create(val config_arg, val dtype_arg) {
    WasmLoader* self = nullptr;
    raise_if_error(guarded([&]() -> Status {
      const std::string config_json = take(config_arg).as<std::string>();
      const std::string dtype = take(dtype_arg).as<std::string>();
      qkv::WeightType type;
      if (dtype == "f32") {
        type = qkv::WeightType::kF32;
      } else if (dtype == "f16") {
        type = qkv::WeightType::kF16;
      } else if (dtype == "q8") {
        type = qkv::WeightType::kQ8;
      } else {
        return Status::invalid_argument("dtype must be 'f32', 'f16' or 'q8', got '" + dtype + "'");
      }
      std::unique_ptr<WasmLoader> loader(new WasmLoader());
      QKV_RETURN_IF_ERROR(qkv::ModelLoader::create(config_json, type, pool(), &loader->loader_));
      self = loader.release();
      return Status::ok_status();
    }));
    return self;
  }

  double planned_weight_bytes() const { return static_cast<double>(loader_->planned_weight_bytes()); }

  // header: `header_length` bytes at wasm address header_ptr. Returns the
  // reads to deliver, in file order: [{id, begin, end, name}].
  val add_file(val name_arg, uintptr_t header_ptr, double header_length, double file_size) {
    val out = val::undefined();
    raise_if_error(guarded([&]() -> Status {
      const std::string name = take(name_arg).as<std::string>();
      size_t n = 0, size = 0;
      QKV_RETURN_IF_ERROR(to_count(header_length, 0, "header length", &n));
      QKV_RETURN_IF_ERROR(to_count(file_size, 0, "file size", &size));
      QKV_RETURN_IF_ERROR(check_heap_range(header_ptr, n, "safetensors header"));
      std::vector<qkv::TensorRead> reads;
      QKV_RETURN_IF_ERROR(loader_->add_file(
          name, std::string_view(reinterpret_cast<const char*>(header_ptr), n), size, &reads));
      val list = val::array();
      for (const qkv::TensorRead& r : reads) {
        val read = val::object();
        read.set("id", static_cast<double>(r.id));
        read.set("begin", static_cast<double>(r.begin));
        read.set("end", static_cast<double>(r.end));
        read.set("name", r.name);
        list.call<void>("push", read);
      }
      out = std::move(list);
      return Status::ok_status();
    }));
    return out;
  }

  // [address, capacity]: where the next bytes of read `id` go, and how many fit.
  val window(double id) {
    uint8_t* data = nullptr;
    size_t capacity = 0;
    raise_if_error(guarded([&]() -> Status {
      size_t i = 0;
      QKV_RETURN_IF_ERROR(to_count(id, 0, "read id", &i));
      return loader_->window(i, &data, &capacity);
    }));
    val out = val::array();
    out.call<void>("push", static_cast<double>(reinterpret_cast<uintptr_t>(data)));
    out.call<void>("push", static_cast<double>(capacity));
    return out;
  }

  // `bytes` more bytes of read `id` are in its window.
  void advance(double id, double bytes) {
    raise_if_error(guarded([&]() -> Status {
      size_t i = 0, n = 0;
      QKV_RETURN_IF_ERROR(to_count(id, 0, "read id", &i));
      QKV_RETURN_IF_ERROR(to_count(bytes, 0, "byte count", &n));
      return loader_->advance(i, n);
    }));
  }

  void finish_read(double id) {
    raise_if_error(guarded([&]() -> Status {
      size_t i = 0;
      QKV_RETURN_IF_ERROR(to_count(id, 0, "read id", &i));
      return loader_->finish_read(i);
    }));
  }

  WasmModel* finish() {
    WasmModel* model = nullptr;
    raise_if_error(guarded([&]() -> Status {
      std::unique_ptr<qkv::Model> m;
      QKV_RETURN_IF_ERROR(loader_->finish(&m));
      model = new WasmModel(std::shared_ptr<const qkv::Model>(std::move(m)), loader_->architecture());
      return Status::ok_status();
    }));
    return model;
  }

 private:
  WasmLoader() = default;
  std::unique_ptr<qkv::ModelLoader> loader_;
};

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
  emscripten::class_<WasmLoader>("ModelLoader")
      .class_function("create", &WasmLoader::create, allow_raw_pointers())
      .function("plannedWeightBytes", &WasmLoader::planned_weight_bytes)
      .function("addFile", &WasmLoader::add_file, allow_raw_pointers())
      .function("window", &WasmLoader::window)
      .function("advance", &WasmLoader::advance)
      .function("finishRead", &WasmLoader::finish_read)
      .function("finish", &WasmLoader::finish, allow_raw_pointers());
  emscripten::class_<WasmModel>("Model")
      .function("info", &WasmModel::info)
      .function("createSession", &WasmModel::create_session, allow_raw_pointers())
      .function("encode", &WasmModel::encode)
      .function("encodeAttention", &WasmModel::encode_attention);
  emscripten::class_<WasmSession>("Session")
      .function("reset", &WasmSession::reset)
      .function("position", &WasmSession::position)
      .function("seed", &WasmSession::seed)
      .function("append", &WasmSession::append)
      .function("logits", &WasmSession::logits)
      .function("allLogits", &WasmSession::all_logits)
      .function("setSampling", &WasmSession::set_sampling)
      .function("sample", &WasmSession::sample)
      .function("attention", &WasmSession::attention);
}
