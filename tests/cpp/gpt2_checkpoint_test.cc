// Loads the tiny GPT-2 checkpoints of tests/fixtures (written by
// gen_gpt2.py from PyTorch) through ModelLoader, streaming each file's
// tensors as the JS loader does, and compares the logits with PyTorch's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "io/json.h"
#include "runtime/loader.h"
#include "runtime/session.h"

#ifndef QKV_FIXTURES_DIR
#error "QKV_FIXTURES_DIR must name tests/fixtures"
#endif

namespace qkv {
namespace {

std::string fixture(const std::string& path) { return std::string(QKV_FIXTURES_DIR) + "/" + path; }

std::string read_file(const std::string& path) {
  std::string data;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  std::fclose(f);
  return data;
}

// Drives the loader the way web/'s loader does: header first, then each
// requested range, in file order, into the loader's buffers.
Status load_file(ModelLoader& loader, const std::string& name, const std::string& bytes) {
  uint64_t header_length = 0;
  QKV_RETURN_IF_ERROR(safetensors_header_length(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                                name, &header_length));
  std::vector<TensorRead> reads;
  QKV_RETURN_IF_ERROR(
      loader.add_file(name, std::string_view(bytes).substr(8, header_length), bytes.size(), &reads));
  for (const TensorRead& r : reads) {
    uint8_t* dst = nullptr;
    QKV_RETURN_IF_ERROR(loader.buffer(r.id, &dst));
    std::copy(bytes.begin() + r.begin, bytes.begin() + r.end, dst);
    QKV_RETURN_IF_ERROR(loader.finish_read(r.id));
  }
  return Status::ok_status();
}

Status load_folder(const std::string& folder, WeightType type, std::unique_ptr<Model>* model) {
  std::unique_ptr<ModelLoader> loader;
  QKV_RETURN_IF_ERROR(
      ModelLoader::create(read_file(fixture(folder + "/config.json")), type, nullptr, &loader));
  const std::string index_text = read_file(fixture(folder + "/model.safetensors.index.json"));
  std::vector<std::string> files;
  if (index_text.empty()) {
    files.push_back("model.safetensors");
  } else {
    JsonValue index;
    QKV_RETURN_IF_ERROR(parse_json(index_text, "model.safetensors.index.json", &index));
    const JsonValue* map = index.find("weight_map");
    for (size_t i = 0; map != nullptr && i < map->size(); ++i) {
      const std::string f(*map->at(i).as_string());
      if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    }
  }
  for (const std::string& f : files)
    QKV_RETURN_IF_ERROR(load_file(*loader, f, read_file(fixture(folder + "/" + f))));
  return loader->finish(model);
}

struct Reference {
  JsonValue json;
  std::string logits;  // reference-logits.bin
};

Reference read_reference(const std::string& folder) {
  Reference r;
  const Status s = parse_json(read_file(fixture(folder + "/reference.json")), "reference.json", &r.json);
  EXPECT_TRUE(s.ok()) << s.message();
  r.logits = read_file(fixture(folder + "/reference-logits.bin"));
  return r;
}

std::vector<int32_t> ids_of(const JsonValue& prompt) {
  std::vector<int32_t> ids;
  const JsonValue* v = prompt.find("ids");
  for (size_t i = 0; v != nullptr && i < v->size(); ++i)
    ids.push_back(static_cast<int32_t>(*v->at(i).as_int64()));
  return ids;
}

struct Comparison {
  double max_abs = 0;
  size_t positions = 0, top1_agree = 0;
};

// Runs every reference prompt and compares the full logits rows stored in
// reference-logits.bin with the model's.
Comparison compare_logits(const std::shared_ptr<const Model>& model, const Reference& ref) {
  Comparison c;
  Session session(model, nullptr);
  const size_t vocab = model->dims().n_vocab;
  const JsonValue* prompts = ref.json.find("prompts");
  const JsonValue* blocks = ref.json.find("logits")->find("blocks");
  for (size_t b = 0; b < blocks->size(); ++b) {
    const JsonValue& block = blocks->at(b);
    const std::vector<int32_t> ids = ids_of(prompts->at(*block.find("prompt")->as_uint64()));
    session.reset();
    const Status s = session.append(ids.data(), ids.size(), true);
    EXPECT_TRUE(s.ok()) << s.message();
    const JsonValue* positions = block.find("positions");
    const uint64_t offset = *block.find("offset")->as_uint64();
    for (size_t i = 0; i < positions->size(); ++i) {
      const size_t pos = *positions->at(i).as_uint64();
      const float* want = reinterpret_cast<const float*>(ref.logits.data() + offset) + i * vocab;
      const float* got = session.all_logits().data() + pos * vocab;
      size_t want_top = 0, got_top = 0;
      for (size_t v = 0; v < vocab; ++v) {
        c.max_abs = std::max(c.max_abs, double(std::fabs(got[v] - want[v])));
        if (want[v] > want[want_top]) want_top = v;
        if (got[v] > got[got_top]) got_top = v;
      }
      ++c.positions;
      c.top1_agree += want_top == got_top;
    }
  }
  return c;
}

TEST(Gpt2Checkpoint, F32LogitsMatchPyTorch) {
  for (const char* folder : {"gpt2-tiny", "gpt2-tiny-f16", "gpt2-tiny-bf16", "gpt2-tiny-sharded"}) {
    SCOPED_TRACE(folder);
    std::unique_ptr<Model> loaded;
    const Status s = load_folder(folder, WeightType::kF32, &loaded);
    ASSERT_TRUE(s.ok()) << s.message();
    std::shared_ptr<const Model> model(std::move(loaded));
    const Comparison c = compare_logits(model, read_reference(folder));
    EXPECT_GT(c.positions, 20u);
    EXPECT_LE(c.max_abs, 1e-4) << "over " << c.positions << " positions";
    EXPECT_EQ(c.top1_agree, c.positions);
  }
}

TEST(Gpt2Checkpoint, Q8KeepsTheTopToken) {
  std::unique_ptr<Model> loaded;
  const Status s = load_folder("gpt2-tiny", WeightType::kQ8, &loaded);
  ASSERT_TRUE(s.ok()) << s.message();
  std::shared_ptr<const Model> model(std::move(loaded));
  const Comparison c = compare_logits(model, read_reference("gpt2-tiny"));
  // q8 blocks of 32 keep ~2 decimal digits per weight; with logits spread
  // over ~10 units the error stays well below the gaps between top tokens.
  EXPECT_GE(c.top1_agree * 100, c.positions * 95) << c.top1_agree << " of " << c.positions;
  EXPECT_LE(c.max_abs, 1.0);  // measured 0.49 natively
  std::printf("q8: top-1 agreement %zu/%zu, max |logit error| %.4f\n", c.top1_agree, c.positions, c.max_abs);
}

TEST(Gpt2Checkpoint, F16InMemoryStaysClose) {
  std::unique_ptr<Model> loaded;
  const Status s = load_folder("gpt2-tiny", WeightType::kF16, &loaded);
  ASSERT_TRUE(s.ok()) << s.message();
  std::shared_ptr<const Model> model(std::move(loaded));
  const Comparison c = compare_logits(model, read_reference("gpt2-tiny"));
  EXPECT_EQ(c.top1_agree, c.positions);
  EXPECT_LE(c.max_abs, 0.05);
  std::printf("f16: max |logit error| %.5f over %zu positions\n", c.max_abs, c.positions);
}

TEST(Gpt2Checkpoint, BadConfigsAreNamed) {
  std::unique_ptr<ModelLoader> loader;
  Status s = ModelLoader::create(R"({"architectures":["BertModel"]})", WeightType::kF32, nullptr, &loader);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_EQ(s.message(),
            "config.json: architecture \"BertModel\" is not supported; qkv runs GPT2LMHeadModel");
  s = ModelLoader::create(R"({"architectures":["GPT2LMHeadModel"],"vocab_size":100,"n_embd":"64"})",
                          WeightType::kF32, nullptr, &loader);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_EQ(s.message(), "config.json: n_embd must be a positive integer up to 16777216, found \"64\"");
  s = ModelLoader::create(R"({"architectures":["GPT2LMHeadModel"],"vocab_size":100,"n_embd":60,"n_head":6,)"
                          R"("n_layer":1})",
                          WeightType::kF32, nullptr, &loader);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.message();
  // 48 layers x 16384 wide: ~150 GB of f32 weights, refused before any allocation.
  s = ModelLoader::create(R"({"architectures":["GPT2LMHeadModel"],"vocab_size":50257,"n_embd":16384,)"
                          R"("n_head":128,"n_layer":48})",
                          WeightType::kQ8, nullptr, &loader);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("more than qkv's limit of 3072 MB"), std::string::npos) << s.message();
  s = ModelLoader::create("{", WeightType::kF32, nullptr, &loader);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
}

TEST(Gpt2Checkpoint, MismatchedFilesAreNamed) {
  const std::string config = read_file(fixture("gpt2-tiny/config.json"));
  const std::string weights = read_file(fixture("gpt2-tiny/model.safetensors"));
  ASSERT_FALSE(weights.empty());
  std::unique_ptr<ModelLoader> loader;
  // A config whose layer count disagrees with the weights: the missing layer is named.
  std::string three_layers = config;
  three_layers.replace(three_layers.find("\"n_layer\": 2"), 12, "\"n_layer\": 3");
  ASSERT_TRUE(ModelLoader::create(three_layers, WeightType::kF32, nullptr, &loader).ok());
  ASSERT_TRUE(load_file(*loader, "model.safetensors", weights).ok());
  std::unique_ptr<Model> model;
  Status s = loader->finish(&model);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("lacks 12 tensor(s) the GPT2LMHeadModel config needs: h.2.ln_1.weight"),
            std::string::npos)
      << s.message();
  // A wider config: the first tensor's shape is named.
  std::string wider = config;
  wider.replace(wider.find("\"n_embd\": 32"), 12, "\"n_embd\": 64");
  ASSERT_TRUE(ModelLoader::create(wider, WeightType::kF32, nullptr, &loader).ok());
  s = load_file(*loader, "model.safetensors", weights);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find(
                "tensor \"transformer.h.0.attn.c_attn.bias\" has shape [96], but config.json implies [192]"),
            std::string::npos)
      << s.message();
  // The same file twice.
  ASSERT_TRUE(ModelLoader::create(config, WeightType::kF32, nullptr, &loader).ok());
  ASSERT_TRUE(load_file(*loader, "a.safetensors", weights).ok());
  s = load_file(*loader, "b.safetensors", weights);
  EXPECT_NE(s.message().find("is also in a.safetensors"), std::string::npos) << s.message();
  // A truncated file.
  ASSERT_TRUE(ModelLoader::create(config, WeightType::kF32, nullptr, &loader).ok());
  s = load_file(*loader, "model.safetensors", weights.substr(0, weights.size() - 1));
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace qkv
