// ggml block formats (src/kernels/ggml/): the type table, the reference
// dequantizers and the exact repacking into qkv q8, against the numpy oracle
// in tests/fixtures/gguf/ggml_quants.py (written from the block layouts; its
// ggml_quants.bin holds blocks and the floats they must give, bit for bit).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/to_q4.h"
#include "kernels/ggml/to_q8.h"
#include "kernels/ggml/to_q8k.h"
#include "kernels/q8/quant.h"

namespace qkv {
namespace {

using ggml::Type;

struct Case {
  uint32_t type = 0;
  uint32_t k = 0;
  std::vector<uint8_t> blocks;
  std::vector<float> expected;
};

uint32_t read_u32(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// type id -> case.
std::map<uint32_t, Case> load_cases() {
  const std::string path = fixtures::fixture("gguf/ggml_quants.bin");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  std::map<uint32_t, Case> cases;
  if (f == nullptr) return cases;
  std::vector<uint8_t> bytes;
  uint8_t chunk[4096];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, f)) > 0;)
    bytes.insert(bytes.end(), chunk, chunk + n);
  std::fclose(f);
  EXPECT_GE(bytes.size(), 16u);
  EXPECT_EQ(std::memcmp(bytes.data(), "QKVGGMLQ", 8), 0);
  EXPECT_EQ(read_u32(bytes, 8), 1u);
  const uint32_t count = read_u32(bytes, 12);
  size_t at = 16;
  for (uint32_t i = 0; i < count; ++i) {
    Case c;
    c.type = read_u32(bytes, at);
    c.k = read_u32(bytes, at + 4);
    const uint32_t nbytes = read_u32(bytes, at + 8);
    at += 12;
    EXPECT_LE(at + nbytes + size_t{c.k} * 4, bytes.size());
    c.blocks.assign(bytes.begin() + at, bytes.begin() + at + nbytes);
    at += nbytes;
    c.expected.resize(c.k);
    std::memcpy(c.expected.data(), bytes.data() + at, size_t{c.k} * 4);
    at += size_t{c.k} * 4;
    cases[c.type] = std::move(c);
  }
  EXPECT_EQ(at, bytes.size());
  return cases;
}

const std::map<uint32_t, Case>& cases() {
  static const std::map<uint32_t, Case> all = load_cases();
  return all;
}

const Case& case_of(Type type) { return cases().at(static_cast<uint32_t>(type)); }

// Number of floats of y that differ in bits from expected (the first one reported).
size_t mismatches(const std::vector<float>& y, const std::vector<float>& expected, const char* what) {
  size_t bad = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::memcmp(&y[i], &expected[i], sizeof(float)) == 0) continue;
    if (bad++ == 0 && what != nullptr) {
      ADD_FAILURE() << what << ": value " << i << " is " << y[i] << ", the oracle says " << expected[i];
    }
  }
  return bad;
}

std::vector<float> dequantize(Type type, const std::vector<uint8_t>& blocks, size_t k) {
  std::vector<float> y(k);
  ggml::dequantize_row_fn(type)(blocks.data(), y.data(), static_cast<int64_t>(k));
  return y;
}

const Type kAllTypes[] = {Type::kF32,  Type::kF16,  Type::kBF16, Type::kQ8_0, Type::kQ4_0, Type::kQ4_1,
                          Type::kQ5_0, Type::kQ5_1, Type::kQ4_K, Type::kQ5_K, Type::kQ6_K};

