// The Embind handle of runtime/ModelLoader: web/'s loader hands over
// config.json, each safetensors header, then streams the requested byte
// ranges into the windows the loader gives out, and finally takes the
// model (a handle from model_bindings.h). Every method goes through bound().
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "binding_support.h"
#include "io/gguf.h"
#include "model_bindings.h"
#include "runtime/loader.h"

namespace qkv_bind {
namespace {

using emscripten::val;
using qkv::Status;

// "auto" (no type): the checkpoint's, see ModelLoader::create.
Status weight_type_from(const std::string& dtype, std::optional<qkv::WeightType>* out) {
  if (dtype == "auto") {
    out->reset();
  } else if (dtype == "f32") {
    *out = qkv::WeightType::kF32;
  } else if (dtype == "f16") {
    *out = qkv::WeightType::kF16;
  } else if (dtype == "q8") {
    *out = qkv::WeightType::kQ8;
  } else if (dtype == "q4") {
    *out = qkv::WeightType::kQ4;
  } else {
    return Status::invalid_argument("dtype must be 'auto', 'f32', 'f16', 'q8' or 'q4', got '" + dtype + "'");
  }
  return Status::ok_status();
}

// A dtype string, or {dtype, embedding, lmHead} (each a dtype string;
// embedding and lmHead may be absent): runtime/weight_policy.h.
Status weight_choice_from(const val& arg, qkv::WeightChoice* out) {
  if (arg.isString()) return weight_type_from(arg.as<std::string>(), &out->matrices);
  if (arg.isNull() || arg.typeOf().as<std::string>() != "object" || !arg["dtype"].isString()) {
    return Status::invalid_argument("dtype must be a string or {dtype, embedding, lmHead}");
  }
  QKV_RETURN_IF_ERROR(weight_type_from(arg["dtype"].as<std::string>(), &out->matrices));
  for (const char* role : {"embedding", "lmHead"}) {
    const val v = arg[role];
    if (v.isUndefined()) continue;
    std::optional<qkv::WeightType> type;
    if (v.isString()) QKV_RETURN_IF_ERROR(weight_type_from(v.as<std::string>(), &type));
    if (!type)
      return Status::invalid_argument(std::string(role) + " dtype must be 'f32', 'f16', 'q8' or 'q4'");
    (role[0] == 'e' ? out->embedding : out->lm_head) = type;
  }
  return Status::ok_status();
}

class WasmLoader {
 public:
  // dtype: "auto", "f32", "f16", "q8" or "q4", or {dtype, embedding, lmHead}
  // (checked in JS too).
  static WasmLoader* create(val config, val dtype) {
    return bound<WasmLoader*>(
        [&](WasmLoader*& self, val config_arg, val dtype_arg) -> Status {
          const std::string config_text = config_arg.as<std::string>();  // Embind's type check first
          qkv::WeightChoice choice;
          QKV_RETURN_IF_ERROR(weight_choice_from(dtype_arg, &choice));
          std::unique_ptr<WasmLoader> loader(new WasmLoader());
          QKV_RETURN_IF_ERROR(qkv::ModelLoader::create(config_text, choice, pool(), &loader->loader_));
          self = loader.release();
          return Status::ok_status();
        },
        config, dtype);
  }

  double planned_weight_bytes() const { return static_cast<double>(loader_->planned_weight_bytes()); }

  // "f32", "f16", "q8" or "q4": the type weight matrices are held in (""
  // while "auto" has not seen the checkpoint's first weight matrix).
  std::string dtype() const {
    const std::optional<qkv::WeightType> type = loader_->weight_type();
    return type ? qkv::weight_type_name(*type) : "";
  }

  // {name: dtype} of every weight matrix delivered so far (the embedding and
  // LM head may differ from dtype(): runtime/weight_policy.h).
  val matrix_dtypes() const {
    val out = val::object();
    for (const auto& [name, type] : loader_->matrix_types())
      out.set(name, std::string(qkv::weight_type_name(type)));
    return out;
  }

  // header: `header_length` bytes at wasm address header_ptr. Returns the
  // reads to deliver, in file order: [{id, begin, end, name}].
  val add_file(val name, uintptr_t header_ptr, double header_length, double file_size) {
    return bound<val>(
        [&](val& out, val name_arg) -> Status {
          size_t n = 0, size = 0;
          QKV_RETURN_IF_ERROR(to_count(header_length, 0, "header length", &n));
          QKV_RETURN_IF_ERROR(to_count(file_size, 0, "file size", &size));
          QKV_RETURN_IF_ERROR(check_heap_range(header_ptr, n, "safetensors header"));
          std::vector<qkv::TensorRead> reads;
          QKV_RETURN_IF_ERROR(loader_->add_file(
              name_arg.as<std::string>(), std::string_view(reinterpret_cast<const char*>(header_ptr), n),
              size, &reads));
          out = reads_to_js(reads);
          return Status::ok_status();
        },
        name);
  }

