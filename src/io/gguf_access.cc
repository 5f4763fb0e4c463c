// Reading a parsed GGUF header (gguf.h): lookups, typed getters, and walks
// over string arrays and nested arrays. The bytes were validated by the
// parse, so the walks here only decode.
#include <algorithm>
#include <cstring>
#include <string>

#include "io/gguf.h"

namespace qkv {
namespace {

std::string dec(uint64_t v) { return std::to_string(v); }

uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// Bytes that `count` elements of type `elem` take at p.
uint64_t payload_bytes(GgufType elem, uint64_t count, const uint8_t* p) {
  const size_t esize = gguf_type_size(elem);
  if (esize != 0) return count * esize;
  const uint8_t* q = p;
  for (uint64_t i = 0; i < count; ++i) {
    if (elem == GgufType::kString) {
      q += 8 + load_le(q, 8);
    } else {
      const auto inner = static_cast<GgufType>(load_le(q, 4));
      const uint64_t n = load_le(q + 4, 8);
      q += 12;
      q += payload_bytes(inner, n, q);
    }
  }
  return static_cast<uint64_t>(q - p);
}

}  // namespace

std::string GgufValue::describe() const {
  if (type != GgufType::kArray) return gguf_type_name(type);
  return std::string("arr[") + gguf_type_name(elem_type) + "," + dec(count) + "]";
}

std::string_view GgufStringArray::next() {
  if (count_ == 0 || end_ - p_ < 8) return {};
  const uint64_t n = load_le(p_, 8);
  const char* s = reinterpret_cast<const char*>(p_ + 8);
  p_ += 8 + n;
  --count_;
  return {s, static_cast<size_t>(n)};
}

std::vector<std::string_view> GgufStringArray::to_vector() const {
  GgufStringArray walk = *this;
  std::vector<std::string_view> out;
  out.reserve(count_);  // count_ was bounded by the bytes during the parse
  for (uint64_t i = 0; i < count_; ++i) out.push_back(walk.next());
  return out;
}

const GgufKV* GgufHeader::find(std::string_view key) const {
  auto it = std::lower_bound(key_order_.begin(), key_order_.end(), key,
                             [&](uint32_t i, std::string_view k) { return metadata[i].key < k; });
  return it != key_order_.end() && metadata[*it].key == key ? &metadata[*it] : nullptr;
}

const GgufTensorInfo* GgufHeader::find_tensor(std::string_view name) const {
  auto it = std::lower_bound(tensor_order_.begin(), tensor_order_.end(), name,
                             [&](uint32_t i, std::string_view n) { return tensors[i].name < n; });
  return it != tensor_order_.end() && tensors[*it].name == name ? &tensors[*it] : nullptr;
}

Status GgufHeader::type_error(const GgufKV& kv, const char* expected) const {
  return Status::format(file + ": metadata key \"" + std::string(kv.key) + "\" is " + kv.value.describe() +
                        ", expected " + expected);
}

Status GgufHeader::lookup(std::string_view key, GgufType type, const GgufKV** out) const {
  const GgufKV* kv = find(key);
  if (kv == nullptr) return Status::format(file + ": metadata key \"" + std::string(key) + "\" is missing");
  if (kv->value.type != type) return type_error(*kv, gguf_type_name(type));
  *out = kv;
  return Status::ok_status();
}

Status GgufHeader::get_u8(std::string_view key, uint8_t* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kU8, &kv));
  *out = static_cast<uint8_t>(kv->value.bits);
  return Status::ok_status();
}

Status GgufHeader::get_u16(std::string_view key, uint16_t* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kU16, &kv));
  *out = static_cast<uint16_t>(kv->value.bits);
  return Status::ok_status();
}

Status GgufHeader::get_u32(std::string_view key, uint32_t* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kU32, &kv));
  *out = static_cast<uint32_t>(kv->value.bits);
  return Status::ok_status();
}

Status GgufHeader::get_i32(std::string_view key, int32_t* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kI32, &kv));
  *out = static_cast<int32_t>(static_cast<uint32_t>(kv->value.bits));
  return Status::ok_status();
}

Status GgufHeader::get_u64(std::string_view key, uint64_t* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kU64, &kv));
  *out = kv->value.bits;
  return Status::ok_status();
}

Status GgufHeader::get_f32(std::string_view key, float* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kF32, &kv));
  const auto bits = static_cast<uint32_t>(kv->value.bits);
  std::memcpy(out, &bits, 4);
  return Status::ok_status();
}

