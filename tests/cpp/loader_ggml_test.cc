// GGUF's tensor types through the loader's seam (ModelLoader::add_tensors):
// the llama-tiny checkpoint written as llama.cpp's converter writes it (q/k
// rows permuted for RoPE, matrices as ggml blocks made by ggml's reference
// quantizers, re-implemented here from their definitions) loads into a model
// whose logits match PyTorch's, and a model from the same blocks dequantized
// here (independently of kernels/ggml) to f32.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint_fixtures.h"
#include "kernels/common/f16.h"
#include "kernels/ggml/dequant.h"

namespace qkv {
namespace {

using namespace fixtures;

void put_f16(std::string* out, float v) {
  const uint16_t h = f32_to_f16(v);
  out->push_back(static_cast<char>(h & 0xFF));
  out->push_back(static_cast<char>(h >> 8));
}

// ggml's quantize_row_q8_0_ref for one block; `values` receives what
// dequantize_row_q8_0 gives back.
void q8_0_block(const float* x, std::string* out, float* values) {
  float amax = 0;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127, id = d != 0 ? 1 / d : 0;
  put_f16(out, d);
  const float dh = f16_to_f32(f32_to_f16(d));
  for (int j = 0; j < 32; ++j) {
    const int8_t q = static_cast<int8_t>(std::roundf(x[j] * id));
    out->push_back(static_cast<char>(q));
    values[j] = q * dh;
  }
}

// ggml's quantize_row_q4_0_ref for one block.
void q4_0_block(const float* x, std::string* out, float* values) {
  float amax = 0, max = 0;
  for (int j = 0; j < 32; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  const float d = max / -8, id = d != 0 ? 1 / d : 0;
  put_f16(out, d);
  const float dh = f16_to_f32(f32_to_f16(d));
  for (int j = 0; j < 16; ++j) {
    const uint8_t q0 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>(x[j] * id + 8.5f)));
    const uint8_t q1 =
        std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>(x[j + 16] * id + 8.5f)));
    out->push_back(static_cast<char>(q0 | q1 << 4));
    values[j] = (q0 - 8) * dh;
    values[j + 16] = (q1 - 8) * dh;
  }
}

// ggml's quantize_row_q4_1_ref for one block: value = d * q + m.
void q4_1_block(const float* x, std::string* out, float* values) {
  float min = x[0], max = x[0];
  for (int j = 1; j < 32; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
  const float d = (max - min) / 15, id = d != 0 ? 1 / d : 0;
  put_f16(out, d);
  put_f16(out, min);
  const float dh = f16_to_f32(f32_to_f16(d)), mh = f16_to_f32(f32_to_f16(min));
  for (int j = 0; j < 16; ++j) {
    const uint8_t q0 =
        std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>((x[j] - min) * id + 0.5f)));
    const uint8_t q1 =
        std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>((x[j + 16] - min) * id + 0.5f)));
    out->push_back(static_cast<char>(q0 | q1 << 4));
    values[j] = dh * q0 + mh;
    values[j + 16] = dh * q1 + mh;
  }
}

// llama.cpp's LlamaModel.permute: each head's rows [first half; second half]
// interleaved (row 2i + j <- row j * head_dim / 2 + i). `back`: its inverse,
// the Hub's order from the converter's.
std::vector<float> permute_rows(const std::vector<float>& w, size_t rows, size_t heads, bool back = false) {
  const size_t width = w.size() / rows, head_dim = rows / heads;
  std::vector<float> out(w.size());
  for (size_t g = 0; g < rows; ++g) {
    const size_t h = g / head_dim, i = g % head_dim / 2, j = g % 2;
    const size_t hub = h * head_dim + j * head_dim / 2 + i;
    const size_t to = back ? hub : g, from = back ? g : hub;
    std::memcpy(out.data() + to * width, w.data() + from * width, width * sizeof(float));
  }
  return out;
}

std::vector<float> permute_rows_back(const std::vector<float>& w, size_t rows, size_t heads) {
  return permute_rows(w, rows, heads, true);
}

enum class Encoding { kF32, kQ8_0, kQ4_0, kQ4_1 };

