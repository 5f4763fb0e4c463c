// Hostile GGUF headers, built byte by byte (gguf_builder.h) so that each
// lies in one field: every one is refused with a message naming the problem
// (and the key or tensor), before anything is allocated from a count.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gguf_builder.h"
#include "io/gguf.h"

namespace qkv {
namespace {

using testing_gguf::Bytes;

// Parses the bytes as a file of file_size bytes (default: exactly them).
Status parse(const Bytes& x, GgufHeader* h, uint64_t file_size = 0) {
  uint64_t need = 0;
  const Status s =
      parse_gguf_header(x.b.data(), x.b.size(), file_size ? file_size : x.b.size(), "bad.gguf", h, &need);
  EXPECT_EQ(need, 0u) << "asked for more bytes instead of failing";
  return s;
}

// Expects an error of `code` whose message contains every part.
void expect_error(const Bytes& x, StatusCode code, std::vector<std::string> parts, uint64_t file_size = 0) {
  GgufHeader h;
  const Status s = parse(x, &h, file_size);
  ASSERT_FALSE(s.ok()) << "accepted";
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_EQ(s.message().rfind("bad.gguf: ", 0), 0u) << s.message();
  for (const std::string& p : parts) EXPECT_NE(s.message().find(p), std::string::npos) << s.message();
  EXPECT_TRUE(h.metadata.empty() && h.tensors.empty());
}

// One valid F32 [8] tensor after `kv` pairs already in x.
Bytes with_tensor(Bytes x) {
  x.tensor("w", {8}, 0, 0).pad_to(32).zeros(32);
  return x;
}

TEST(GgufHostile, AValidBaseline) {
  Bytes x = Bytes::header(1, 1).kv_str("general.architecture", "llama");
  GgufHeader h;
  const Status s = parse(with_tensor(x), &h);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(h.tensors[0].offset, h.data_offset);
  EXPECT_EQ(h.data_offset % 32, 0u);
}

TEST(GgufHostile, MagicVersionAndSize) {
  expect_error(Bytes().raw("GGU"), StatusCode::kFormat, {"3 bytes is too short for a GGUF file"});
  Bytes x;
  x.raw("GGUX").u32(3).u64(0).u64(0);
  expect_error(x, StatusCode::kFormat, {"not a GGUF file", "\"GGUX\""});
  Bytes legacy;
  legacy.raw("tjgg").u32(3).u64(0).u64(0);  // GGJT, little-endian
  expect_error(legacy, StatusCode::kFormat, {"pre-GGUF"});
  expect_error(Bytes::header(0, 0, 1), StatusCode::kUnsupported, {"GGUF version 1 is not supported"});
  expect_error(Bytes::header(0, 0, 4), StatusCode::kUnsupported, {"unknown GGUF version 4"});
  expect_error(Bytes::header(0, 0, 0), StatusCode::kUnsupported, {"unknown GGUF version 0"});
  expect_error(Bytes::header(0, 0, 0x03000000), StatusCode::kUnsupported, {"big-endian"});
  GgufHeader h;
  EXPECT_TRUE(parse(Bytes::header(0, 0, 2), &h).ok());
  EXPECT_EQ(h.version, 2u);
}

TEST(GgufHostile, LyingCounts) {
  expect_error(Bytes::header(0, uint64_t{1} << 63), StatusCode::kFormat,
               {"claims 9223372036854775808 metadata pairs", "24 bytes hold at most 0"});
  expect_error(Bytes::header(~uint64_t{0}, 0), StatusCode::kFormat, {"claims 18446744073709551615 tensors"});
  // Counts the (claimed) file could hold, but past qkv's caps.
  expect_error(Bytes::header(0, 100000), StatusCode::kUnsupported, {"100000 metadata pairs", "at most 65536"},
               uint64_t{1} << 40);
  expect_error(Bytes::header(70000, 0), StatusCode::kUnsupported, {"70000 tensors"}, uint64_t{1} << 40);
}

TEST(GgufHostile, LyingLengths) {
  Bytes x = Bytes::header(0, 1);
  x.u64(~uint64_t{0}).zeros(8);  // key length
  expect_error(x, StatusCode::kFormat, {"metadata pair 0", "a key is 18446744073709551615 bytes long"});
  x = Bytes::header(0, 1);
  x.u64(1000).raw("abcdefgh");
  expect_error(x, StatusCode::kFormat,
               {"metadata pair 0", "a key (1000 bytes at offset 32) runs past the end of the 40-byte file"});
  x = Bytes::header(0, 1);
  x.str("");
  x.u32(4).u32(1);
  expect_error(x, StatusCode::kFormat, {"metadata pair 0", "the key is empty"});
  x = Bytes::header(0, 1).key("general.name", GgufType::kString);
  x.u64(uint64_t{1} << 62).raw("x");
  expect_error(x, StatusCode::kFormat,
               {"metadata key \"general.name\"", "a string value", "runs past the end"});
  // A header longer than qkv reads, in a file that could hold it: refused
  // before any of it is asked for.
  x = Bytes::header(0, 1).key("tokenizer.chat_template", GgufType::kString);
  x.u64(uint64_t{100} << 20);
  expect_error(x, StatusCode::kUnsupported, {"\"tokenizer.chat_template\"", "qkv's limit for a GGUF header"},
               uint64_t{1} << 30);
}

TEST(GgufHostile, ValueTypes) {
  Bytes x = Bytes::header(0, 1).key("a.b", static_cast<GgufType>(13));
  x.u32(0);
  expect_error(x, StatusCode::kFormat, {"metadata key \"a.b\"", "unknown value type 13"});
  x = Bytes::header(0, 1).key("a.flag", GgufType::kBool);
  x.u8(2);
  expect_error(x, StatusCode::kFormat,
               {"metadata key \"a.flag\"", "bool value at offset 42 is 2 (must be 0 or 1)"});
  x = Bytes::header(0, 1).key("a.flags", GgufType::kArray);
  x.u32(static_cast<uint32_t>(GgufType::kBool)).u64(3).u8(1).u8(0).u8(255);
  expect_error(x, StatusCode::kFormat, {"\"a.flags\"", "bool array element 2", "is 255"});
  x = Bytes::header(0, 1).key("a.arr", GgufType::kArray);
  x.u32(99).u64(0);
  expect_error(x, StatusCode::kFormat, {"\"a.arr\"", "unknown element type 99"});
}

TEST(GgufHostile, LyingArrayCounts) {
  for (GgufType elem : {GgufType::kU32, GgufType::kF64, GgufType::kString, GgufType::kArray}) {
    Bytes x = Bytes::header(0, 1).key("tokenizer.ggml.tokens", GgufType::kArray);
    x.u32(static_cast<uint32_t>(elem)).u64(uint64_t{1} << 61).zeros(64);
    expect_error(x, StatusCode::kFormat,
                 {"\"tokenizer.ggml.tokens\"", "2305843009213693952 elements", "run past the end of the"});
  }
  // A count that fits the file but not the bytes actually there.
  Bytes x = Bytes::header(0, 1).key("tokenizer.ggml.tokens", GgufType::kArray);
  x.u32(static_cast<uint32_t>(GgufType::kString)).u64(3).str("a").str("b").u64(50).raw("c");
  expect_error(x, StatusCode::kFormat, {"\"tokenizer.ggml.tokens\"", "a string in an array (50 bytes"});
}

TEST(GgufHostile, NestedArrays) {
  // Four levels are read; five are refused.
  auto nested = [](int levels) {
    Bytes x = Bytes::header(0, 1).key("a.nest", GgufType::kArray);
    for (int i = 1; i < levels; ++i) x.u32(static_cast<uint32_t>(GgufType::kArray)).u64(1);
    x.u32(static_cast<uint32_t>(GgufType::kU8)).u64(1).u8(7);
    return x;
  };
  GgufHeader h;
  const Bytes four = nested(4);  // the header's views point into it
  ASSERT_TRUE(parse(four, &h).ok());
  std::vector<GgufValue> level = gguf_array_elements(h.metadata[0].value);
  for (int i = 1; i < 4; ++i) {
    ASSERT_EQ(level.size(), 1u);
    ASSERT_TRUE(level[0].is_array());
    level = gguf_array_elements(level[0]);
  }
  ASSERT_EQ(level.size(), 1u);
  EXPECT_EQ(level[0].bits, 7u);
  expect_error(nested(5), StatusCode::kFormat, {"\"a.nest\"", "arrays nest deeper than 4 levels"});
  // A wide bomb: 200k empty arrays (12 bytes each) is just a big array, read
  // in linear time with nothing allocated per element.
  Bytes wide = Bytes::header(0, 1).key("a.wide", GgufType::kArray);
  wide.u32(static_cast<uint32_t>(GgufType::kArray)).u64(200000);
  for (int i = 0; i < 200000; ++i) wide.u32(static_cast<uint32_t>(GgufType::kU64)).u64(0);
  ASSERT_TRUE(parse(wide, &h).ok());
  EXPECT_EQ(h.metadata[0].value.count, 200000u);
  EXPECT_EQ(h.metadata[0].value.bytes, 200000u * 12);
}

TEST(GgufHostile, Alignment) {
  Bytes x = Bytes::header(1, 1).kv_u32("general.alignment", 0);
  expect_error(with_tensor(x), StatusCode::kFormat, {"\"general.alignment\"", "0 is not a power of two"});
  x = Bytes::header(1, 1).kv_u32("general.alignment", 48);
  expect_error(with_tensor(x), StatusCode::kFormat, {"48 is not a power of two"});
  x = Bytes::header(1, 1).key("general.alignment", GgufType::kU64);
  x.u64(32);
  expect_error(with_tensor(x), StatusCode::kFormat, {"\"general.alignment\"", "must be a u32, found u64"});
  // A tensor offset that is not a multiple of the alignment.
  x = Bytes::header(1, 0);
  x.tensor("w", {4}, 0, 16).pad_to(32).zeros(64);
  expect_error(x, StatusCode::kFormat,
               {"tensor \"w\"", "data offset 16 is not a multiple of the alignment 32"});
  // With alignment 64, offset 32 is misaligned too.
  x = Bytes::header(1, 1).kv_u32("general.alignment", 64);
  x.tensor("w", {4}, 0, 32).pad_to(64).zeros(128);
  expect_error(x, StatusCode::kFormat, {"not a multiple of the alignment 64"});
  // The data section (header rounded up to the alignment) past the end.
  x = Bytes::header(1, 1).kv_u32("general.alignment", 1u << 20);
  x.tensor("w", {4}, 0, 0).zeros(16);
  expect_error(x, StatusCode::kFormat, {"the data section would start at byte 1048576", "alignment 1048576"});
}

TEST(GgufHostile, TensorInfos) {
  auto one = [](const std::string& name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset = 0) {
    Bytes x = Bytes::header(1, 0);
    x.tensor(name, dims, type, offset).pad_to(32).zeros(4096);
    return x;
  };
  expect_error(one("", {4}, 0), StatusCode::kFormat, {"tensor info 0", "the tensor name is empty"});
  expect_error(one(std::string(64, 'n'), {4}, 0), StatusCode::kFormat,
               {"tensor info 0", "the tensor name is 64 bytes long, over the limit of 63"});
  expect_error(one("w", {1, 1, 1, 1, 1}, 0), StatusCode::kFormat, {"tensor \"w\"", "has 5 dimensions"});
  expect_error(one("w", {4, 0}, 0), StatusCode::kFormat, {"tensor \"w\"", "dimension 1 is 0"});
  expect_error(one("w", {uint64_t{1} << 32, uint64_t{1} << 32}, 0), StatusCode::kFormat,
               {"tensor \"w\"", "dims [4294967296, 4294967296] have more than 2^63-1 elements"});
  expect_error(one("w", {~uint64_t{0}}, 0), StatusCode::kFormat, {"more than 2^63-1 elements"});
  // Fits 63 bits in elements, but not in bytes: f64 of 2^62 elements.
  expect_error(one("w", {uint64_t{1} << 62}, 28), StatusCode::kFormat,
               {"tensor \"w\"", "byte size overflows"});
  expect_error(one("w", {4}, 99), StatusCode::kUnsupported, {"tensor \"w\"", "unknown ggml type 99"});
  expect_error(one("w", {32}, 31), StatusCode::kUnsupported,
               {"tensor \"w\"", "ggml type 31 (Q4_0_4_4) was removed"});
  expect_error(
      one("w", {100, 2}, 12), StatusCode::kFormat,
      {"tensor \"w\"", "rows of 100 elements (dims [100, 2]) are not a multiple of Q4_K's block of 256"});
  // Data past the end of the file, by size and by offset (also near 2^64).
  expect_error(one("w", {2048}, 0), StatusCode::kFormat,
               {"tensor \"w\"", "F32 data of 8192 bytes at data offset 0", "runs past the end"});
  expect_error(one("w", {4}, 0, 8192), StatusCode::kFormat, {"tensor \"w\"", "at data offset 8192"});
  expect_error(one("w", {4}, 0, ~uint64_t{0} - 31), StatusCode::kFormat, {"tensor \"w\"", "past 2^64"});
}

TEST(GgufHostile, OverlapsAndDuplicates) {
  // b starts inside a (in file order b comes first: sorted by offset).
  Bytes x = Bytes::header(2, 0);
  x.tensor("b", {16}, 0, 32).tensor("a", {16}, 0, 0).pad_to(32).zeros(128);
  expect_error(x, StatusCode::kFormat, {"tensor \"b\"", "overlaps tensor \"a\""});
  // Same offset, same size.
  x = Bytes::header(2, 0);
  x.tensor("a", {8}, 0, 0).tensor("b", {8}, 0, 0).pad_to(32).zeros(64);
  expect_error(x, StatusCode::kFormat, {"overlaps tensor \"a\""});
  // Adjacent is fine, and so is a gap.
  x = Bytes::header(2, 0);
  x.tensor("a", {8}, 0, 0).tensor("b", {8}, 0, 64).pad_to(32).zeros(128);
  GgufHeader h;
  EXPECT_TRUE(parse(x, &h).ok());
  x = Bytes::header(2, 0);
  x.tensor("w", {8}, 0, 0).tensor("w", {8}, 0, 32).pad_to(32).zeros(64);
  expect_error(x, StatusCode::kFormat, {"tensor \"w\"", "appears twice (tensor infos 0 and 1)"});
  x = Bytes::header(0, 3).kv_u32("a.x", 1).kv_u32("a.y", 2).kv_str("a.x", "again");
  expect_error(x, StatusCode::kFormat, {"metadata key \"a.x\"", "appears twice (pairs 0 and 2)"});
}

TEST(GgufHostile, PrefixLongerThanTheFileIsACallerError) {
  const Bytes x = Bytes::header(0, 0);
  GgufHeader h;
  uint64_t need = 0;
  const Status s = parse_gguf_header(x.b.data(), x.b.size(), 10, "bad.gguf", &h, &need);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
}

}  // namespace
}  // namespace qkv
