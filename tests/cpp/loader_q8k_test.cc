// GGUF's Q5_K and Q6_K matrices through the loader's seam
// (ModelLoader::add_tensors): in a model loaded as q8 (or without a dtype,
// which picks q8 for ggml blocks) Q5_K matrices become q8k and Q6_K ones
// q6k (at Q6_K's size: bytes held checked against the file's), holding
// ggml's values bit for bit, q/k rows back in the Hub's order; as f32 they
// are ggml's values too. The blocks are random bytes with small finite scales:
// the reference dequantizer (kernels/ggml, checked against the numpy oracle
// in ggml_dequant_test) defines what they hold.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "quant_kernel_tester.h"
#include "runtime/loader.h"
#include "runtime/session.h"

namespace qkv {
namespace {

// A LLaMA whose matrices have K = 256 or 512: whole K-quant super-blocks.
const char kConfig[] = R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "hidden_size": 256, "intermediate_size": 512, "num_attention_heads": 4, "num_key_value_heads": 2,
  "num_hidden_layers": 1, "vocab_size": 64, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
  "rope_theta": 10000.0, "tie_word_embeddings": false, "hidden_act": "silu"})";

struct File {
  std::string bytes;
  std::vector<TensorEntry> entries;
  std::vector<std::vector<float>> hub_values;  // per entry: ggml's values in the Hub's row order
};

// Random blocks with f16 scales near 2^-13 (weights of a few tenths at most).
std::string random_blocks(ggml::Type type, size_t rows, size_t k, std::mt19937& rng) {
  const std::vector<uint8_t> bytes = quant_test::random_kquant_blocks(type, rows, k, 0x08, rng);
  return std::string(bytes.begin(), bytes.end());
}

void add(File* f, const std::string& name, std::vector<uint64_t> shape, ggml::Type type, uint32_t rope_heads,
         std::mt19937& rng) {
  TensorEntry e;
  e.name = name;
  e.shape = shape;
  e.elements = shape.size() == 1 ? shape[0] : shape[0] * shape[1];
  e.begin = f->bytes.size();
  std::vector<float> values(e.elements);
  if (shape.size() == 1) {
    e.dtype = TensorDType::kF32;
    e.dtype_name = "F32";
    for (float& v : values) v = 1.0f + static_cast<float>(rng() % 100) / 1000.0f;
    f->bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  } else {
    const size_t n = shape[0], k = shape[1];
    e.dtype = type == ggml::Type::kQ5_K ? TensorDType::kQ5_K : TensorDType::kQ6_K;
    e.dtype_name = type == ggml::Type::kQ5_K ? "Q5_K" : "Q6_K";
    const std::string blocks = random_blocks(type, n, k, rng);
    f->bytes += blocks;
    std::vector<float> stored(n * k);
    ggml::dequantize_row_fn(type)(blocks.data(), stored.data(), static_cast<int64_t>(n * k));
    // The file's row g is Hub row hub(g) when permuted for RoPE (llama.cpp's LlamaModel.permute).
    for (size_t g = 0; g < n; ++g) {
      size_t hub = g;
      if (rope_heads != 0) {
        const size_t head_dim = n / rope_heads, w = g % head_dim;
        hub = g - w + (w % 2) * (head_dim / 2) + w / 2;
      }
      std::memcpy(values.data() + hub * k, stored.data() + g * k, k * sizeof(float));
    }
  }
  e.end = f->bytes.size();
  e.rope_heads = rope_heads;
  f->entries.push_back(e);
  f->hub_values.push_back(values);
}

File make_file() {
  std::mt19937 rng(11);
  File f;
  const auto q5 = ggml::Type::kQ5_K, q6 = ggml::Type::kQ6_K;
  add(&f, "model.embed_tokens.weight", {64, 256}, q6, 0, rng);
  add(&f, "model.layers.0.input_layernorm.weight", {256}, q6, 0, rng);
  add(&f, "model.layers.0.self_attn.q_proj.weight", {256, 256}, q5, 4, rng);
  add(&f, "model.layers.0.self_attn.k_proj.weight", {128, 256}, q5, 2, rng);
  add(&f, "model.layers.0.self_attn.v_proj.weight", {128, 256}, q6, 0, rng);
  add(&f, "model.layers.0.self_attn.o_proj.weight", {256, 256}, q5, 0, rng);
  add(&f, "model.layers.0.post_attention_layernorm.weight", {256}, q6, 0, rng);
  add(&f, "model.layers.0.mlp.gate_proj.weight", {512, 256}, q5, 0, rng);
  add(&f, "model.layers.0.mlp.up_proj.weight", {512, 256}, q5, 0, rng);
  add(&f, "model.layers.0.mlp.down_proj.weight", {256, 512}, q6, 0, rng);
  add(&f, "model.norm.weight", {256}, q6, 0, rng);
  add(&f, "lm_head.weight", {64, 256}, q6, 0, rng);
  return f;
}