// llama-tiny as a GGUF's tensors would be: matrices in `enc` (1-D tensors
// stay F32, as the converter keeps them), q/k permuted when `permute`.
// `dequantized` receives the same tensors in the Hub's order and as f32
// values (what ggml dequantizes the blocks to).
struct Converted {
  std::string bytes, dequantized_bytes;
  std::vector<TensorEntry> entries, dequantized;
};

Converted convert_llama_tiny(Encoding enc, bool permute, bool mark_permuted) {
  const std::string st = read_file(fixture("llama-tiny/model.safetensors"));
  uint64_t header_length = 0;
  EXPECT_TRUE(
      safetensors_header_length(reinterpret_cast<const uint8_t*>(st.data()), st.size(), "f", &header_length)
          .ok());
  SafetensorsHeader header;
  EXPECT_TRUE(
      parse_safetensors_header(std::string_view(st).substr(8, header_length), st.size(), "f", &header).ok());
  Converted c;
  for (const TensorEntry& t : header.tensors) {
    EXPECT_EQ(t.dtype, TensorDType::kF32);
    std::vector<float> w(t.elements);
    std::memcpy(w.data(), st.data() + t.begin, t.end - t.begin);
    const bool is_q = t.name.find("q_proj.weight") != std::string::npos;
    const bool is_k = t.name.find("k_proj.weight") != std::string::npos;
    const uint32_t heads = is_q ? 4 : is_k ? 2 : 0;  // llama-tiny: 4 heads, 2 kv heads
    const std::vector<float> stored = permute && heads != 0 ? permute_rows(w, t.shape[0], heads) : w;
    TensorEntry e = t;
    e.begin = c.bytes.size();
    std::vector<float> values(w.size());
    if (enc == Encoding::kF32 || t.shape.size() == 1) {
      c.bytes.append(reinterpret_cast<const char*>(stored.data()), stored.size() * 4);
      values = stored;
    } else {
      e.dtype = enc == Encoding::kQ8_0   ? TensorDType::kQ8_0
                : enc == Encoding::kQ4_0 ? TensorDType::kQ4_0
                                         : TensorDType::kQ4_1;
      e.dtype_name = enc == Encoding::kQ8_0 ? "Q8_0" : enc == Encoding::kQ4_0 ? "Q4_0" : "Q4_1";
      auto block = enc == Encoding::kQ8_0 ? q8_0_block : enc == Encoding::kQ4_0 ? q4_0_block : q4_1_block;
      for (size_t b = 0; b < w.size(); b += 32) block(stored.data() + b, &c.bytes, values.data() + b);
    }
    e.end = c.bytes.size();
    e.rope_heads = permute && mark_permuted ? heads : 0;
    c.entries.push_back(e);
    const std::vector<float> hub =
        permute && heads != 0 ? permute_rows_back(values, t.shape[0], heads) : values;
    TensorEntry d = t;
    d.begin = c.dequantized_bytes.size();
    c.dequantized_bytes.append(reinterpret_cast<const char*>(hub.data()), hub.size() * 4);
    d.end = c.dequantized_bytes.size();
    c.dequantized.push_back(d);
  }
  return c;
}

std::shared_ptr<Model> load(const std::vector<TensorEntry>& entries, const std::string& bytes,
                            std::optional<WeightType> type, WeightType* chosen = nullptr,
                            std::vector<std::pair<std::string, WeightType>>* matrix_types = nullptr) {
  std::unique_ptr<ModelLoader> loader;
  EXPECT_TRUE(ModelLoader::create(read_file(fixture("llama-tiny/config.json")), type, nullptr, &loader).ok());
  std::vector<TensorRead> reads;
  Status s = loader->add_tensors("tiny.gguf", entries, &reads);
  EXPECT_TRUE(s.ok()) << s.message();
  s = stream_reads(*loader, reads, bytes);
  EXPECT_TRUE(s.ok()) << s.message();
  if (chosen != nullptr) *chosen = *loader->weight_type();
  if (matrix_types != nullptr) *matrix_types = loader->matrix_types();
  std::unique_ptr<Model> model;
  s = loader->finish(&model);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::shared_ptr<Model>(std::move(model));
}

