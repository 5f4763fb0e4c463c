// A GGUF file's first bytes. The input is the file (or its start: the file
// size is also taken to be 4 KB more, and 1 TB), parsed whole and then as the
// JS side reads it, from a small prefix grown as the parser asks. What an
// accepted header promises the loader is checked (__builtin_trap otherwise),
// and every view it hands out is walked.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/gguf.h"

namespace {

const uint8_t* g_begin = nullptr;
const uint8_t* g_end = nullptr;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_view(const uint8_t* p, uint64_t n) {
  check(p >= g_begin && p <= g_end && n <= uint64_t(g_end - p));
}

// Walks a value the way callers do: every element, every nested array.
void walk(const qkv::GgufValue& v, uint32_t depth) {
  check(depth <= qkv::kGgufMaxArrayDepth);
  check_view(v.data, v.bytes);
  if (v.type == qkv::GgufType::kString) check(v.count == v.bytes);
  if (!v.is_array()) return;
  check(depth < qkv::kGgufMaxArrayDepth || v.elem_type != qkv::GgufType::kArray || v.count == 0);
  if (v.elem_type == qkv::GgufType::kString) {
    qkv::GgufStringArray a(v.data, v.bytes, v.count);
    uint64_t total = 0;
    for (uint64_t i = 0; i < v.count; ++i) {
      const std::string_view s = a.next();
      check_view(reinterpret_cast<const uint8_t*>(s.data()), s.size());
      total += 8 + s.size();
    }
    check(total == v.bytes);
  }
  const std::vector<qkv::GgufValue> elems = qkv::gguf_array_elements(v);
  check(elems.size() == v.count);
  for (const qkv::GgufValue& e : elems) {
    check(e.type == v.elem_type);
    walk(e, depth + 1);
  }
}

void check_header(const qkv::GgufHeader& h) {
  check(h.version == 2 || h.version == 3);
  check(h.alignment != 0 && (h.alignment & (h.alignment - 1)) == 0);
  check(h.header_bytes <= h.data_offset && h.data_offset <= h.file_size);
  check(h.header_bytes <= uint64_t(g_end - g_begin));
  if (!h.tensors.empty()) check(h.data_offset % h.alignment == 0);
  for (const qkv::GgufKV& kv : h.metadata) {
    check(!kv.key.empty() && h.find(kv.key) == &kv);
    check_view(reinterpret_cast<const uint8_t*>(kv.key.data()), kv.key.size());
    walk(kv.value, kv.value.is_array() ? 1 : 0);
    // Every getter on every key: a value or an error, nothing else.
    uint32_t u32;
    uint64_t u64;
    float f32;
    bool b;
    std::string_view s;
    std::vector<uint32_t> us;
    std::vector<float> fs;
    qkv::GgufStringArray sa;
    (void)h.get_u32(kv.key, &u32);
    (void)h.get_u64(kv.key, &u64);
    (void)h.get_f32(kv.key, &f32);
    (void)h.get_bool(kv.key, &b);
    (void)h.get_string(kv.key, &s);
    (void)h.get_u32_array(kv.key, &us);
    (void)h.get_f32_array(kv.key, &fs);
    (void)h.get_string_array(kv.key, &sa);
  }
  std::vector<const qkv::GgufTensorInfo*> by_offset;
  for (const qkv::GgufTensorInfo& t : h.tensors) {
    check(!t.name.empty() && t.name.size() <= qkv::kGgufMaxTensorName && h.find_tensor(t.name) == &t);
    check(t.type_info != nullptr && t.type_info == qkv::ggml_type_info(t.type));
    check(t.dims.size() <= qkv::kGgufMaxDims);
    uint64_t elements = 1;
    for (uint64_t d : t.dims) {
      check(d > 0 && d <= uint64_t{INT64_MAX} / elements);
      elements *= d;
    }
    check(elements == t.elements);
    check((t.dims.empty() ? 1 : t.dims[0]) % t.type_info->block_size == 0);
    check(t.nbytes == elements / t.type_info->block_size * t.type_info->type_size);
    check(t.offset >= h.data_offset && (t.offset - h.data_offset) % h.alignment == 0);
    check(t.nbytes <= h.file_size - t.offset);
    const qkv::TensorEntry e = qkv::gguf_tensor_entry(t);
    check(e.end - e.begin == t.nbytes && e.shape.size() == t.dims.size());
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const qkv::GgufTensorInfo* a, const qkv::GgufTensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    check(by_offset[i]->offset >= by_offset[i - 1]->offset + by_offset[i - 1]->nbytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_begin = data;
  g_end = data + size;
  for (uint64_t file_size : {uint64_t{size}, uint64_t{size} + 4096, uint64_t{1} << 40}) {
    qkv::GgufHeader whole;
    uint64_t need = 0;
    const qkv::Status s = qkv::parse_gguf_header(data, size, file_size, "fuzz.gguf", &whole, &need);
    if (s.ok() && need == 0) check_header(whole);
    if (!s.ok()) check(need == 0 && !s.message().empty() && whole.metadata.empty() && whole.tensors.empty());
    if (need != 0) check(need > size && need <= file_size && file_size > size);
    // The same file read as the JS side reads it, from a 7-byte prefix grown
    // as asked (at least doubling): each request grows past the prefix, and
    // the end is the whole parse's result.
    uint64_t have = std::min<uint64_t>(7, size);
    for (int calls = 0;; ++calls) {
      check(calls < 100000);
      qkv::GgufHeader h;
      uint64_t more = 0;
      const qkv::Status p = qkv::parse_gguf_header(data, have, file_size, "fuzz.gguf", &h, &more);
      if (p.ok() && more != 0) {
        check(more > have && more <= file_size);
        if (more > size) {  // beyond the input: the whole parse stopped at the same read
          check(need == more);
          break;
        }
        have = std::min<uint64_t>(size, std::max(more, 2 * have));  // as gguf-header.ts grows it
        continue;
      }
      check(p.ok() == s.ok() && p.message() == s.message() && need == 0);
      if (p.ok())
        check(h.metadata.size() == whole.metadata.size() && h.tensors.size() == whole.tensors.size());
      break;
    }
  }
  return 0;
}