Status GgufHeader::get_bool(std::string_view key, bool* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kBool, &kv));
  *out = kv->value.bits != 0;
  return Status::ok_status();
}

Status GgufHeader::get_string(std::string_view key, std::string_view* out) const {
  const GgufKV* kv = nullptr;
  QKV_RETURN_IF_ERROR(lookup(key, GgufType::kString, &kv));
  *out = kv->value.str();
  return Status::ok_status();
}

Status GgufHeader::get_array(std::string_view key, GgufType elem_type, const GgufValue** out) const {
  const GgufKV* kv = find(key);
  if (kv == nullptr) return Status::format(file + ": metadata key \"" + std::string(key) + "\" is missing");
  if (!kv->value.is_array() || kv->value.elem_type != elem_type) {
    return type_error(*kv, (std::string("arr[") + gguf_type_name(elem_type) + "]").c_str());
  }
  *out = &kv->value;
  return Status::ok_status();
}

Status GgufHeader::get_string_array(std::string_view key, GgufStringArray* out) const {
  const GgufValue* v = nullptr;
  QKV_RETURN_IF_ERROR(get_array(key, GgufType::kString, &v));
  *out = GgufStringArray(v->data, v->bytes, v->count);
  return Status::ok_status();
}

Status GgufHeader::get_u32_array(std::string_view key, std::vector<uint32_t>* out) const {
  const GgufKV* kv = find(key);
  if (kv == nullptr) return Status::format(file + ": metadata key \"" + std::string(key) + "\" is missing");
  const GgufValue& v = kv->value;
  if (!v.is_array() || (v.elem_type != GgufType::kI32 && v.elem_type != GgufType::kU32)) {
    return type_error(*kv, "arr[i32] or arr[u32]");
  }
  out->clear();
  out->reserve(v.count);
  for (uint64_t i = 0; i < v.count; ++i) {
    const auto x = static_cast<uint32_t>(load_le(v.data + 4 * i, 4));
    if (v.elem_type == GgufType::kI32 && x > uint32_t{INT32_MAX}) {
      return Status::format(file + ": metadata key \"" + std::string(key) + "\" element " + dec(i) + " is " +
                            std::to_string(static_cast<int32_t>(x)) + ", expected a non-negative count");
    }
    out->push_back(x);
  }
  return Status::ok_status();
}

Status GgufHeader::get_f32_array(std::string_view key, std::vector<float>* out) const {
  const GgufValue* v = nullptr;
  QKV_RETURN_IF_ERROR(get_array(key, GgufType::kF32, &v));
  out->resize(v->count);
  // Little-endian host (x86, wasm), as the file.
  if (v->count != 0) std::memcpy(out->data(), v->data, v->count * 4);
  return Status::ok_status();
}

std::vector<GgufValue> gguf_array_elements(const GgufValue& array) {
  std::vector<GgufValue> out;
  if (!array.is_array()) return out;
  out.reserve(array.count);
  const uint8_t* p = array.data;
  uint64_t offset = array.offset;
  for (uint64_t i = 0; i < array.count; ++i) {
    GgufValue v;
    v.type = array.elem_type;
    const uint8_t* start = p;
    if (v.type == GgufType::kString) {
      v.count = v.bytes = load_le(p, 8);
      p += 8;
      v.data = p;
      v.offset = offset + 8;
      p += v.bytes;
    } else if (v.type == GgufType::kArray) {
      v.elem_type = static_cast<GgufType>(load_le(p, 4));
      v.count = load_le(p + 4, 8);
      p += 12;
      v.data = p;
      v.offset = offset + 12;
      v.bytes = payload_bytes(v.elem_type, v.count, p);
      p += v.bytes;
    } else {
      v.bytes = gguf_type_size(v.type);
      v.count = 1;
      v.data = p;
      v.offset = offset;
      v.bits = load_le(p, v.bytes);
      p += v.bytes;
    }
    offset += static_cast<uint64_t>(p - start);
    out.push_back(v);
  }
  return out;
}

TensorEntry gguf_tensor_entry(const GgufTensorInfo& t) {
  TensorEntry e;
  e.name = t.name;
  e.dtype = tensor_dtype_of(static_cast<GgmlType>(t.type));
  e.dtype_name = t.type_info != nullptr ? t.type_info->name : "unknown";
  e.shape.assign(t.dims.rbegin(), t.dims.rend());
  e.elements = t.elements;
  e.begin = t.offset;
  e.end = t.offset + t.nbytes;
  return e;
}

}  // namespace qkv