// ggml's values of the matrix `name`, in the Hub's row order (c.dequantized);
// empty, and a failure, when c has no such matrix.
std::vector<float> ggml_values_of(const Converted& c, const std::string& name) {
  for (const TensorEntry& e : c.dequantized) {
    if (e.name != name) continue;
    std::vector<float> values((e.end - e.begin) / sizeof(float));
    std::memcpy(values.data(), c.dequantized_bytes.data() + e.begin, values.size() * sizeof(float));
    return values;
  }
  ADD_FAILURE() << "no dequantized tensor " << name;
  return {};
}

// Every weight matrix the model holds, read back, is exactly `c.dequantized`
// (ggml's values, in the Hub's row order).
void expect_weights_are(Model& model, const Converted& c) {
  size_t matrices = 0;
  for (const TensorSlot& slot : model.slots()) {
    if (slot.kind != TensorSlot::Kind::kLinearNK) continue;
    SCOPED_TRACE(slot.name);
    ASSERT_EQ(unpacked_rows(slot.linear->w), ggml_values_of(c, slot.name));
    ++matrices;
  }
  EXPECT_EQ(matrices, 2u + 2 * 7);  // embeddings, LM head, 7 per layer
}

// Largest difference between two models' logits on llama-tiny's reference prompts.
double max_logit_difference(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b) {
  const Reference ref = read_reference("llama-tiny");
  double worst = 0;
  Session sa(a, nullptr, {}), sb(b, nullptr, {});
  const JsonValue* prompts = ref.json.find("prompts");
  for (size_t p = 0; p < prompts->size(); ++p) {
    const std::vector<int32_t> ids = ids_of(prompts->at(p));
    if (ids.empty()) continue;
    sa.reset();
    sb.reset();
    EXPECT_TRUE(sa.append(ids.data(), ids.size(), true).ok());
    EXPECT_TRUE(sb.append(ids.data(), ids.size(), true).ok());
    for (size_t i = 0; i < sa.all_logits().size(); ++i)
      worst = std::max(worst, double(std::fabs(sa.all_logits()[i] - sb.all_logits()[i])));
  }
  return worst;
}

TEST(LoaderGgml, PermutedQkRowsAreRestoredAndTheTestSeesTheDifference) {
  const Converted c = convert_llama_tiny(Encoding::kF32, true, true);
  const Comparison ok =
      compare_logits(load(c.entries, c.bytes, WeightType::kF32), read_reference("llama-tiny"));
  EXPECT_GT(ok.positions, 0u);
  EXPECT_LE(ok.max_abs, 1e-4);
  // The same rows left in the converter's order: RoPE rotates the wrong pairs.
  const Converted raw = convert_llama_tiny(Encoding::kF32, true, false);
  const Comparison bad =
      compare_logits(load(raw.entries, raw.bytes, WeightType::kF32), read_reference("llama-tiny"));
  EXPECT_GT(bad.max_abs, 1e-2);
}

TEST(LoaderGgml, Q8_0IsKeptAsQ8AndGivesGgmlsWeights) {
  const Converted c = convert_llama_tiny(Encoding::kQ8_0, true, true);
  WeightType chosen = WeightType::kF32;
  std::vector<std::pair<std::string, WeightType>> types;
  const std::shared_ptr<Model> q8 = load(c.entries, c.bytes, std::nullopt, &chosen, &types);
  EXPECT_EQ(chosen, WeightType::kQ8);  // no dtype: a Q8_0 file stays q8
  // ... every matrix held as q8h: ggml's integers and f16 scales as the file has them.
  for (const auto& [name, type] : types) EXPECT_EQ(type, WeightType::kQ8H) << name;
  expect_weights_are(*q8, c);  // ggml's integers and scales, not a requantization
  const std::shared_ptr<Model> f32 = load(c.entries, c.bytes, WeightType::kF32);
  expect_weights_are(*f32, c);
  EXPECT_LE(max_logit_difference(f32, load(c.dequantized, c.dequantized_bytes, WeightType::kF32)), 1e-5);
  // Against PyTorch's f32 model: llama_checkpoint_test's bounds for q8 (weights
  // and activations rounded to q8 blocks, as llama.cpp's Q8_0 does).
  const Comparison vs_torch = compare_logits(q8, read_reference("llama-tiny"), 2 * 4.0);
  EXPECT_LE(vs_torch.max_abs, 4.0);
  EXPECT_EQ(vs_torch.clear_agree, vs_torch.clear_positions);
  EXPECT_GE(vs_torch.top1_agree * 100, vs_torch.positions * 85);
}

