#include "io/safetensors.h"

#include <algorithm>
#include <string>

#include "io/json.h"

namespace qkv {
namespace {

std::string str(uint64_t v) { return std::to_string(v); }

struct DTypeInfo {
  const char* name;
  size_t size;
  TensorDType dtype;
};

// Every dtype the safetensors specification defines; qkv loads the first three.
constexpr DTypeInfo kDTypes[] = {
    {"F32", 4, TensorDType::kF32},       {"F16", 2, TensorDType::kF16},
    {"BF16", 2, TensorDType::kBF16},     {"F64", 8, TensorDType::kOther},
    {"I64", 8, TensorDType::kOther},     {"I32", 4, TensorDType::kOther},
    {"I16", 2, TensorDType::kOther},     {"I8", 1, TensorDType::kOther},
    {"U64", 8, TensorDType::kOther},     {"U32", 4, TensorDType::kOther},
    {"U16", 2, TensorDType::kOther},     {"U8", 1, TensorDType::kOther},
    {"BOOL", 1, TensorDType::kOther},    {"F8_E4M3", 1, TensorDType::kOther},
    {"F8_E5M2", 1, TensorDType::kOther},
};

const DTypeInfo* find_dtype(std::string_view name) {
  for (const DTypeInfo& d : kDTypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

bool mul_overflows(uint64_t a, uint64_t b) { return b != 0 && a > UINT64_MAX / b; }

Status parse_tensor(std::string_view file, const std::string& name, const JsonValue& v, uint64_t data_offset,
                    SafetensorsTensor* t) {
  const std::string where = std::string(file) + ": tensor \"" + name + "\"";
  if (!v.is_object()) return Status::format(where + " must be an object, found " + v.describe());
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string& key = v.key(i);
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      return Status::format(where + " has an unknown field \"" + key + "\"");
    }
  }
  const JsonValue* dtype = v.find("dtype");
  const JsonValue* shape = v.find("shape");
  const JsonValue* offsets = v.find("data_offsets");
  if (dtype == nullptr || shape == nullptr || offsets == nullptr) {
    return Status::format(where + " needs dtype, shape and data_offsets");
  }
  if (!dtype->is_string())
    return Status::format(where + ": dtype must be a string, found " + dtype->describe());
  const DTypeInfo* info = find_dtype(*dtype->as_string());
  if (info == nullptr) return Status::format(where + ": unknown dtype " + dtype->describe());
  t->name = name;
  t->dtype = info->dtype;
  t->dtype_name = info->name;

  if (!shape->is_array())
    return Status::format(where + ": shape must be an array, found " + shape->describe());
  uint64_t elements = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    const auto dim = shape->at(i).as_uint64();
    if (!dim) {
      return Status::format(where + ": shape[" + str(i) + "] must be a non-negative integer, found " +
                            shape->at(i).describe());
    }
    if (mul_overflows(elements, *dim))
      return Status::format(where + ": shape's element count overflows 64 bits");
    elements *= *dim;
    t->shape.push_back(*dim);
  }
  if (mul_overflows(elements, info->size))
    return Status::format(where + ": shape's byte size overflows 64 bits");
  t->elements = elements;

  if (!offsets->is_array() || offsets->size() != 2 || !offsets->at(0).as_uint64() ||
      !offsets->at(1).as_uint64()) {
    return Status::format(where + ": data_offsets must be two non-negative integers [begin, end]");
  }
  const uint64_t begin = *offsets->at(0).as_uint64(), end = *offsets->at(1).as_uint64();
  if (end < begin)
    return Status::format(where + ": data_offsets end " + str(end) + " is before begin " + str(begin));
  if (end - begin != elements * info->size) {
    return Status::format(where + ": data_offsets span " + str(end - begin) + " bytes, but " + info->name +
                          " of this shape needs " + str(elements * info->size));
  }
  if (begin > UINT64_MAX - data_offset || end > UINT64_MAX - data_offset) {
    return Status::format(where + ": data_offsets overflow the file");
  }
  t->begin = data_offset + begin;
  t->end = data_offset + end;
  return Status::ok_status();
}

}  // namespace