// ggml's type_traits (names, ggml_blck_size, ggml_type_size) for these ids.
TEST(GgmlTypes, TraitsAreGgmls) {
  struct Row {
    uint32_t id;
    const char* name;
    uint32_t values, bytes;
  };
  const Row expected[] = {{0, "f32", 1, 4},       {1, "f16", 1, 2},       {2, "q4_0", 32, 18},
                          {3, "q4_1", 32, 20},    {6, "q5_0", 32, 22},    {7, "q5_1", 32, 24},
                          {8, "q8_0", 32, 34},    {12, "q4_K", 256, 144}, {13, "q5_K", 256, 176},
                          {14, "q6_K", 256, 210}, {30, "bf16", 1, 2}};
  for (const Row& r : expected) {
    const ggml::TypeTraits* t = ggml::type_traits(r.id);
    ASSERT_NE(t, nullptr) << r.name;
    EXPECT_EQ(static_cast<uint32_t>(t->type), r.id);
    EXPECT_STREQ(t->name, r.name);
    EXPECT_EQ(t->block_values, r.values) << r.name;
    EXPECT_EQ(t->block_bytes, r.bytes) << r.name;
  }
  // Removed (4, 5), not read by qkv (Q8_1, Q2_K, Q3_K, Q8_K, IQ*, I8..F64, TQ*, MXFP4) or unknown.
  for (uint32_t id : {4u, 5u, 9u, 10u, 11u, 15u, 16u, 20u, 23u, 24u, 28u, 29u, 31u, 34u, 39u, 43u, 1000u}) {
    EXPECT_EQ(ggml::type_traits(id), nullptr) << id;
  }
}

// The types qkv reads are the ones the GGUF reader maps to a TensorDType (and
// back), with the geometry of its table of every ggml type.
TEST(GgmlTypes, AgreeWithTheGgufTables) {
  for (Type type : kAllTypes) {
    const uint32_t id = static_cast<uint32_t>(type);
    const ggml::TypeTraits& t = *ggml::type_traits(id);
    SCOPED_TRACE(t.name);
    const GgmlTypeInfo* info = ggml_type_info(id);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(t.block_values, info->block_size);
    EXPECT_EQ(t.block_bytes, info->type_size);
    const TensorDType dtype = tensor_dtype_of(type);
    EXPECT_NE(dtype, TensorDType::kOther);
    EXPECT_EQ(ggml_type_of(dtype), type);
  }
  EXPECT_EQ(tensor_dtype_of(GgmlType::kQ8_1), TensorDType::kOther);
  EXPECT_EQ(tensor_dtype_of(GgmlType::kQ2_K), TensorDType::kOther);
}

TEST(GgmlTypes, RowBytes) {
  uint64_t bytes = 0;
  EXPECT_TRUE(ggml::row_bytes(*ggml::type_traits(12), 4096, &bytes));
  EXPECT_EQ(bytes, 16u * 144);
  EXPECT_TRUE(ggml::row_bytes(*ggml::type_traits(8), 0, &bytes));
  EXPECT_EQ(bytes, 0u);
  EXPECT_TRUE(ggml::row_bytes(*ggml::type_traits(1), 3, &bytes));
  EXPECT_EQ(bytes, 6u);
  EXPECT_FALSE(ggml::row_bytes(*ggml::type_traits(12), 4096 + 32, &bytes));  // not whole super-blocks
  EXPECT_FALSE(ggml::row_bytes(*ggml::type_traits(2), 33, &bytes));
  // 2^63 values of f32 overflow 64 bits of bytes; of q4_0 they do not.
  EXPECT_FALSE(ggml::row_bytes(*ggml::type_traits(0), uint64_t{1} << 63, &bytes));
  EXPECT_TRUE(ggml::row_bytes(*ggml::type_traits(2), uint64_t{1} << 63, &bytes));
  EXPECT_EQ(bytes, (uint64_t{1} << 58) * 18);
}

// Every type, every value, bit for bit.
TEST(GgmlDequant, MatchesOracleBitForBit) {
  ASSERT_EQ(cases().size(), std::size(kAllTypes));
  for (Type type : kAllTypes) {
    const ggml::TypeTraits& t = *ggml::type_traits(static_cast<uint32_t>(type));
    SCOPED_TRACE(t.name);
    const Case& c = case_of(type);
    uint64_t bytes = 0;
    ASSERT_TRUE(ggml::row_bytes(t, c.k, &bytes));
    ASSERT_EQ(bytes, c.blocks.size());
    EXPECT_EQ(mismatches(dequantize(type, c.blocks, c.k), c.expected, t.name), 0u);
  }
}