TEST(LoaderGgml, Q4_0RepacksExactlyToQ8AndDequantizesToF32) {
  const Converted c = convert_llama_tiny(Encoding::kQ4_0, true, true);
  expect_weights_are(*load(c.entries, c.bytes, WeightType::kQ8), c);  // d and q - 8 as q8's scale and int8
  expect_weights_are(*load(c.entries, c.bytes, WeightType::kF32), c);
  // f16: ggml's values rounded as an f32 checkpoint of them would be.
  EXPECT_LE(max_logit_difference(load(c.entries, c.bytes, WeightType::kF16),
                                 load(c.dequantized, c.dequantized_bytes, WeightType::kF16)),
            1e-6);
}

// Q4_0 and Q4_1 files default to q4, every matrix (the embedding and LM head
// too: q4 holds them exactly, runtime/weight_policy.h) repacked with ggml's
// values, in the Hub's row order; dtype 'q4' gives the same.
TEST(LoaderGgml, Q4_0AndQ4_1LoadExactlyAsQ4) {
  for (Encoding enc : {Encoding::kQ4_0, Encoding::kQ4_1}) {
    SCOPED_TRACE(enc == Encoding::kQ4_0 ? "Q4_0" : "Q4_1");
    const Converted c = convert_llama_tiny(enc, true, true);
    for (std::optional<WeightType> asked :
         {std::optional<WeightType>(), std::optional<WeightType>(WeightType::kQ4)}) {
      WeightType chosen = WeightType::kF32;
      std::vector<std::pair<std::string, WeightType>> types;
      const std::shared_ptr<Model> q4 = load(c.entries, c.bytes, asked, &chosen, &types);
      EXPECT_EQ(chosen, WeightType::kQ4);
      EXPECT_EQ(types.size(), 16u);
      for (const auto& [name, type] : types) EXPECT_EQ(type, WeightType::kQ4) << name;
      expect_weights_are(*q4, c);  // ggml's values bit for bit (Q4_0: up to the sign of zero)
      // Against the same values in f32: only the activations' q8 rounding
      // differs (measured 1.51 on both; q8 weights give 1.17 against PyTorch).
      EXPECT_LE(max_logit_difference(q4, load(c.dequantized, c.dequantized_bytes, WeightType::kF32)), 2.5);
    }
  }
}

// dtype 'q4' on a Q8_0 file: the layers' matrices are requantized to q4, the
// embedding and LM head stay q8 (as q8h, Q8_0's own f16 scales) and keep
// ggml's values exactly.
TEST(LoaderGgml, Q8_0AsQ4KeepsTheEmbeddingAndLmHeadExact) {
  const Converted c = convert_llama_tiny(Encoding::kQ8_0, true, true);
  std::vector<std::pair<std::string, WeightType>> types;
  const std::shared_ptr<Model> model = load(c.entries, c.bytes, WeightType::kQ4, nullptr, &types);
  for (const auto& [name, type] : types) {
    const bool role = name == "model.embed_tokens.weight" || name == "lm_head.weight";
    EXPECT_EQ(type, role ? WeightType::kQ8H : WeightType::kQ4) << name;
  }
  for (const TensorSlot& slot : model->slots()) {
    if (slot.role == TensorSlot::Role::kLayer) continue;
    EXPECT_EQ(slot.linear->w.type, WeightType::kQ8H) << slot.name;
  }
}

