// The GGUF header parser (gguf.h). Every read goes through need(), which
// checks the bytes against the file size (a format error), the header limit
// and the prefix (a request for more bytes), in that order, so a lying length
// is caught before it is used and a short prefix is never mistaken for a
// broken file.
#include "io/gguf.h"

#include <algorithm>
#include <string>

namespace qkv {
namespace {

std::string str(uint64_t v) { return std::to_string(v); }

uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// Smallest possible encodings, for bounding counts by the bytes left:
// a pair is a key of >= 1 byte (8 + 1), a type (4) and a value (>= 1 byte);
// a tensor info a name of >= 1 byte (8 + 1), n_dims (4), type (4), offset (8).
constexpr uint64_t kMinPairBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;
constexpr uint64_t kFixedHeaderBytes = 4 + 4 + 8 + 8;

}  // namespace

class GgufParser {
 public:
  GgufParser(const uint8_t* data, size_t size, uint64_t file_size, std::string_view file)
      : data_(data), size_(size), file_size_(file_size), file_(file) {}

  // false: stopped, with error_ set or need_ > 0.
  bool run(GgufHeader* h);

  Status error_;
  uint64_t need_ = 0;

 private:
  // The part of the file being read, for messages.
  std::string where() const {
    std::string w = std::string(file_) + ": ";
    if (!ctx_name_.empty()) {
      w += std::string(ctx_what_) + " \"" + std::string(ctx_name_) + "\"";
    } else {
      w += ctx_what_;
      if (ctx_index_ != UINT64_MAX) w += " " + str(ctx_index_);
    }
    return w;
  }
  void context(const char* what, uint64_t index, std::string_view name = {}) {
    ctx_what_ = what;
    ctx_index_ = index;
    ctx_name_ = name;
  }
  bool fail(Status s) {
    error_ = std::move(s);
    return false;
  }
  bool fail_format(const std::string& problem) { return fail(Status::format(where() + ": " + problem)); }

