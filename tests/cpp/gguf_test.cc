// The GGUF header parser on files written by an independent writer
// (tests/fixtures/gguf/gguf_writer.py, from the format spec), each checked
// against the writer's own account of what it wrote (NAME.json): every value
// with its type, every tensor's type, dims, offset and size. Then the
// streaming contract on every prefix and every truncation of those files, and
// the typed getters. Hostile files: gguf_hostile_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "io/json.h"

#ifndef QKV_FIXTURES_DIR
#error "QKV_FIXTURES_DIR must name tests/fixtures"
#endif

namespace qkv {
namespace {

const char* const kFixtures[] = {"values-v3", "tokenizer-v2", "all-types", "no-tensors"};

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::ostringstream s;
  s << f.rdbuf();
  const std::string text = s.str();
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::string fixture_path(const std::string& name) { return std::string(QKV_FIXTURES_DIR) + "/gguf/" + name; }

struct Fixture {
  std::vector<uint8_t> bytes;
  JsonValue manifest;
};

Fixture load(const std::string& name) {
  Fixture f;
  f.bytes = read_bytes(fixture_path(name + ".gguf"));
  const std::vector<uint8_t> json = read_bytes(fixture_path(name + ".json"));
  const Status s = parse_json(std::string_view(reinterpret_cast<const char*>(json.data()), json.size()), name,
                              &f.manifest);
  EXPECT_TRUE(s.ok()) << s.message();
  return f;
}

// Parses a whole file; a whole file never needs more bytes.
Status parse_whole(const std::vector<uint8_t>& bytes, GgufHeader* h) {
  uint64_t need = 0;
  const Status s = parse_gguf_header(bytes.data(), bytes.size(), bytes.size(), "t.gguf", h, &need);
  EXPECT_EQ(need, 0u);
  return s;
}

uint64_t u(const JsonValue& j, const char* key) {
  const JsonValue* v = j.find(key);
  EXPECT_NE(v, nullptr) << key;
  return v != nullptr && v->as_uint64() ? *v->as_uint64() : ~uint64_t{0};
}

int64_t sign_extend(uint64_t bits, size_t bytes) {
  const unsigned shift = static_cast<unsigned>(64 - 8 * bytes);
  return static_cast<int64_t>(bits << shift) >> shift;
}

// Compares a parsed value with the writer's: `spec` is the writer's type
// ("u32", "arr[arr[str]]"), `j` its value.
void expect_value(const GgufValue& v, const std::string& spec, const JsonValue& j, const std::string& where) {
  SCOPED_TRACE(where);
  if (spec.rfind("arr[", 0) == 0) {
    const std::string inner = spec.substr(4, spec.size() - 5);
    ASSERT_EQ(v.type, GgufType::kArray);
    const std::string inner_kind = inner.rfind("arr[", 0) == 0 ? "arr" : inner;
    EXPECT_EQ(gguf_type_name(v.elem_type), inner_kind);
    ASSERT_TRUE(j.is_array());
    const std::vector<GgufValue> elems = gguf_array_elements(v);
    ASSERT_EQ(elems.size(), j.size());
    EXPECT_EQ(v.count, j.size());
    for (size_t i = 0; i < elems.size(); ++i)
      expect_value(elems[i], inner, j.at(i), where + "[" + std::to_string(i) + "]");
    return;
  }
  ASSERT_EQ(gguf_type_name(v.type), spec);
  switch (v.type) {
    case GgufType::kU8:
    case GgufType::kU16:
    case GgufType::kU32:
    case GgufType::kU64:
      ASSERT_TRUE(j.as_uint64());
      EXPECT_EQ(v.bits, *j.as_uint64());
      break;
    case GgufType::kI8:
    case GgufType::kI16:
    case GgufType::kI32:
    case GgufType::kI64:
      ASSERT_TRUE(j.as_int64());
      EXPECT_EQ(sign_extend(v.bits, gguf_type_size(v.type)), *j.as_int64());
      break;
    case GgufType::kF32: {
      float f;
      const auto b = static_cast<uint32_t>(v.bits);
      std::memcpy(&f, &b, 4);
      ASSERT_TRUE(j.as_double());
      EXPECT_EQ(static_cast<double>(f), *j.as_double());
      break;
    }
    case GgufType::kF64: {
      double d;
      std::memcpy(&d, &v.bits, 8);
      ASSERT_TRUE(j.as_double());
      EXPECT_EQ(d, *j.as_double());
      break;
    }
    case GgufType::kBool:
      ASSERT_TRUE(j.as_bool());
      EXPECT_EQ(v.bits != 0, *j.as_bool());
      break;
    case GgufType::kString:
      ASSERT_TRUE(j.as_string());
      EXPECT_EQ(v.str(), *j.as_string());
      break;
    case GgufType::kArray:
      FAIL() << "array without an arr[] spec";
  }
}

TEST(Gguf, FixturesMatchWhatTheWriterWrote) {
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const Fixture f = load(name);
    const JsonValue& m = f.manifest;
    GgufHeader h;
    const Status s = parse_whole(f.bytes, &h);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(h.version, u(m, "version"));
    EXPECT_EQ(h.alignment, u(m, "alignment"));
    EXPECT_EQ(h.header_bytes, u(m, "header_bytes"));
    EXPECT_EQ(h.data_offset, u(m, "data_offset"));
    EXPECT_EQ(h.file_size, u(m, "file_size"));
    EXPECT_EQ(h.file_size, f.bytes.size());

    const JsonValue& meta = *m.find("metadata");
    ASSERT_EQ(h.metadata.size(), meta.size());
    for (size_t i = 0; i < meta.size(); ++i) {
      const std::string key(*meta.at(i).find("key")->as_string());
      EXPECT_EQ(h.metadata[i].key, key);  // file order
      const GgufKV* kv = h.find(key);
      ASSERT_EQ(kv, &h.metadata[i]);
      expect_value(kv->value, std::string(*meta.at(i).find("type")->as_string()), *meta.at(i).find("value"),
                   key);
    }
    EXPECT_EQ(h.find("no.such.key"), nullptr);

    const JsonValue& tensors = *m.find("tensors");
    ASSERT_EQ(h.tensors.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      const JsonValue& jt = tensors.at(i);
      const GgufTensorInfo& t = h.tensors[i];
      SCOPED_TRACE(t.name);
      EXPECT_EQ(t.name, *jt.find("name")->as_string());
      EXPECT_EQ(t.type, u(jt, "type"));
      ASSERT_NE(t.type_info, nullptr);
      EXPECT_EQ(t.type_info->name, *jt.find("type_name")->as_string());
      const JsonValue& dims = *jt.find("dims");
      ASSERT_EQ(t.dims.size(), dims.size());
      uint64_t elements = 1;
      for (size_t d = 0; d < dims.size(); ++d) {
        EXPECT_EQ(t.dims[d], *dims.at(d).as_uint64());
        elements *= t.dims[d];
      }
      EXPECT_EQ(t.elements, elements);
      EXPECT_EQ(t.offset, u(jt, "offset"));
      EXPECT_EQ(t.nbytes, u(jt, "nbytes"));  // the writer's block table against ours
      EXPECT_EQ(h.find_tensor(t.name), &t);
    }
    EXPECT_EQ(h.find_tensor("no.such.tensor"), nullptr);
  }
}

TEST(Gguf, EveryGgmlTypeOfTheTableIsInTheFixture) {
  const Fixture f = load("all-types");
  GgufHeader h;
  ASSERT_TRUE(parse_whole(f.bytes, &h).ok());
  size_t known = 0;
  for (uint32_t id = 0; id < 64; ++id) {
    if (ggml_type_info(id) == nullptr) continue;
    ++known;
    bool found = false;
    for (const GgufTensorInfo& t : h.tensors) found = found || t.type == id;
    EXPECT_TRUE(found) << "ggml type " << id;
  }
  EXPECT_EQ(known, h.tensors.size());
}

TEST(Gguf, TypedGetters) {
  const Fixture f = load("values-v3");
  GgufHeader h;
  ASSERT_TRUE(parse_whole(f.bytes, &h).ok());
  std::string_view arch;
  ASSERT_TRUE(h.get_string("general.architecture", &arch).ok());
  EXPECT_EQ(arch, "llama");
  uint32_t u32 = 0;
  ASSERT_TRUE(h.get_u32("llama.block_count", &u32).ok());
  EXPECT_EQ(u32, 2u);
  uint64_t u64 = 0;
  ASSERT_TRUE(h.get_u64("llama.context_length", &u64).ok());
  EXPECT_EQ(u64, 4096u);
  int32_t i32 = 0;
  ASSERT_TRUE(h.get_i32("test.i32", &i32).ok());
  EXPECT_EQ(i32, INT32_MIN);
  float f32 = 0;
  ASSERT_TRUE(h.get_f32("test.f32", &f32).ok());
  EXPECT_EQ(f32, -1.5f);
  bool b = false;
  ASSERT_TRUE(h.get_bool("test.bool_true", &b).ok());
  EXPECT_TRUE(b);
  uint8_t u8 = 0;
  ASSERT_TRUE(h.get_u8("test.u8", &u8).ok());
  EXPECT_EQ(u8, 255);
  uint16_t u16 = 0;
  ASSERT_TRUE(h.get_u16("test.u16", &u16).ok());
  EXPECT_EQ(u16, 65535);

  // Exact types, as llama.cpp: a u32 hyper-parameter stored as u64 is refused.
  Status s = h.get_u32("llama.context_length", &u32);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_EQ(s.message(), "t.gguf: metadata key \"llama.context_length\" is u64, expected u32");
  s = h.get_string("llama.missing", &arch);
  EXPECT_EQ(s.message(), "t.gguf: metadata key \"llama.missing\" is missing");
  const GgufValue* arr = nullptr;
  s = h.get_array("test.arr_i32", GgufType::kF32, &arr);
  EXPECT_EQ(s.message(), "t.gguf: metadata key \"test.arr_i32\" is arr[i32,3], expected arr[f32]");
  s = h.get_array("test.u32", GgufType::kU32, &arr);
  EXPECT_EQ(s.message(), "t.gguf: metadata key \"test.u32\" is u32, expected arr[u32]");

  std::vector<uint32_t> counts;
  s = h.get_u32_array("test.arr_i32", &counts);  // holds -5
  EXPECT_NE(s.message().find("\"test.arr_i32\" element 0 is -5, expected a non-negative count"),
            std::string::npos)
      << s.message();
  ASSERT_TRUE(h.get_u32_array("test.arr_u32", &counts).ok());
  EXPECT_EQ(counts, (std::vector<uint32_t>{1, 2, 3}));
  s = h.get_u32_array("test.arr_f32", &counts);
  EXPECT_EQ(s.message(),
            "t.gguf: metadata key \"test.arr_f32\" is arr[f32,3], expected arr[i32] or arr[u32]");

  // A tensor as the loader's entry: shape outermost first.
  const GgufTensorInfo* t = h.find_tensor("blk.0.three_d");
  ASSERT_NE(t, nullptr);
  TensorEntry e = gguf_tensor_entry(*t);
  EXPECT_EQ(e.dtype, TensorDType::kBF16);
  EXPECT_EQ(e.dtype_name, "BF16");
  EXPECT_EQ(e.shape, (std::vector<uint64_t>{2, 2, 2}));
  EXPECT_EQ(e.end - e.begin, 16u);
  e = gguf_tensor_entry(*h.find_tensor("token_embd.weight"));
  EXPECT_EQ(e.shape, (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(e.dtype, TensorDType::kF32);
  EXPECT_EQ(gguf_tensor_entry(*h.find_tensor("blk.0.attn_q.weight")).dtype_name, "Q8_0");
  EXPECT_EQ(gguf_tensor_entry(*h.find_tensor("blk.0.attn_q.weight")).dtype, TensorDType::kQ8_0);
}

TEST(Gguf, TokenizerArraysAreViewsIntoThePrefix) {
  const Fixture f = load("tokenizer-v2");
  GgufHeader h;
  ASSERT_TRUE(parse_whole(f.bytes, &h).ok());
  const JsonValue* tokens_json = nullptr;
  const JsonValue* scores_json = nullptr;
  const JsonValue& meta = *f.manifest.find("metadata");
  for (size_t i = 0; i < meta.size(); ++i) {
    if (*meta.at(i).find("key")->as_string() == "tokenizer.ggml.tokens")
      tokens_json = meta.at(i).find("value");
    if (*meta.at(i).find("key")->as_string() == "tokenizer.ggml.scores")
      scores_json = meta.at(i).find("value");
  }
  ASSERT_NE(tokens_json, nullptr);
  GgufStringArray tokens;
  ASSERT_TRUE(h.get_string_array("tokenizer.ggml.tokens", &tokens).ok());
  ASSERT_EQ(tokens.size(), tokens_json->size());
  const std::vector<std::string_view> all = tokens.to_vector();
  for (size_t i = 0; i < tokens_json->size(); ++i) {
    const std::string_view s = tokens.next();
    EXPECT_EQ(s, *tokens_json->at(i).as_string());
    EXPECT_EQ(all[i], s);
    // Not copied: the view is inside the file's bytes.
    EXPECT_GE(reinterpret_cast<const uint8_t*>(s.data()), f.bytes.data());
    EXPECT_LE(reinterpret_cast<const uint8_t*>(s.data()) + s.size(), f.bytes.data() + h.header_bytes);
  }
  std::vector<float> scores;
  ASSERT_TRUE(h.get_f32_array("tokenizer.ggml.scores", &scores).ok());
  ASSERT_EQ(scores.size(), scores_json->size());
  for (size_t i = 0; i < scores.size(); ++i) EXPECT_EQ(scores[i], *scores_json->at(i).as_double());
  // The file offset of a payload addresses the same bytes (what the JS side uses).
  const GgufKV* kv = h.find("tokenizer.ggml.scores");
  EXPECT_EQ(kv->value.data, f.bytes.data() + kv->value.offset);
  std::vector<uint32_t> heads;
  ASSERT_TRUE(h.get_u32_array("qwen2.attention.head_count", &heads).ok());  // i32 in the file
  EXPECT_EQ(heads, (std::vector<uint32_t>{4, 4}));
}

// Every prefix of every fixture, with the file's true size: either "need
// more" (asking for more than it has, never past the file) or the complete
// header; never an error. And every truncation (the prefix is the whole
// file): an error naming the file's size, never a crash.
TEST(Gguf, EveryPrefixAndEveryTruncation) {
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const Fixture f = load(name);
    const uint64_t size = f.bytes.size();
    GgufHeader full;
    ASSERT_TRUE(parse_whole(f.bytes, &full).ok());
    // The writer pads the last tensor too; a file cut in that padding is whole.
    uint64_t data_end = full.header_bytes;
    for (const GgufTensorInfo& t : full.tensors) data_end = std::max(data_end, t.offset + t.nbytes);
    for (uint64_t p = 0; p <= size; ++p) {
      GgufHeader h;
      uint64_t need = 0;
      // A copy of exactly p bytes, so that ASan sees any read past the prefix.
      const std::vector<uint8_t> prefix(f.bytes.begin(), f.bytes.begin() + p);
      Status s = parse_gguf_header(prefix.data(), p, size, "t.gguf", &h, &need);
      ASSERT_TRUE(s.ok()) << p << ": " << s.message();
      if (p < full.header_bytes) {
        EXPECT_GT(need, p);
        EXPECT_LE(need, full.header_bytes);
      } else {
        EXPECT_EQ(need, 0u) << p;
        EXPECT_EQ(h.metadata.size(), full.metadata.size());
        EXPECT_EQ(h.tensors.size(), full.tensors.size());
      }
      if (p == size) continue;
      s = parse_gguf_header(prefix.data(), p, p, "t.gguf", &h, &need);
      if (p >= data_end) {
        EXPECT_TRUE(s.ok()) << p << ": " << s.message();
        continue;
      }
      ASSERT_FALSE(s.ok()) << p;
      EXPECT_EQ(need, 0u);
      EXPECT_EQ(s.code(), StatusCode::kFormat) << s.message();
      const std::string& m = s.message();
      EXPECT_TRUE(m.find(std::to_string(p) + " bytes") != std::string::npos ||
                  m.find(std::to_string(p) + "-byte file") != std::string::npos)
          << m;
      EXPECT_TRUE(h.metadata.empty() && h.tensors.empty());
    }
  }
}

// How the JS side reads: start small, grow as asked, each call from scratch.
TEST(Gguf, GrowingThePrefixAsAskedFinishes) {
  for (const char* name : kFixtures) {
    SCOPED_TRACE(name);
    const Fixture f = load(name);
    for (uint64_t start : {uint64_t{1}, uint64_t{24}, uint64_t{100}}) {
      uint64_t have = start, need = 0, calls = 0;
      GgufHeader h;
      for (;;) {
        ++calls;
        ASSERT_LE(calls, 1000u);
        const Status s = parse_gguf_header(f.bytes.data(), have, f.bytes.size(), "t.gguf", &h, &need);
        ASSERT_TRUE(s.ok()) << s.message();
        if (need == 0) break;
        ASSERT_GT(need, have);
        have = need;
      }
      EXPECT_FALSE(h.metadata.empty());
    }
  }
}

}  // namespace
}  // namespace qkv