  // GGUF tensors (web/src/weights/gguf-model.ts maps their names): entries
  // [{name, fileName, type, dims, begin, end, ropeHeads}] with the Hub name
  // (and the file's, for messages), the ggml
  // type id, the dims in ggml order (innermost first) and the absolute byte
  // range, all from a header parseGgufHeader checked; the loader checks them
  // against the model again. Returns the reads as add_file does.
  val add_tensors(val name, val entries) {
    return bound<val>(
        [&](val& out, val name_arg, val list) -> Status {
          std::vector<qkv::TensorEntry> parsed;
          const size_t count = list["length"].as<size_t>();
          for (size_t i = 0; i < count; ++i) {
            const val e = list[i];
            qkv::GgufTensorInfo info;
            info.name = e["name"].as<std::string>();
            size_t type = 0, begin = 0, end = 0, rope = 0;
            QKV_RETURN_IF_ERROR(to_count(e["type"].as<double>(), 0, "ggml type", &type));
            QKV_RETURN_IF_ERROR(to_count(e["begin"].as<double>(), 0, "tensor offset", &begin));
            QKV_RETURN_IF_ERROR(to_count(e["end"].as<double>(), 0, "tensor end", &end));
            QKV_RETURN_IF_ERROR(to_count(e["ropeHeads"].as<double>(), 0, "RoPE heads", &rope));
            info.type = static_cast<uint32_t>(type);
            info.type_info = qkv::ggml_type_info(info.type);
            const val dims = e["dims"];
            const size_t n_dims = dims["length"].as<size_t>();
            if (n_dims > qkv::kGgufMaxDims) return Status::invalid_argument("a tensor has more than 4 dims");
            info.elements = 1;
            for (size_t d = 0; d < n_dims; ++d) {
              size_t dim = 0;
              QKV_RETURN_IF_ERROR(to_count(dims[d].as<double>(), 1, "tensor dim", &dim));
              info.dims.push_back(dim);
              info.elements = info.elements > UINT64_MAX / dim ? UINT64_MAX : info.elements * dim;
            }
            info.offset = begin;
            info.nbytes = end >= begin ? end - begin : 0;
            qkv::TensorEntry entry = qkv::gguf_tensor_entry(info);
            entry.end = end;
            entry.rope_heads = static_cast<uint32_t>(rope);
            entry.file_name = e["fileName"].as<std::string>();
            parsed.push_back(std::move(entry));
          }
          std::vector<qkv::TensorRead> reads;
          QKV_RETURN_IF_ERROR(loader_->add_tensors(name_arg.as<std::string>(), parsed, &reads));
          out = reads_to_js(reads);
          return Status::ok_status();
        },
        name, entries);
  }

  // [address, capacity]: where the next bytes of read `id` go, and how many fit.
  val window(double id) {
    return bound<val>([&](val& out) -> Status {
      size_t i = 0;
      QKV_RETURN_IF_ERROR(to_count(id, 0, "read id", &i));
      uint8_t* data = nullptr;
      size_t capacity = 0;
      QKV_RETURN_IF_ERROR(loader_->window(i, &data, &capacity));
      val pair = val::array();
      pair.call<void>("push", static_cast<double>(reinterpret_cast<uintptr_t>(data)));
      pair.call<void>("push", static_cast<double>(capacity));
      out = std::move(pair);
      return Status::ok_status();
    });
  }

  // `bytes` more bytes of read `id` are in its window.
  void advance(double id, double bytes) {
    bound<void>([&]() -> Status {
      size_t i = 0, n = 0;
      QKV_RETURN_IF_ERROR(to_count(id, 0, "read id", &i));
      QKV_RETURN_IF_ERROR(to_count(bytes, 0, "byte count", &n));
      return loader_->advance(i, n);
    });
  }

  void finish_read(double id) {
    bound<void>([&]() -> Status {
      size_t i = 0;
      QKV_RETURN_IF_ERROR(to_count(id, 0, "read id", &i));
      return loader_->finish_read(i);
    });
  }

  WasmModel* finish() {
    return bound<WasmModel*>([&](WasmModel*& model) -> Status {
      std::unique_ptr<qkv::Model> m;
      QKV_RETURN_IF_ERROR(loader_->finish(&m));
      model = new WasmModel(std::shared_ptr<const qkv::Model>(std::move(m)), loader_->architecture());
      return Status::ok_status();
    });
  }

 private:
  WasmLoader() = default;

  static val reads_to_js(const std::vector<qkv::TensorRead>& reads) {
    val list = val::array();
    for (const qkv::TensorRead& r : reads) {
      val read = val::object();
      read.set("id", static_cast<double>(r.id));
      read.set("begin", static_cast<double>(r.begin));
      read.set("end", static_cast<double>(r.end));
      read.set("name", r.name);
      list.call<void>("push", read);
    }
    return list;
  }
  std::unique_ptr<qkv::ModelLoader> loader_;
};

}  // namespace
}  // namespace qkv_bind

EMSCRIPTEN_BINDINGS(qkv_loader) {
  using namespace qkv_bind;
  using emscripten::allow_raw_pointers;
  emscripten::class_<WasmLoader>("ModelLoader")
      .class_function("create", &WasmLoader::create, allow_raw_pointers())
      .function("plannedWeightBytes", &WasmLoader::planned_weight_bytes)
      .function("dtype", &WasmLoader::dtype)
      .function("matrixDtypes", &WasmLoader::matrix_dtypes)
      .function("addFile", &WasmLoader::add_file, allow_raw_pointers())
      .function("addTensors", &WasmLoader::add_tensors)
      .function("window", &WasmLoader::window)
      .function("advance", &WasmLoader::advance)
      .function("finishRead", &WasmLoader::finish_read)
      .function("finish", &WasmLoader::finish, allow_raw_pointers());
}