std::shared_ptr<Model> load(const File& f, std::optional<WeightType> type, WeightType* chosen = nullptr) {
  std::unique_ptr<ModelLoader> loader;
  EXPECT_TRUE(ModelLoader::create(kConfig, type, nullptr, &loader).ok());
  std::vector<TensorRead> reads;
  Status s = loader->add_tensors("k.gguf", f.entries, &reads);
  EXPECT_TRUE(s.ok()) << s.message();
  for (const TensorRead& r : reads) {
    for (uint64_t at = r.begin; at < r.end;) {
      uint8_t* dst = nullptr;
      size_t capacity = 0;
      EXPECT_TRUE(loader->window(r.id, &dst, &capacity).ok());
      const size_t n = static_cast<size_t>(std::min<uint64_t>(capacity, r.end - at));
      std::memcpy(dst, f.bytes.data() + at, n);
      EXPECT_TRUE(loader->advance(r.id, n).ok());
      at += n;
    }
    EXPECT_TRUE(loader->finish_read(r.id).ok());
  }
  if (chosen != nullptr) *chosen = *loader->weight_type();
  std::unique_ptr<Model> model;
  s = loader->finish(&model);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::shared_ptr<Model>(std::move(model));
}

// Every matrix of the model is `type` (none: its ggml type's exact home, Q5_K
// in q8k and Q6_K in q6k, within 1% of the file's bytes) and holds the
// file's ggml values, bit for bit.
void expect_weights(Model& model, const File& f, std::optional<WeightType> type) {
  size_t matrices = 0;
  for (const TensorSlot& slot : model.slots()) {
    if (slot.kind != TensorSlot::Kind::kLinearNK) continue;
    SCOPED_TRACE(slot.name);
    size_t at = f.entries.size();
    for (size_t i = 0; i < f.entries.size(); ++i) {
      if (f.entries[i].name == slot.name) at = i;
    }
    ASSERT_LT(at, f.entries.size());
    const PackedWeights& w = slot.linear->w;
    const bool q6_K = f.entries[at].dtype == TensorDType::kQ6_K;
    EXPECT_EQ(w.type, type ? *type : q6_K ? WeightType::kQ6K : WeightType::kQ8K);
    if (!type && q6_K) {
      EXPECT_LE(packed_size(w.type, w.n, w.k).total(), (f.entries[at].end - f.entries[at].begin) * 101 / 100);
    }
    std::vector<int32_t> rows(w.n);
    for (size_t r = 0; r < w.n; ++r) rows[r] = static_cast<int32_t>(r);
    std::vector<float> held(w.n * w.k);
    ASSERT_TRUE(packed_weights_gather_rows(w, rows.data(), w.n, held.data()).ok());
    ASSERT_EQ(std::memcmp(held.data(), f.hub_values[at].data(), held.size() * sizeof(float)), 0);
    ++matrices;
  }
  EXPECT_EQ(matrices, 9u);
}

TEST(LoaderQ8K, Q5_KAndQ6_KLoadExactlyAsQ8KAndQ6K) {
  const File f = make_file();
  WeightType chosen = WeightType::kF32;
  const std::shared_ptr<Model> q8 = load(f, std::nullopt, &chosen);
  EXPECT_EQ(chosen, WeightType::kQ8);  // the model's dtype; its K-quant matrices are q8k and q6k
  expect_weights(*q8, f, std::nullopt);
  expect_weights(*load(f, WeightType::kQ8), f, std::nullopt);
  expect_weights(*load(f, WeightType::kQ4), f, std::nullopt);
  const std::shared_ptr<Model> f32 = load(f, WeightType::kF32);
  expect_weights(*f32, f, WeightType::kF32);
  // The q8k model runs: its logits are the f32 model's but for the q8
  // rounding of activations (small here: a 1-layer model).
  Session a(q8, nullptr, {}), b(f32, nullptr, {});
  const std::vector<int32_t> ids = {1, 5, 9, 33, 63, 2};
  ASSERT_TRUE(a.append(ids.data(), ids.size(), true).ok());
  ASSERT_TRUE(b.append(ids.data(), ids.size(), true).ok());
  ASSERT_EQ(a.all_logits().size(), b.all_logits().size());
  double worst = 0, scale = 0;
  for (size_t i = 0; i < a.all_logits().size(); ++i) {
    worst = std::max(worst, double(std::fabs(a.all_logits()[i] - b.all_logits()[i])));
    scale = std::max(scale, double(std::fabs(b.all_logits()[i])));
  }
  EXPECT_GT(scale, 0.0);
  EXPECT_LE(worst, 0.05 * scale) << worst << " of " << scale;
}

}  // namespace
}  // namespace qkv
