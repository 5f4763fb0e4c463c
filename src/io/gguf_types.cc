#include "io/gguf_types.h"

namespace qkv {
namespace {

// Block geometry from ggml's block structs (ggml-common.h): e.g. Q8_0 is an
// f16 scale plus 32 int8 (2 + 32 = 34 bytes per 32 elements), Q4_K two f16
// scales, 12 bytes of 6-bit sub-block scales and 128 bytes of nibbles (144
// per 256), Q6_K 128 + 64 + 16 + 2 = 210 per 256.
constexpr GgmlTypeInfo kGgmlTypes[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
    {40, "NVFP4", 64, 36},    {41, "Q1_0", 128, 18},
};

// The ggml types qkv reads, one to one with the TensorDType values but kOther.
struct ReadType {
  GgmlType ggml;
  TensorDType dtype;
};
constexpr ReadType kReadTypes[] = {
    {GgmlType::kF32, TensorDType::kF32},   {GgmlType::kF16, TensorDType::kF16},
    {GgmlType::kBF16, TensorDType::kBF16}, {GgmlType::kQ8_0, TensorDType::kQ8_0},
    {GgmlType::kQ4_0, TensorDType::kQ4_0}, {GgmlType::kQ4_1, TensorDType::kQ4_1},
    {GgmlType::kQ5_0, TensorDType::kQ5_0}, {GgmlType::kQ5_1, TensorDType::kQ5_1},
    {GgmlType::kQ4_K, TensorDType::kQ4_K}, {GgmlType::kQ5_K, TensorDType::kQ5_K},
    {GgmlType::kQ6_K, TensorDType::kQ6_K},
};

}  // namespace

const char* gguf_type_name(GgufType type) {
  static const char* const kNames[kGgufTypeCount] = {"u8",   "i8",  "u16", "i16", "u32", "i32", "f32",
                                                     "bool", "str", "arr", "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(type);
  return i < kGgufTypeCount ? kNames[i] : "an unknown type";
}

size_t gguf_type_size(GgufType type) {
  switch (type) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
      return 8;
    case GgufType::kString:
    case GgufType::kArray:
      return 0;
  }
  return 0;
}

const GgmlTypeInfo* ggml_type_info(uint32_t id) {
  for (const GgmlTypeInfo& t : kGgmlTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const char* ggml_removed_type_name(uint32_t id) {
  switch (id) {
    case 4:
      return "Q4_2";
    case 5:
      return "Q4_3";
    case 31:
      return "Q4_0_4_4";
    case 32:
      return "Q4_0_4_8";
    case 33:
      return "Q4_0_8_8";
    case 36:
      return "IQ4_NL_4_4";
    case 37:
      return "IQ4_NL_4_8";
    case 38:
      return "IQ4_NL_8_8";
    default:
      return nullptr;
  }
}

TensorDType tensor_dtype_of(GgmlType type) {
  for (const ReadType& t : kReadTypes) {
    if (t.ggml == type) return t.dtype;
  }
  return TensorDType::kOther;
}

GgmlType ggml_type_of(TensorDType dtype) {
  for (const ReadType& t : kReadTypes) {
    if (t.dtype == dtype) return t.ggml;
  }
  return GgmlType::kF32;
}

}  // namespace qkv
