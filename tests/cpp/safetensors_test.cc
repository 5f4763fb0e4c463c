// The safetensors header reader: a valid header, and each way a header can
// lie about the file, each with a message that names the file and the tensor.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/safetensors.h"

namespace qkv {
namespace {

// The 8-byte prefix for a header of n bytes.
std::vector<uint8_t> prefix(uint64_t n) {
  std::vector<uint8_t> p(8);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(n >> (8 * i));
  return p;
}

// Parses `header` as the header of a file with `data` bytes after it.
Status parse(const std::string& header, uint64_t data, SafetensorsHeader* h) {
  return parse_safetensors_header(header, 8 + header.size() + data, "m.safetensors", h);
}

Status parse_err(const std::string& header, uint64_t data) {
  SafetensorsHeader h;
  const Status s = parse(header, data, &h);
  EXPECT_FALSE(s.ok()) << header;
  EXPECT_EQ(s.code(), StatusCode::kFormat) << s.message();
  EXPECT_TRUE(h.tensors.empty());
  return s;
}

void expect_contains(const Status& s, const std::string& part) {
  EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
}

TEST(Safetensors, ReadsAValidHeader) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[3],"data_offsets":[24,30]},)"
      R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"e":{"dtype":"BF16","shape":[0,5],"data_offsets":[30,30]},)"
      R"("s":{"dtype":"I64","shape":[],"data_offsets":[30,38]}})";
  SafetensorsHeader h;
  ASSERT_TRUE(parse(header, 38, &h).ok());
  EXPECT_EQ(h.data_offset, 8 + header.size());
  ASSERT_EQ(h.tensors.size(), 4u);
  EXPECT_EQ(h.tensors[0].name, "a");  // file order
  EXPECT_EQ(h.tensors[0].dtype, TensorDType::kF32);
  EXPECT_EQ(h.tensors[0].shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(h.tensors[0].elements, 6u);
  EXPECT_EQ(h.tensors[0].begin, h.data_offset);
  EXPECT_EQ(h.tensors[1].name, "b");
  EXPECT_EQ(h.tensors[1].dtype, TensorDType::kF16);
  EXPECT_EQ(h.tensors[1].end, h.data_offset + 30);
  EXPECT_EQ(h.tensors[2].elements, 0u);
  EXPECT_EQ(h.tensors[3].dtype, TensorDType::kOther);
  EXPECT_EQ(h.tensors[3].dtype_name, "I64");
  EXPECT_EQ(h.tensors[3].elements, 1u);
  ASSERT_EQ(h.metadata.size(), 1u);
  EXPECT_EQ(h.metadata[0].second, "pt");
}

TEST(Safetensors, HeaderLengthMustFitTheFile) {
  uint64_t n = 0;
  EXPECT_TRUE(safetensors_header_length(prefix(10).data(), 18, "f", &n).ok());
  EXPECT_EQ(n, 10u);
  Status s = safetensors_header_length(prefix(11).data(), 18, "f", &n);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  expect_contains(s, "f: header length 11 runs past the end of the 18-byte file");
  s = safetensors_header_length(prefix(uint64_t{1} << 62).data(), uint64_t{1} << 63, "f", &n);
  expect_contains(s, "over the format's limit");
  s = safetensors_header_length(prefix(0).data(), 5, "f", &n);
  expect_contains(s, "5 bytes is too short");
}

TEST(Safetensors, RejectsHeadersThatLie) {
  const std::string a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  expect_contains(parse_err("{" + a + "}", 12), "tensors end at byte");  // trailing bytes
  expect_contains(parse_err("{" + a + "}", 4), "past the end of the");   // truncated data
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
                  "span 8 bytes, but F32 of this shape needs 12");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8),
                  "is before begin");
  expect_contains(parse_err("{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                  "overlaps the tensor before it");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), "leaves a gap");
  expect_contains(parse_err(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}})", 4),
                  "unknown dtype \"Q4\"");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                  "shape[0] must be a non-negative integer, found -1");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4), "shape[0]");
  expect_contains(
      parse_err(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
      "element count overflows");
  expect_contains(
      parse_err(R"({"a":{"dtype":"F64","shape":[4294967296,1073741824],"data_offsets":[0,4]}})", 4),
      "byte size overflows");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                  "data_offsets must be");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[1]}})", 4),
                  "needs dtype, shape and data_offsets");
  expect_contains(parse_err(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", 4),
                  "unknown field \"x\"");
  expect_contains(parse_err(R"({"a":[1]})", 4), "tensor \"a\" must be an object");
  expect_contains(parse_err(R"({"__metadata__":{"k":1}})", 0), "__metadata__ value \"k\" must be a string");
  expect_contains(parse_err("[]", 0), "the header must be a JSON object");
  expect_contains(parse_err("{\"a\":", 0), "m.safetensors header: expected a value");
  expect_contains(
      parse_err(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551616]}})",
          4),
      "data_offsets must be");
  expect_contains(
      parse_err(
          R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[18446744073709551610,18446744073709551614]}})",
          4),
      "overflow the file");
}

TEST(Safetensors, KnowsEveryDtypeSize) {
  EXPECT_EQ(safetensors_dtype_size("F32"), 4u);
  EXPECT_EQ(safetensors_dtype_size("BF16"), 2u);
  EXPECT_EQ(safetensors_dtype_size("I64"), 8u);
  EXPECT_EQ(safetensors_dtype_size("BOOL"), 1u);
  EXPECT_EQ(safetensors_dtype_size("F32 "), 0u);
}

}  // namespace
}  // namespace qkv
