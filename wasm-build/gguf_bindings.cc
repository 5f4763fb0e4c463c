// parseGgufHeader: io/gguf's parser over a prefix of a GGUF file that JS
// copied into wasm memory. Either {need: N} (read at least N bytes of the file
// and call again) or the header, with every metadata value located by its
// file offset and byte length, so that web/src/weights/gguf-header.ts decodes
// strings and arrays from its own copy of the bytes (checked here) instead of
// receiving a 262k-element vocabulary value by value through Embind.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>

#include "binding_support.h"
#include "io/gguf.h"

namespace qkv_bind {
namespace {

using emscripten::val;
using qkv::Status;

double num(uint64_t v) { return static_cast<double>(v); }

// Scalars as JS values: numbers, booleans, BigInt for the 64-bit integers.
val scalar(const qkv::GgufValue& v) {
  switch (v.type) {
    case qkv::GgufType::kU8:
    case qkv::GgufType::kU16:
    case qkv::GgufType::kU32:
      return val(num(v.bits));
    case qkv::GgufType::kI8:
      return val(static_cast<double>(static_cast<int8_t>(v.bits)));
    case qkv::GgufType::kI16:
      return val(static_cast<double>(static_cast<int16_t>(v.bits)));
    case qkv::GgufType::kI32:
      return val(static_cast<double>(static_cast<int32_t>(v.bits)));
    case qkv::GgufType::kF32: {
      const auto bits = static_cast<uint32_t>(v.bits);
      float f;
      __builtin_memcpy(&f, &bits, 4);
      return val(static_cast<double>(f));
    }
    case qkv::GgufType::kF64: {
      double d;
      __builtin_memcpy(&d, &v.bits, 8);
      return val(d);
    }
    case qkv::GgufType::kBool:
      return val(v.bits != 0);
    case qkv::GgufType::kU64:
      return val::global("BigInt")(val(std::to_string(v.bits)));
    case qkv::GgufType::kI64:
      return val::global("BigInt")(val(std::to_string(static_cast<int64_t>(v.bits))));
    case qkv::GgufType::kString:
    case qkv::GgufType::kArray:
      break;
  }
  return val::undefined();
}

val parse_gguf_header(val name, uintptr_t ptr, double length, double file_size) {
  return bound<val>(
      [&](val& out, val name_arg) -> Status {
        size_t n = 0;
        QKV_RETURN_IF_ERROR(to_count(length, 0, "prefix length", &n));
        // The file may be larger than wasm's 32-bit address space (a header is still read from
        // its prefix), so its size is a 64-bit count, whole and below 2^53 as JS numbers are.
        if (!(file_size >= 0 && file_size <= 9007199254740992.0 &&
              file_size == static_cast<double>(static_cast<uint64_t>(file_size)))) {
          return Status::invalid_argument("file size must be a whole number of bytes");
        }
        const uint64_t size = static_cast<uint64_t>(file_size);
        QKV_RETURN_IF_ERROR(check_heap_range(ptr, n, "GGUF prefix"));
        qkv::GgufHeader h;
        uint64_t need = 0;
        QKV_RETURN_IF_ERROR(qkv::parse_gguf_header(reinterpret_cast<const uint8_t*>(ptr), n, size,
                                                   name_arg.as<std::string>(), &h, &need));
        val result = val::object();
        if (need != 0) {
          result.set("need", num(need));
          out = std::move(result);
          return Status::ok_status();
        }
        result.set("version", h.version);
        result.set("alignment", num(h.alignment));
        result.set("headerBytes", num(h.header_bytes));
        result.set("dataOffset", num(h.data_offset));
        val metadata = val::array();
        for (const qkv::GgufKV& kv : h.metadata) {
          val e = val::object();
          e.set("keyOffset", num(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(kv.key.data()) - ptr)));
          e.set("keyBytes", num(kv.key.size()));
          e.set("type", static_cast<uint32_t>(kv.value.type));
          e.set("elemType", static_cast<uint32_t>(kv.value.elem_type));
          e.set("count", num(kv.value.count));
          e.set("offset", num(kv.value.offset));
          e.set("bytes", num(kv.value.bytes));
          if (kv.value.type != qkv::GgufType::kString && !kv.value.is_array())
            e.set("value", scalar(kv.value));
          metadata.call<void>("push", e);
        }
        result.set("metadata", metadata);
        val tensors = val::array();
        for (const qkv::GgufTensorInfo& t : h.tensors) {
          val e = val::object();
          e.set("name", t.name);
          e.set("type", t.type);
          e.set("typeName", std::string(t.type_info->name));
          val dims = val::array();
          for (uint64_t d : t.dims) dims.call<void>("push", num(d));
          e.set("dims", dims);
          e.set("offset", num(t.offset));
          e.set("nbytes", num(t.nbytes));
          tensors.call<void>("push", e);
        }
        result.set("tensors", tensors);
        out = std::move(result);
        return Status::ok_status();
      },
      name);
}

}  // namespace
}  // namespace qkv_bind

EMSCRIPTEN_BINDINGS(qkv_gguf) {
  emscripten::function("parseGgufHeader", &qkv_bind::parse_gguf_header, emscripten::allow_raw_pointers());
}