// Q4_1 has an offset q8 cannot hold: dequantized as ggml does, then
// requantized by qkv's q8 quantizer, each weight within half a q8 step
// (max |block| / 254) of ggml's value.
TEST(LoaderGgml, Q4_1IsRequantizedToQ8WithinHalfAStep) {
  const Converted c = convert_llama_tiny(Encoding::kQ4_1, true, true);
  expect_weights_are(*load(c.entries, c.bytes, WeightType::kF32), c);
  WeightType chosen = WeightType::kF32;
  // Without a dtype a Q4_1 file is q4 now (Q4_0AndQ4_1LoadExactlyAsQ4); q8 asked for.
  const std::shared_ptr<Model> q8 = load(c.entries, c.bytes, WeightType::kQ8, &chosen);
  EXPECT_EQ(chosen, WeightType::kQ8);
  size_t matrices = 0, differing = 0;
  for (const TensorSlot& slot : q8->slots()) {
    if (slot.kind != TensorSlot::Kind::kLinearNK) continue;
    const std::vector<float> held = unpacked_rows(slot.linear->w), ggml_values = ggml_values_of(c, slot.name);
    ASSERT_EQ(held.size(), ggml_values.size());
    for (size_t b = 0; b < held.size(); b += 32) {
      float amax = 0;
      for (size_t j = b; j < b + 32; ++j) amax = std::max(amax, std::fabs(ggml_values[j]));
      for (size_t j = b; j < b + 32; ++j) {
        ASSERT_LE(std::fabs(held[j] - ggml_values[j]), amax / 254 * 1.0001f) << slot.name << " [" << j << "]";
        differing += held[j] != ggml_values[j];
      }
    }
    ++matrices;
  }
  EXPECT_EQ(matrices, 16u);
  EXPECT_GT(differing, 0u);  // a requantization, not a copy
}