// Blocks are read in place at any address (GGUF data need not align them).
TEST(GgmlDequant, ReadsUnalignedBlocks) {
  for (Type type : kAllTypes) {
    const Case& c = case_of(type);
    std::vector<uint8_t> shifted(c.blocks.size() + 3);
    std::memcpy(shifted.data() + 3, c.blocks.data(), c.blocks.size());
    std::vector<float> y(c.k);
    ggml::dequantize_row_fn(type)(shifted.data() + 3, y.data(), c.k);
    EXPECT_EQ(mismatches(y, c.expected, ggml::type_traits(static_cast<uint32_t>(type))->name), 0u);
  }
}

// The fixture reaches the edges the brief of these formats names: 6-bit
// scales and mins at 0 and 63 on both sides of get_scale_min_k4's branch,
// Q6_K's int8 scales at -128 and 127, Q8_0's -128, negative and subnormal d.
TEST(GgmlDequant, FixtureCoversTheEdges) {
  for (Type type : {Type::kQ4_K, Type::kQ5_K}) {
    const Case& c = case_of(type);
    const size_t size = ggml::type_traits(static_cast<uint32_t>(type))->block_bytes;
    bool seen[2][2][2] = {};  // [j >= 4][scale or min][0 or 63]
    bool subnormal_d = false, negative_d = false;
    for (size_t at = 0; at < c.blocks.size(); at += size) {
      const uint8_t* block = c.blocks.data() + at;
      const uint16_t d = static_cast<uint16_t>(block[0] | block[1] << 8);
      subnormal_d |= (d & 0x7c00) == 0 && (d & 0x3ff) != 0;
      negative_d |= (d & 0x8000) != 0 && (d & 0x7fff) != 0;
      for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        ggml::get_scale_min_k4(j, block + 4, &sc, &m);
        for (int which = 0; which < 2; ++which) {
          const uint8_t v = which == 0 ? sc : m;
          if (v == 0 || v == 63) seen[j >= 4][which][v == 63] = true;
        }
      }
    }
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        for (int e = 0; e < 2; ++e) EXPECT_TRUE(seen[a][b][e]) << "j>=4 " << a << " min " << b << " 63 " << e;
    EXPECT_TRUE(subnormal_d);
    EXPECT_TRUE(negative_d);
  }
  const Case& q6 = case_of(Type::kQ6_K);
  bool sc_min = false, sc_max = false;
  for (size_t at = 0; at < q6.blocks.size(); at += sizeof(ggml::BlockQ6_K)) {
    for (int j = 0; j < 16; ++j) {
      sc_min |= static_cast<int8_t>(q6.blocks[at + 192 + j]) == -128;
      sc_max |= static_cast<int8_t>(q6.blocks[at + 192 + j]) == 127;
    }
  }
  EXPECT_TRUE(sc_min && sc_max);
}

// A decoder with a swapped nibble order, or get_scale_min_k4 taking a min's
// top bits from the scale's byte, reads block B as the right decoder reads a
// rearranged B. So each rearranged fixture must fail against the oracle:
// the fixture catches those mistakes.
TEST(GgmlDequant, FixtureCatchesNibbleOrderAndScaleBranchMistakes) {
  {
    const Case& c = case_of(Type::kQ4_0);
    std::vector<uint8_t> swapped = c.blocks;
    for (size_t at = 0; at < swapped.size(); at += sizeof(ggml::BlockQ4_0)) {
      for (size_t j = 2; j < 18; ++j)
        swapped[at + j] = static_cast<uint8_t>(swapped[at + j] << 4 | swapped[at + j] >> 4);
    }
    EXPECT_GT(mismatches(dequantize(Type::kQ4_0, swapped, c.k), c.expected, nullptr), c.k / 2);
  }
  for (Type type : {Type::kQ4_K, Type::kQ5_K}) {
    const Case& c = case_of(type);
    const size_t size = ggml::type_traits(static_cast<uint32_t>(type))->block_bytes;
    std::vector<uint8_t> wrong = c.blocks;
    for (size_t at = 0; at < wrong.size(); at += size) {
      uint8_t* s = wrong.data() + at + 4;  // the 12 scale bytes
      for (int j = 4; j < 8; ++j) s[j] = static_cast<uint8_t>((s[j] & 63) | (s[j - 4] & 0xC0));
    }
    EXPECT_GT(mismatches(dequantize(type, wrong, c.k), c.expected, nullptr), 32u)
        << ggml::type_traits(static_cast<uint32_t>(type))->name;
  }
}