size_t safetensors_dtype_size(std::string_view dtype_name) {
  const DTypeInfo* info = find_dtype(dtype_name);
  return info != nullptr ? info->size : 0;
}

Status safetensors_header_length(const uint8_t* prefix, uint64_t file_size, std::string_view file,
                                 uint64_t* header_length) {
  if (file_size < kSafetensorsPrefixBytes) {
    return Status::format(
        std::string(file) + ": " + str(file_size) +
        " bytes is too short for a safetensors file (it starts with an 8-byte header length)");
  }
  uint64_t n = 0;
  for (size_t i = 0; i < kSafetensorsPrefixBytes; ++i) n |= uint64_t{prefix[i]} << (8 * i);
  if (n > kSafetensorsMaxHeaderBytes) {
    return Status::format(std::string(file) + ": header length " + str(n) +
                          " is over the format's limit of " + str(kSafetensorsMaxHeaderBytes) +
                          " bytes (not a safetensors file?)");
  }
  if (n > file_size - kSafetensorsPrefixBytes) {
    return Status::format(std::string(file) + ": header length " + str(n) + " runs past the end of the " +
                          str(file_size) + "-byte file (truncated?)");
  }
  *header_length = n;
  return Status::ok_status();
}

Status parse_safetensors_header(std::string_view header, uint64_t file_size, std::string_view file,
                                SafetensorsHeader* out) {
  *out = SafetensorsHeader();
  const uint64_t data_offset = kSafetensorsPrefixBytes + header.size();
  if (data_offset > file_size) {
    return Status::format(std::string(file) + ": the header runs past the end of the file");
  }
  JsonValue root;
  QKV_RETURN_IF_ERROR(parse_json(header, std::string(file) + " header", &root));
  if (!root.is_object()) {
    return Status::format(std::string(file) + ": the header must be a JSON object, found " + root.describe());
  }
  SafetensorsHeader h;
  h.data_offset = data_offset;
  for (size_t i = 0; i < root.size(); ++i) {
    const std::string& name = root.key(i);
    if (name == "__metadata__") {
      const JsonValue& meta = root.at(i);
      if (!meta.is_object()) return Status::format(std::string(file) + ": __metadata__ must be an object");
      for (size_t j = 0; j < meta.size(); ++j) {
        if (!meta.at(j).is_string()) {
          return Status::format(std::string(file) + ": __metadata__ value \"" + meta.key(j) +
                                "\" must be a string, found " + meta.at(j).describe());
        }
        h.metadata.emplace_back(meta.key(j), std::string(*meta.at(j).as_string()));
      }
      continue;
    }
    SafetensorsTensor t;
    QKV_RETURN_IF_ERROR(parse_tensor(file, name, root.at(i), data_offset, &t));
    h.tensors.push_back(std::move(t));
  }
  // The tensors must tile the data area: sorted by offset, each begins where
  // the previous ended, and the last ends at the end of the file.
  std::stable_sort(h.tensors.begin(), h.tensors.end(),
                   [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
                     return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                   });
  uint64_t at = data_offset;
  for (const SafetensorsTensor& t : h.tensors) {
    if (t.begin != at) {
      const std::string what =
          t.begin < at ? "overlaps the tensor before it" : "leaves a gap after the tensor before it";
      return Status::format(std::string(file) + ": tensor \"" + t.name + "\" at data offset " +
                            str(t.begin - data_offset) + " " + what + " (which ends at " +
                            str(at - data_offset) + ")");
    }
    at = t.end;
  }
  if (at != file_size) {
    if (at > file_size) {
      return Status::format(std::string(file) + ": tensors end at byte " + str(at) +
                            ", past the end of the " + str(file_size) + "-byte file (truncated?)");
    }
    return Status::format(std::string(file) + ": tensors end at byte " + str(at) + " but the file has " +
                          str(file_size) + " bytes");
  }
  *out = std::move(h);
  return Status::ok_status();
}

}  // namespace qkv