  // Makes n bytes at pos_ readable; `what` names them in messages.
  bool need(uint64_t n, const char* what) {
    if (n > file_size_ - pos_) {
      return fail_format(std::string(what) + " (" + str(n) + " bytes at offset " + str(pos_) +
                         ") runs past the end of the " + str(file_size_) + "-byte file (truncated?)");
    }
    if (pos_ + n > kGgufMaxHeaderBytes) {
      return fail(Status::unsupported(where() + ": the header runs past " + str(kGgufMaxHeaderBytes) +
                                      " bytes, qkv's limit for a GGUF header"));
    }
    if (pos_ + n > size_) {
      need_ = pos_ + n;
      return false;
    }
    return true;
  }
  // As need(), for `count` elements of at least `min_bytes` each: fails fast
  // on a lying count, and asks for all of them at once (not one at a time).
  bool need_elements(uint64_t count, uint64_t min_bytes, const char* what) {
    if (count > (file_size_ - pos_) / min_bytes) {
      return fail_format(std::string(what) + ": " + str(count) + " elements of at least " + str(min_bytes) +
                         " bytes each at offset " + str(pos_) + " run past the end of the " +
                         str(file_size_) + "-byte file");
    }
    const uint64_t at = pos_;
    if (!need(count * min_bytes, what)) return false;
    pos_ = at;
    return true;
  }
  uint64_t read(size_t n) {
    const uint64_t v = load_le(data_ + pos_, n);
    pos_ += n;
    return v;
  }
  bool u32(uint32_t* v, const char* what) {
    if (!need(4, what)) return false;
    *v = static_cast<uint32_t>(read(4));
    return true;
  }
  bool u64(uint64_t* v, const char* what) {
    if (!need(8, what)) return false;
    *v = read(8);
    return true;
  }
  // A u64 length and the bytes; the view points into the prefix.
  bool string(std::string_view* s, uint64_t max_len, const char* what) {
    uint64_t n = 0;
    if (!u64(&n, what)) return false;
    if (n > max_len) {
      return fail_format(std::string(what) + " is " + str(n) + " bytes long, over the limit of " +
                         str(max_len));
    }
    if (!need(n, what)) return false;
    *s = std::string_view(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return true;
  }

  bool value(GgufType type, uint32_t depth, GgufValue* v);
  bool array(uint32_t depth, GgufValue* v);
  bool pairs(uint64_t count, GgufHeader* h);
  bool alignment(GgufHeader* h);
  bool tensor_info(GgufTensorInfo* t);
  bool tensor_ranges(GgufHeader* h);
  bool unique(GgufHeader* h);

  const uint8_t* data_;
  uint64_t size_;
  uint64_t file_size_;
  std::string_view file_;
  uint64_t pos_ = 0;
  const char* ctx_what_ = "the header";
  uint64_t ctx_index_ = UINT64_MAX;
  std::string_view ctx_name_;
};

bool GgufParser::value(GgufType type, uint32_t depth, GgufValue* v) {
  v->type = type;
  if (type == GgufType::kArray) return array(depth + 1, v);
  if (type == GgufType::kString) {
    std::string_view s;
    if (!string(&s, UINT64_MAX, "a string value")) return false;
    v->count = v->bytes = s.size();
    v->offset = pos_ - s.size();
    v->data = data_ + v->offset;
    return true;
  }
  const size_t n = gguf_type_size(type);
  if (!need(n, "a value")) return false;
  v->offset = pos_;
  v->data = data_ + pos_;
  v->bytes = n;
  v->count = 1;
  v->bits = read(n);
  if (type == GgufType::kBool && v->bits > 1) {
    return fail_format("bool value at offset " + str(v->offset) + " is " + str(v->bits) +
                       " (must be 0 or 1)");
  }
  return true;
}

bool GgufParser::array(uint32_t depth, GgufValue* v) {
  if (depth > kGgufMaxArrayDepth) {
    return fail_format("arrays nest deeper than " + str(kGgufMaxArrayDepth) + " levels (at offset " +
                       str(pos_) + ")");
  }
  uint32_t elem = 0;
  if (!u32(&elem, "an array's element type")) return false;
  if (elem >= kGgufTypeCount) {
    return fail_format("array at offset " + str(pos_ - 4) + " has unknown element type " + str(elem) +
                       " (value types are 0-12)");
  }
  uint64_t count = 0;
  if (!u64(&count, "an array's length")) return false;
  v->elem_type = static_cast<GgufType>(elem);
  v->count = count;
  v->offset = pos_;
  v->data = data_ + pos_;
  const size_t esize = gguf_type_size(v->elem_type);
  if (esize != 0) {
    if (!need_elements(count, esize, "an array")) return false;
    if (v->elem_type == GgufType::kBool) {
      for (uint64_t i = 0; i < count; ++i) {
        if (data_[pos_ + i] > 1) {
          return fail_format("bool array element " + str(i) + " (offset " + str(pos_ + i) + ") is " +
                             str(data_[pos_ + i]) + " (must be 0 or 1)");
        }
      }
    }
    pos_ += count * esize;
  } else if (v->elem_type == GgufType::kString) {
    if (!need_elements(count, 8, "an array of strings")) return false;
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view s;
      if (!string(&s, UINT64_MAX, "a string in an array")) return false;
    }
  } else {
    if (!need_elements(count, 4 + 8, "an array of arrays")) return false;
    for (uint64_t i = 0; i < count; ++i) {
      GgufValue inner;
      inner.type = GgufType::kArray;
      if (!array(depth + 1, &inner)) return false;
    }
  }
  v->bytes = pos_ - v->offset;
  return true;
}

bool GgufParser::pairs(uint64_t count, GgufHeader* h) {
  for (uint64_t i = 0; i < count; ++i) {
    context("metadata pair", i);
    GgufKV kv;
    if (!string(&kv.key, kGgufMaxKeyBytes, "a key")) return false;
    if (kv.key.empty()) return fail_format("the key is empty");
    context("metadata key", i, kv.key);
    uint32_t type = 0;
    if (!u32(&type, "the value type")) return false;
    if (type >= kGgufTypeCount)
      return fail_format("unknown value type " + str(type) + " (value types are 0-12)");
    if (!value(static_cast<GgufType>(type), 0, &kv.value)) return false;
    h->metadata.push_back(kv);
  }
  context("the header", UINT64_MAX);
  return true;
}

// general.alignment: as llama.cpp, a u32 that is a non-zero power of two.
bool GgufParser::alignment(GgufHeader* h) {
  const GgufKV* kv = nullptr;
  for (const GgufKV& p : h->metadata) {
    if (p.key == "general.alignment") kv = &p;
  }
  if (kv == nullptr) return true;
  context("metadata key", 0, kv->key);
  if (kv->value.type != GgufType::kU32) {
    return fail_format("must be a u32, found " + kv->value.describe());
  }
  const uint64_t a = kv->value.bits;
  if (a == 0 || (a & (a - 1)) != 0) return fail_format(str(a) + " is not a power of two");
  h->alignment = a;
  context("the header", UINT64_MAX);
  return true;
}

bool GgufParser::tensor_info(GgufTensorInfo* t) {
  std::string_view name;
  if (!string(&name, kGgufMaxTensorName, "the tensor name")) return false;
  if (name.empty()) return fail_format("the tensor name is empty");
  t->name.assign(name);
  context("tensor", 0, name);
  uint32_t n_dims = 0;
  if (!u32(&n_dims, "the number of dimensions")) return false;
  if (n_dims > kGgufMaxDims) return fail_format("has " + str(n_dims) + " dimensions (ggml allows at most 4)");
  if (!need(8 * uint64_t{n_dims}, "the dimensions")) return false;
  uint64_t elements = 1;
  bool overflow = false;
  for (uint32_t j = 0; j < n_dims; ++j) {
    const uint64_t d = read(8);
    t->dims.push_back(d);
    if (d == 0) return fail_format("dimension " + str(j) + " is 0");
    if (d > uint64_t{INT64_MAX} / elements) overflow = true;
    if (!overflow) elements *= d;
  }
  auto dims_text = [&] {
    std::string s = "[";
    for (size_t j = 0; j < t->dims.size(); ++j) s += (j ? ", " : "") + str(t->dims[j]);
    return s + "]";
  };
  if (overflow) return fail_format("dims " + dims_text() + " have more than 2^63-1 elements");
  t->elements = elements;
  if (!u32(&t->type, "the ggml type")) return false;
  t->type_info = ggml_type_info(t->type);
  if (t->type_info == nullptr) {
    const char* removed = ggml_removed_type_name(t->type);
    if (removed != nullptr) {
      return fail(Status::unsupported(where() + ": ggml type " + str(t->type) + " (" + removed +
                                      ") was removed from ggml; llama.cpp no longer loads it either"));
    }
    return fail(Status::unsupported(where() + ": unknown ggml type " + str(t->type)));
  }
  const uint64_t row = n_dims == 0 ? 1 : t->dims[0];
  const uint64_t bs = t->type_info->block_size, ts = t->type_info->type_size;
  if (row % bs != 0) {
    return fail_format("rows of " + str(row) + " elements (dims " + dims_text() + ") are not a multiple of " +
                       t->type_info->name + "'s block of " + str(bs));
  }
  if (elements / bs > UINT64_MAX / ts) return fail_format("its byte size overflows 64 bits");
  t->nbytes = elements / bs * ts;
  return u64(&t->offset, "the data offset");
}

// Offsets aligned, every tensor inside the file, no two overlapping.
bool GgufParser::tensor_ranges(GgufHeader* h) {
  const uint64_t data = h->data_offset;
  for (size_t i = 0; i < h->tensors.size(); ++i) {
    GgufTensorInfo& t = h->tensors[i];
    context("tensor", i, t.name);
    if (t.offset % h->alignment != 0) {
      return fail_format("data offset " + str(t.offset) + " is not a multiple of the alignment " +
                         str(h->alignment));
    }
    if (t.offset > file_size_ - data || t.nbytes > file_size_ - data - t.offset) {
      return fail_format(std::string(t.type_info->name) + " data of " + str(t.nbytes) +
                         " bytes at data offset " + str(t.offset) + " (file offset " +
                         (t.offset > UINT64_MAX - data ? "past 2^64" : str(data + t.offset)) +
                         ") runs past the end of the " + str(file_size_) + "-byte file (truncated?)");
    }
    t.offset += data;
  }
  std::vector<uint32_t> order(h->tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return h->tensors[a].offset != h->tensors[b].offset ? h->tensors[a].offset < h->tensors[b].offset : a < b;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const GgufTensorInfo& a = h->tensors[order[i - 1]];
    const GgufTensorInfo& b = h->tensors[order[i]];
    if (b.offset < a.offset + a.nbytes) {
      context("tensor", 0, b.name);
      return fail_format("data [" + str(b.offset) + ", " + str(b.offset + b.nbytes) + ") overlaps tensor \"" +
                         a.name + "\" [" + str(a.offset) + ", " + str(a.offset + a.nbytes) + ")");
    }
  }
  context("the header", UINT64_MAX);
  return true;
}

// Keys and tensor names unique (by sorting: a file of many keys costs
// n log n, not n^2); the sorted orders also serve find().
bool GgufParser::unique(GgufHeader* h) {
  auto& keys = h->key_order_;
  keys.resize(h->metadata.size());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = static_cast<uint32_t>(i);
  std::stable_sort(keys.begin(), keys.end(),
                   [&](uint32_t a, uint32_t b) { return h->metadata[a].key < h->metadata[b].key; });
  for (size_t i = 1; i < keys.size(); ++i) {
    if (h->metadata[keys[i - 1]].key == h->metadata[keys[i]].key) {
      context("metadata key", 0, h->metadata[keys[i]].key);
      return fail_format("appears twice (pairs " + str(keys[i - 1]) + " and " + str(keys[i]) + ")");
    }
  }
  auto& names = h->tensor_order_;
  names.resize(h->tensors.size());
  for (size_t i = 0; i < names.size(); ++i) names[i] = static_cast<uint32_t>(i);
  std::stable_sort(names.begin(), names.end(),
                   [&](uint32_t a, uint32_t b) { return h->tensors[a].name < h->tensors[b].name; });
  for (size_t i = 1; i < names.size(); ++i) {
    if (h->tensors[names[i - 1]].name == h->tensors[names[i]].name) {
      context("tensor", 0, h->tensors[names[i]].name);
      return fail_format("appears twice (tensor infos " + str(names[i - 1]) + " and " + str(names[i]) + ")");
    }
  }
  return true;
}

bool GgufParser::run(GgufHeader* h) {
  if (file_size_ < kFixedHeaderBytes) {
    return fail(Status::format(std::string(file_) + ": " + str(file_size_) +
                               " bytes is too short for a GGUF file (its fixed header is 24 bytes)"));
  }
  if (!need(4, "the magic")) return false;
  if (load_le(data_, 4) != kGgufMagic) {
    std::string shown;
    for (size_t i = 0; i < 4; ++i) {
      const char c = static_cast<char>(data_[i]);
      shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    const bool legacy = shown == "lmgg" || shown == "fmgg" || shown == "tjgg";  // GGML, GGMF, GGJT
    return fail(Status::format(std::string(file_) + ": not a GGUF file (it starts with \"" + shown +
                               "\", not \"GGUF\")" +
                               (legacy ? "; it is a pre-GGUF llama.cpp file: convert it to GGUF" : "")));
  }
  pos_ = 4;
  if (!u32(&h->version, "the version")) return false;
  const uint32_t v = h->version;
  if (v != 2 && v != 3) {
    if (v == 1) {
      return fail(Status::unsupported(std::string(file_) +
                                      ": GGUF version 1 is not supported (versions 2 and 3 are; llama.cpp "
                                      "dropped version 1 too: convert the model again)"));
    }
    if (v != 0 && (v & 0xFFFF) == 0) {
      return fail(Status::unsupported(std::string(file_) + ": GGUF version reads as " + str(v) +
                                      ": a big-endian file (qkv reads little-endian GGUF only)"));
    }
    return fail(Status::unsupported(std::string(file_) + ": unknown GGUF version " + str(v) +
                                    " (qkv reads versions 2 and 3)"));
  }
  uint64_t n_tensors = 0, n_kv = 0;
  if (!u64(&n_tensors, "the tensor count") || !u64(&n_kv, "the metadata count")) return false;
  const uint64_t room = file_size_ - kFixedHeaderBytes;
  if (n_kv > room / kMinPairBytes) {
    return fail_format("the file claims " + str(n_kv) + " metadata pairs, but " + str(file_size_) +
                       " bytes hold at most " + str(room / kMinPairBytes));
  }
  if (n_tensors > (room - n_kv * kMinPairBytes) / kMinTensorInfoBytes) {
    return fail_format("the file claims " + str(n_tensors) + " tensors (and " + str(n_kv) +
                       " metadata pairs), but " + str(file_size_) + " bytes hold at most " +
                       str((room - n_kv * kMinPairBytes) / kMinTensorInfoBytes));
  }
  if (n_kv > kGgufMaxKeys || n_tensors > kGgufMaxTensors) {
    return fail(Status::unsupported(where() + ": " + str(n_kv) + " metadata pairs and " + str(n_tensors) +
                                    " tensors: qkv reads at most " + str(kGgufMaxKeys) + " and " +
                                    str(kGgufMaxTensors)));
  }
  if (!pairs(n_kv, h) || !alignment(h)) return false;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    context("tensor info", i);
    GgufTensorInfo t;
    if (!tensor_info(&t)) return false;
    h->tensors.push_back(std::move(t));
  }
  context("the header", UINT64_MAX);
  h->header_bytes = pos_;
  h->data_offset = pos_;
  if (n_tensors > 0) {
    h->data_offset = (pos_ + h->alignment - 1) / h->alignment * h->alignment;
    if (h->data_offset > file_size_) {
      return fail_format("the data section would start at byte " + str(h->data_offset) + " (alignment " +
                         str(h->alignment) + "), past the end of the " + str(file_size_) + "-byte file");
    }
  }
  return tensor_ranges(h) && unique(h);
}

Status parse_gguf_header(const uint8_t* prefix, size_t size, uint64_t file_size, std::string_view file,
                         GgufHeader* out, uint64_t* need_bytes) {
  *out = GgufHeader();
  *need_bytes = 0;
  if (size > file_size) {
    return Status::invalid_argument(std::string(file) + ": a prefix of " + str(size) + " bytes of a " +
                                    str(file_size) + "-byte file");
  }
  GgufHeader h;
  h.file_size = file_size;
  h.file = std::string(file);
  GgufParser p(prefix, size, file_size, file);
  if (!p.run(&h)) {
    if (!p.error_.ok()) return p.error_;
    *need_bytes = p.need_;
    return Status::ok_status();
  }
  *out = std::move(h);
  return Status::ok_status();
}

}  // namespace qkv