// Q8_0, Q5_0 and Q4_0 in qkv q8: q8_to_f32 (scalar and SIMD) gives ggml's
// dequantized bits, and the integers stay in each type's range.
TEST(GgmlToQ8, ExactForQ8_0Q5_0Q4_0) {
  struct Form {
    Type type;
    int lo, hi;
  };
  for (const Form& form :
       {Form{Type::kQ8_0, -128, 127}, Form{Type::kQ5_0, -16, 15}, Form{Type::kQ4_0, -8, 7}}) {
    const ggml::TypeTraits& t = *ggml::type_traits(static_cast<uint32_t>(form.type));
    SCOPED_TRACE(t.name);
    const Case& c = case_of(form.type);
    std::vector<int8_t> q(c.k, 99);
    std::vector<float> scales(c.k / 32), y(c.k);
    size_t min_count = 0;
    switch (form.type) {
      case Type::kQ8_0:
        min_count = ggml::q8_0_to_q8_row(c.blocks.data(), c.k, q.data(), scales.data());
        break;
      case Type::kQ5_0:
        ggml::q5_0_to_q8_row(c.blocks.data(), c.k, q.data(), scales.data());
        break;
      default:
        ggml::q4_0_to_q8_row(c.blocks.data(), c.k, q.data(), scales.data());
        break;
    }
    for (int8_t v : q) {
      ASSERT_GE(v, form.lo);
      ASSERT_LE(v, form.hi);
    }
    q8_to_f32_row__scalar(c.k, q.data(), scales.data(), y.data());
    EXPECT_EQ(mismatches(y, c.expected, "scalar"), 0u);
    q8_to_f32_row__simd(c.k, q.data(), scales.data(), y.data());
    EXPECT_EQ(mismatches(y, c.expected, "simd"), 0u);
    if (form.type == Type::kQ8_0) {
      size_t expected_count = 0;  // 0x80 bytes among the quants (bytes 2..33 of each 34)
      for (size_t i = 0; i < c.blocks.size(); ++i) expected_count += i % 34 >= 2 && c.blocks[i] == 0x80;
      EXPECT_GT(expected_count, 0u);
      EXPECT_EQ(min_count, expected_count);
    }
  }
}