// Q4_K (256-value super-blocks, so a model 256 wide): random blocks with
// finite scales load as q4k (the model's dtype q4) whose values are ggml's
// reference dequantizer's (kernels/ggml/dequant.h, tested against a numpy
// implementation), bit for bit, q/k rows put back in the Hub's order, at the
// file's bytes exactly; by default the embedding stays exact (q4k) and a
// Q8_0 LM head q8, as a Q4_K_M file's would.
TEST(LoaderGgml, Q4_KLoadsExactlyAsQ4K) {
  const std::string config =
      R"({"architectures":["LlamaForCausalLM"],"hidden_size":256,"intermediate_size":256,)"
      R"("num_attention_heads":4,"num_key_value_heads":2,"num_hidden_layers":1,"vocab_size":64,)"
      R"("max_position_embeddings":32,"tie_word_embeddings":false})";
  std::mt19937 rng(17);
  std::string bytes;
  std::vector<TensorEntry> entries;
  auto add = [&](const std::string& name, std::vector<uint64_t> shape, TensorDType dtype, uint32_t rope) {
    TensorEntry e;
    e.name = name;
    e.shape = shape;
    e.elements = shape.size() == 1 ? shape[0] : shape[0] * shape[1];
    e.dtype = dtype;
    e.dtype_name = dtype == TensorDType::kQ4_K ? "Q4_K" : dtype == TensorDType::kQ8_0 ? "Q8_0" : "F32";
    e.begin = bytes.size();
    e.rope_heads = rope;
    if (dtype == TensorDType::kF32) {
      for (uint64_t i = 0; i < e.elements; ++i) {
        const float one = 1.0f;
        bytes.append(reinterpret_cast<const char*>(&one), 4);
      }
    } else {
      const size_t block = dtype == TensorDType::kQ4_K ? 256 : 32,
                   block_bytes = dtype == TensorDType::kQ4_K ? 144 : 34;
      for (uint64_t b = 0; b < e.elements / block; ++b) {
        std::string blk(block_bytes, '\0');
        for (char& c : blk) c = static_cast<char>(rng());
        // d (and Q4_K's dmin): finite f16 scales, the rest any bits.
        std::string scales;
        put_f16(&scales, 0.001f * (1 + rng() % 50));
        if (dtype == TensorDType::kQ4_K) put_f16(&scales, 0.001f * (1 + rng() % 50));
        blk.replace(0, scales.size(), scales);
        bytes += blk;
      }
    }
    e.end = bytes.size();
    entries.push_back(e);
  };
  const TensorDType q4k = TensorDType::kQ4_K;
  add("model.embed_tokens.weight", {64, 256}, q4k, 0);
  add("model.layers.0.input_layernorm.weight", {256}, TensorDType::kF32, 0);
  add("model.layers.0.self_attn.q_proj.weight", {256, 256}, q4k, 4);
  add("model.layers.0.self_attn.k_proj.weight", {128, 256}, q4k, 2);
  add("model.layers.0.self_attn.v_proj.weight", {128, 256}, q4k, 0);
  add("model.layers.0.self_attn.o_proj.weight", {256, 256}, q4k, 0);
  add("model.layers.0.post_attention_layernorm.weight", {256}, TensorDType::kF32, 0);
  add("model.layers.0.mlp.gate_proj.weight", {256, 256}, q4k, 0);
  add("model.layers.0.mlp.up_proj.weight", {256, 256}, q4k, 0);
  add("model.layers.0.mlp.down_proj.weight", {256, 256}, q4k, 0);
  add("model.norm.weight", {256}, TensorDType::kF32, 0);
  add("lm_head.weight", {64, 256}, TensorDType::kQ8_0, 0);

  std::unique_ptr<ModelLoader> loader;
  ASSERT_TRUE(ModelLoader::create(config, std::nullopt, nullptr, &loader).ok());
  std::vector<TensorRead> reads;
  Status s = loader->add_tensors("k.gguf", entries, &reads);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(stream_reads(*loader, reads, bytes).ok());
  EXPECT_EQ(*loader->weight_type(), WeightType::kQ4);
  for (const auto& [name, type] : loader->matrix_types())
    EXPECT_EQ(type, name == "lm_head.weight" ? WeightType::kQ8H : WeightType::kQ4K) << name;
  std::unique_ptr<Model> model;
  ASSERT_TRUE(loader->finish(&model).ok());
  size_t checked = 0;
  for (const TensorSlot& slot : model->slots()) {
    if (slot.kind != TensorSlot::Kind::kLinearNK || slot.name == "lm_head.weight") continue;
    SCOPED_TRACE(slot.name);
    const TensorEntry* e = nullptr;
    for (const TensorEntry& t : entries) {
      if (t.name == slot.name) e = &t;
    }
    ASSERT_NE(e, nullptr);
    const size_t rows = e->shape[0], k = e->shape[1];
    std::vector<float> ggml_values(rows * k);
    ggml::dequantize_row_fn(ggml::Type::kQ4_K)(bytes.data() + e->begin, ggml_values.data(),
                                               static_cast<int64_t>(rows * k));
    if (e->rope_heads != 0) ggml_values = permute_rows_back(ggml_values, rows, e->rope_heads);
    const PackedWeights& w = slot.linear->w;
    EXPECT_EQ(w.type, WeightType::kQ4K);
    EXPECT_EQ(packed_size(w.type, w.n, w.k).total(), e->end - e->begin);
    ASSERT_EQ(unpacked_rows(w), ggml_values);
    ++checked;
  }
  EXPECT_EQ(checked, 8u);
}