// Q4_0, Q4_1 and Q4_K as q4 fields: float(d * q) + m with q read in q4's
// nibble order gives ggml's values: the same bits for Q4_1 and Q4_K, equal
// values for Q4_0 (whose zeros may differ in sign).
TEST(GgmlToQ4, ExactForQ4_0Q4_1Q4_K) {
  for (Type type : {Type::kQ4_0, Type::kQ4_1, Type::kQ4_K}) {
    const char* name = ggml::type_traits(static_cast<uint32_t>(type))->name;
    SCOPED_TRACE(name);
    const Case& c = case_of(type);
    std::vector<uint8_t> nibbles(c.k / 2);
    std::vector<float> d(c.k / 32), m(c.k / 32), y(c.k);
    switch (type) {
      case Type::kQ4_0:
        ggml::q4_0_to_q4_row(c.blocks.data(), c.k, nibbles.data(), d.data(), m.data());
        break;
      case Type::kQ4_1:
        ggml::q4_1_to_q4_row(c.blocks.data(), c.k, nibbles.data(), d.data(), m.data());
        break;
      default:
        ggml::q4_K_to_q4_row(c.blocks.data(), c.k, nibbles.data(), d.data(), m.data());
        break;
    }
    for (size_t i = 0; i < c.k; ++i) {
      const size_t b = i / 32, v = i % 32;
      const int q = v < 16 ? nibbles[b * 16 + v] & 0x0F : nibbles[b * 16 + v - 16] >> 4;
      const float dq = d[b] * static_cast<float>(q);
      y[i] = dq + m[b];
    }
    if (type == Type::kQ4_0) {
      size_t zeros = 0;
      for (size_t i = 0; i < c.k; ++i) {
        ASSERT_EQ(y[i], c.expected[i]) << "value " << i;
        zeros += y[i] == 0.0f;
      }
      EXPECT_EQ(mismatches(y, c.expected, nullptr) <= zeros, true);
    } else {
      EXPECT_EQ(mismatches(y, c.expected, name), 0u);
    }
  }
}

// Q5_1 and Q5_K as q8 with an offset (float(d * q) + m per 32), Q6_K as q8
// in blocks of 16 (scale * q): ggml's bits.
TEST(GgmlToQ8, OffsetAndBlock16FormsAreExact) {
  for (Type type : {Type::kQ5_1, Type::kQ5_K}) {
    const char* name = ggml::type_traits(static_cast<uint32_t>(type))->name;
    const Case& c = case_of(type);
    std::vector<int8_t> q(c.k, 99);
    std::vector<float> d(c.k / 32), m(c.k / 32), y(c.k);
    if (type == Type::kQ5_1) {
      ggml::q5_1_to_q8_offset_row(c.blocks.data(), c.k, q.data(), d.data(), m.data());
    } else {
      ggml::q5_K_to_q8_offset_row(c.blocks.data(), c.k, q.data(), d.data(), m.data());
    }
    for (size_t i = 0; i < c.k; ++i) {
      ASSERT_GE(q[i], 0) << name;
      ASSERT_LE(q[i], 31) << name;
      const float dq = d[i / 32] * static_cast<float>(q[i]);
      y[i] = dq + m[i / 32];
    }
    EXPECT_EQ(mismatches(y, c.expected, name), 0u);
  }
  const Case& c = case_of(Type::kQ6_K);
  std::vector<int8_t> q(c.k, 99);
  std::vector<float> scales(c.k / 16), y(c.k);
  ggml::q6_K_to_q8_16_row(c.blocks.data(), c.k, q.data(), scales.data());
  for (size_t i = 0; i < c.k; ++i) {
    ASSERT_GE(q[i], -32);
    ASSERT_LE(q[i], 31);
    y[i] = scales[i / 16] * static_cast<float>(q[i]);
  }
  EXPECT_EQ(mismatches(y, c.expected, "q6_K"), 0u);
}

// Q5_K and Q6_K as q8k super-blocks (kernels/common/q8k.h): read back from a
// packed matrix, as the loader packs them, they are ggml's bits. The row
// goes into each of the 4 places of a row group (the other rows hold other
// rows of blocks), so a mix-up between rows or groups shows; the gathered
// rows (the embedding lookup of a tied LM head) give the same bits.
TEST(GgmlToQ8K, ExactForQ5_KQ6_K) {
  for (Type type : {Type::kQ5_K, Type::kQ6_K}) {
    const char* name = ggml::type_traits(static_cast<uint32_t>(type))->name;
    SCOPED_TRACE(name);
    const Case& c = case_of(type);
    ASSERT_EQ(c.k % 256, 0u);
    const size_t supers = c.k / 256, n = 7;
    std::vector<Q8KSuper> row(supers);
    if (type == Type::kQ5_K) {
      ggml::q5_K_to_q8k_row(c.blocks.data(), c.k, row.data());
    } else {
      ggml::q6_K_to_q8k_row(c.blocks.data(), c.k, row.data());
    }
    for (const Q8KSuper& s : row) {
      for (int8_t q : s.q) {
        ASSERT_GE(q, type == Type::kQ5_K ? 0 : -32);
        ASSERT_LE(q, 31);
      }
    }
    std::vector<int8_t> data(packed_weights_bytes(WeightType::kQ8K, n, c.k));
    std::vector<float> scales(packed_scales_bytes(WeightType::kQ8K, n, c.k) / sizeof(float));
    for (size_t at = 0; at < n; ++at) {
      WeightPacker packer(SourceType::kF32, SourceLayout::kNK, n, c.k, WeightType::kQ8K, data.data(),
                          scales.data());
      ASSERT_TRUE(packer.check().ok());
      // Row `at` is the fixture's; the others are its super-blocks reversed, with other scales.
      std::vector<Q8KSuper> other(row.rbegin(), row.rend());
      for (Q8KSuper& s : other) s.d *= 2.0f;
      for (size_t r = 0; r < n; ++r)
        ASSERT_TRUE(packer.add_q8k_row(r, r == at ? row.data() : other.data()).ok());
      packer.finish();
      std::vector<float> y(c.k);
      for (size_t i = 0; i < c.k; ++i) y[i] = q8k_value(data.data(), scales.data(), c.k, at, i);
      EXPECT_EQ(mismatches(y, c.expected, name), 0u) << "row " << at;
      const PackedWeights w{WeightType::kQ8K, n, c.k, data.data(), scales.data()};
      const int32_t id = static_cast<int32_t>(at);
      ASSERT_TRUE(packed_weights_gather_rows(w, &id, 1, y.data()).ok());
      EXPECT_EQ(mismatches(y, c.expected, name), 0u) << "gathered row " << at;
    }
  }
}

// Random blocks (any bytes are a valid block once d and dmin are finite)
// against ggml's reference dequantizer, bit for bit.
TEST(GgmlToQ8K, RandomBlocksGiveTheReferenceDequantizersBits) {
  std::mt19937 rng(17);
  for (Type type : {Type::kQ5_K, Type::kQ6_K}) {
    const size_t block_bytes = ggml::type_traits(static_cast<uint32_t>(type))->block_bytes;
    for (int trial = 0; trial < 50; ++trial) {
      const size_t supers = 1 + trial % 3, k = supers * 256;
      std::vector<uint8_t> blocks(supers * block_bytes);
      for (uint8_t& b : blocks) b = static_cast<uint8_t>(rng());
      for (size_t s = 0; s < supers; ++s) {
        uint8_t* blk = blocks.data() + s * block_bytes;
        // f16 fields with exponent below 31 (finite): Q5_K's d and dmin lead, Q6_K's d ends the block.
        if (type == Type::kQ5_K) {
          blk[1] &= 0xBB;
          blk[3] &= 0xBB;
        } else {
          blk[block_bytes - 1] &= 0xBB;
        }
      }
      const std::vector<float> expected = dequantize(type, blocks, k);
      std::vector<Q8KSuper> row(supers);
      if (type == Type::kQ5_K) {
        ggml::q5_K_to_q8k_row(blocks.data(), k, row.data());
      } else {
        ggml::q6_K_to_q8k_row(blocks.data(), k, row.data());
      }
      std::vector<int8_t> data(packed_weights_bytes(WeightType::kQ8K, 1, k));
      std::vector<float> scales(packed_scales_bytes(WeightType::kQ8K, 1, k) / sizeof(float));
      for (size_t s = 0; s < supers; ++s) q8k_store_super(data.data(), scales.data(), k, 0, s, row[s]);
      std::vector<float> y(k);
      for (size_t i = 0; i < k; ++i) y[i] = q8k_value(data.data(), scales.data(), k, 0, i);
      ASSERT_EQ(mismatches(y, expected, "random block"), 0u) << trial;
    }
  }
}

}  // namespace
}  // namespace qkv