// A block whose f16 scale is inf or NaN has no values: the load stops with
// an error naming the tensor, row and block (as llama.cpp's
// ggml_validate_row_data refuses it), whichever path its type takes: q8h's
// and q4's exact repacks, and the requantization of Q4_1 under 'q8'.
TEST(LoaderGgml, NonFiniteBlockScalesAreRefusedByName) {
  struct Case {
    Encoding enc;
    std::optional<WeightType> type;
    size_t block_bytes, field;  // the scale's offset in its block: Q4_1's m is at 2
    uint16_t bits;
  };
  const Case cases[] = {
      {Encoding::kQ8_0, std::nullopt, 34, 0, 0x7C00},     // q8h, +inf d
      {Encoding::kQ4_0, std::nullopt, 18, 0, 0xFE00},     // q4, NaN d
      {Encoding::kQ4_1, WeightType::kQ8, 20, 2, 0xFC00},  // requantized, -inf m
  };
  for (const Case& k : cases) {
    Converted c = convert_llama_tiny(k.enc, true, true);
    const TensorEntry* down = nullptr;
    for (const TensorEntry& e : c.entries) {
      if (e.name == "model.layers.1.mlp.down_proj.weight") down = &e;
    }
    ASSERT_NE(down, nullptr);
    // Row 3, block 2 of the matrix (rows of shape[1] values).
    const size_t blocks_per_row = down->shape[1] / 32;
    const size_t at = down->begin + (3 * blocks_per_row + 2) * k.block_bytes + k.field;
    c.bytes[at] = static_cast<char>(k.bits & 0xFF);
    c.bytes[at + 1] = static_cast<char>(k.bits >> 8);
    std::unique_ptr<ModelLoader> loader;
    ASSERT_TRUE(
        ModelLoader::create(read_file(fixture("llama-tiny/config.json")), k.type, nullptr, &loader).ok());
    std::vector<TensorRead> reads;
    ASSERT_TRUE(loader->add_tensors("tiny.gguf", c.entries, &reads).ok());
    const Status s = stream_reads(*loader, reads, c.bytes);
    EXPECT_EQ(s.code(), StatusCode::kFormat) << s.message();
    EXPECT_NE(
        s.message().find("tensor \"model.layers.1.mlp.down_proj.weight\": block 2 of row 3 has an inf or "
                         "NaN scale"),
        std::string::npos)
        << s.message();
  }
}

TEST(LoaderGgml, BadEntriesAreNamedBeforeAllocation) {
  const Converted c = convert_llama_tiny(Encoding::kQ8_0, true, true);
  std::unique_ptr<ModelLoader> loader;
  ASSERT_TRUE(
      ModelLoader::create(read_file(fixture("llama-tiny/config.json")), std::nullopt, nullptr, &loader).ok());
  std::vector<TensorRead> reads;
  auto with = [&](const char* name, auto change) {
    std::vector<TensorEntry> entries = c.entries;
    for (TensorEntry& e : entries) {
      if (e.name.find(name) != std::string::npos) change(e);
    }
    return loader->add_tensors("tiny.gguf", entries, &reads);
  };
  Status s = with("layers.0.mlp.down_proj.weight", [](TensorEntry& e) {
    e.dtype = TensorDType::kQ4_K;  // 256 values per block; the rows hold 128
    e.dtype_name = "Q4_K";
  });
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("rows of 128 values, not whole Q4_K blocks"), std::string::npos) << s.message();
  s = with("layers.1.self_attn.o_proj.weight", [](TensorEntry& e) {
    e.dtype = TensorDType::kOther;
    e.dtype_name = "IQ2_XXS";
  });
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("o_proj.weight\" has dtype IQ2_XXS"), std::string::npos) << s.message();
  // The first layer matrix, which 'auto' takes the file's type from, after a good embedding.
  s = with("layers.0.self_attn.q_proj.weight", [](TensorEntry& e) {
    e.dtype = TensorDType::kOther;
    e.dtype_name = "IQ2_XXS";
  });
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("q_proj.weight\" has dtype IQ2_XXS"), std::string::npos) << s.message();
  s = with("layers.0.self_attn.q_proj.weight", [](TensorEntry& e) { e.rope_heads = 3; });
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("cannot be un-permuted for RoPE in 3 heads"), std::string::npos) << s.message();
  s = with("layers.0.self_attn.q_proj.weight", [](TensorEntry& e) { e.end -= 34; });
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("Q8_0 needs"), std::string::npos) << s.message();
  EXPECT_TRUE(reads.empty());
  // Nothing was claimed: the good entries still load.
  ASSERT_TRUE(loader->add_tensors("tiny.gguf", c.entries, &reads).ok());
  ASSERT_TRUE(stream_reads(*loader, reads, c.bytes).ok());
  std::unique_ptr<Model> model;
  EXPECT_TRUE(loader->finish(&model).ok());
}

}  // namespace
}  // namespace qkv
