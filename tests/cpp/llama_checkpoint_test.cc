// The LLaMA family through ModelLoader and Session on the tiny checkpoints
// of tests/fixtures (gen_llama.py): llama-tiny (GQA 4/2, untied head, real
// 32000-token vocabulary), qwen2-tiny (q/k/v biases, tied head, rope_theta
// 1e6), llama3-tiny (Llama 3.1's rope_scaling of type "llama3", 60-token
// prompts), mistral-window-tiny (every layer over a sliding window of 8 keys)
// and qwen2-window-tiny (layer 1 over 6 keys, layer 0 full), against
// PyTorch's logits, greedy continuations and attention.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "io/safetensors.h"
#include "kernels/q8/quant.h"
#include "models/llama.h"

namespace qkv {
namespace {

using namespace fixtures;

const char* const kFolders[] = {"llama-tiny", "qwen2-tiny", "llama3-tiny", "mistral-window-tiny",
                                "qwen2-window-tiny"};
const char* const kWindowFolders[] = {"mistral-window-tiny", "qwen2-window-tiny"};

std::shared_ptr<const Model> load(const char* folder, WeightType type) {
  std::unique_ptr<Model> loaded;
  const Status s = load_folder(folder, type, &loaded);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::shared_ptr<const Model>(std::move(loaded));
}

TEST(LlamaCheckpoint, F32LogitsMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    const std::shared_ptr<const Model> model = load(folder, WeightType::kF32);
    ASSERT_NE(model, nullptr);
    expect_f32_logits_match(model, folder, 19u);
  }
}

// Greedy decoding with the KV cache gives PyTorch's continuation, which the
// script computed by recomputing the whole sequence at every step (in the
// window fixtures every step is past the window).
TEST(LlamaCheckpoint, GreedyWithTheCacheEqualsFullRecomputation) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    const std::shared_ptr<const Model> model = load(folder, WeightType::kF32);
    ASSERT_NE(model, nullptr);
    Session session(model, nullptr);
    // Options are checked once, when set; a refused set keeps the previous (greedy) ones.
    SamplingOptions bad;
    bad.temperature = 0.0f;
    const Status refused = session.set_sampling(bad);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("temperature"), std::string::npos) << refused.message();
    ASSERT_NO_FATAL_FAILURE(expect_greedy_continuations(session, read_reference(folder)));
  }
}

TEST(LlamaCheckpoint, AttentionProbabilitiesMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    const std::shared_ptr<const Model> model = load(folder, WeightType::kF32);
    ASSERT_NE(model, nullptr);
    ASSERT_NO_FATAL_FAILURE(expect_attention_matches(model, read_reference(folder), 1e-5));
  }
}

// The fixtures are built to be sensitive (peaky attention, large weights):
// f16's 5e-4 relative rounding already moves logits of +-20..37 by ~0.08,
// ~7x the rounding itself. q8's ~0.4% rounding moves them by up to 2.2, so
// near-ties flip; the bounds below are what that amplification allows, and
// the next test checks the q8 arithmetic itself without it.
TEST(LlamaCheckpoint, Q8AndF16InMemoryStayClose) {
  for (const char* folder : {"llama-tiny", "qwen2-tiny"}) {
    SCOPED_TRACE(folder);
    const Reference ref = read_reference(folder);
    // The top token must agree wherever PyTorch's top-2 gap exceeds twice the bound.
    const Comparison q8 = compare_logits(load(folder, WeightType::kQ8), ref, 2 * 4.0);
    // Measured 1.17 (llama-tiny), 3.73 (qwen2-tiny: logits up to ~40): the weights and every product's
    // activations are rounded to q8 blocks (as llama.cpp's Q8_0 does), in prefill as in decode.
    EXPECT_LE(q8.max_abs, 4.0);
    EXPECT_EQ(q8.clear_agree, q8.clear_positions);
    EXPECT_GE(q8.top1_agree * 100, q8.positions * 85) << q8.top1_agree << " of " << q8.positions;
    const Comparison f16 = compare_logits(load(folder, WeightType::kF16), ref, 2 * 0.15);
    EXPECT_LE(f16.max_abs, 0.15);  // measured 0.072, 0.081
    EXPECT_EQ(f16.clear_agree, f16.clear_positions);
    EXPECT_GE(f16.clear_positions * 2, f16.positions);  // it covers most rows (13/19, 88/88 measured)
    std::printf("%s: q8 top-1 %zu/%zu, max |logit error| %.4f; f16 max |logit error| %.5f\n", folder,
                q8.top1_agree, q8.positions, q8.max_abs, f16.max_abs);
  }
}

// Every 2-D tensor of a safetensors file rounded through q8 by the scalar
// reference quantizer (kernels/q8/scalar.cc), row by row.
std::string round_weights_through_q8(const std::string& bytes) {
  uint64_t header_length = 0;
  EXPECT_TRUE(safetensors_header_length(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "w",
                                        &header_length)
                  .ok());
  SafetensorsHeader header;
  EXPECT_TRUE(
      parse_safetensors_header(std::string_view(bytes).substr(8, header_length), bytes.size(), "w", &header)
          .ok());
  std::string out = bytes;
  for (const SafetensorsTensor& t : header.tensors) {
    if (t.shape.size() != 2 || t.dtype != TensorDType::kF32) continue;
    const size_t rows = t.shape[0], k = t.shape[1];
    std::vector<int8_t> q(q8_padded(k));
    std::vector<float> scales(q8_blocks(k)), row(k);
    for (size_t r = 0; r < rows; ++r) {
      char* at = out.data() + t.begin + r * k * sizeof(float);
      std::memcpy(row.data(), at, k * sizeof(float));
      f32_to_q8_row__scalar(k, row.data(), q.data(), scales.data());
      q8_to_f32_row__scalar(k, q.data(), scales.data(), row.data());
      std::memcpy(at, row.data(), k * sizeof(float));
    }
  }
  return out;
}

// dtype q8 holds every weight matrix exactly as the q8 reference quantizer
// rounds it: the streamed packing and the grouped layout add no error of
// their own. (What the kernels then compute with them, activations rounded to
// q8 too, is checked against a plain reference in gpt2_model_test.cc and
// gemm_test.cc.)
TEST(LlamaCheckpoint, Q8HoldsEveryMatrixAsTheQ8ReferenceRoundsIt) {
  for (const char* folder : {"llama-tiny", "qwen2-tiny"}) {
    SCOPED_TRACE(folder);
    const std::string rounded =
        round_weights_through_q8(read_file(fixture(std::string(folder) + "/model.safetensors")));
    uint64_t header_length = 0;
    ASSERT_TRUE(safetensors_header_length(reinterpret_cast<const uint8_t*>(rounded.data()), rounded.size(),
                                          "w", &header_length)
                    .ok());
    SafetensorsHeader header;
    ASSERT_TRUE(parse_safetensors_header(std::string_view(rounded).substr(8, header_length), rounded.size(),
                                         "w", &header)
                    .ok());
    std::unique_ptr<Model> q8;
    ASSERT_TRUE(load_folder(folder, WeightType::kQ8, &q8).ok());
    size_t matrices = 0;
    for (const TensorSlot& slot : q8->slots()) {
      if (slot.kind != TensorSlot::Kind::kLinearNK) continue;
      SCOPED_TRACE(slot.name);
      const SafetensorsTensor* tensor = nullptr;
      for (const SafetensorsTensor& t : header.tensors) {
        if (t.name == slot.name) tensor = &t;
      }
      ASSERT_NE(tensor, nullptr);
      const PackedWeights& w = slot.linear->w;
      ASSERT_EQ(w.type, WeightType::kQ8);
      std::vector<float> want(w.n * w.k);
      std::memcpy(want.data(), rounded.data() + tensor->begin, want.size() * sizeof(float));
      ASSERT_EQ(unpacked_rows(w), want);
      ++matrices;
    }
    const ModelDims& d = q8->dims();
    EXPECT_GE(matrices, 7 * d.n_layer + 1);  // q, k, v, o, gate, up, down per layer; the embedding
  }
}

// Configs qkv cannot run exactly are refused with the key named.
TEST(LlamaCheckpoint, UnsupportedConfigsAreNamed) {
  std::string base = read_file(fixture("llama-tiny/config.json"));
  ASSERT_FALSE(base.empty());
  auto with = [&](const std::string& key, const std::string& value) { return with_key(base, key, value); };
  const ConfigCase cases[] = {
      {with("hidden_act", "\"gelu\""), StatusCode::kUnsupported, "hidden_act"},
      {with("num_key_value_heads", "3"), StatusCode::kFormat, "num_key_value_heads"},
      {with("hidden_size", "\"64\""), StatusCode::kFormat, "hidden_size"},
      {with("head_dim", "18"), StatusCode::kUnsupported, "head size 18"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
}

// config.json text with the first `from` (an architecture name) replaced.
std::string as_architecture(std::string config, const std::string& from, const std::string& to) {
  config.replace(config.find(from), from.size(), to);
  return config;
}

LlamaConfig config_of(const std::string& text) { return parse_config<LlamaConfig>(text); }

// Which layers slide and how far, as transformers' config classes decide
// (LlamaConfig: none; MistralConfig: every layer, sliding_window absent =
// 4096, null = none; Qwen2Config: only with use_sliding_window, layer_types
// when given, else the layers from max_window_layers on). A window of at
// least the context is none; the context stays whole (no cap at the window).
TEST(LlamaCheckpoint, SlidingWindowConfigs) {
  using W = std::vector<size_t>;
  const std::string llama = read_file(fixture("llama-tiny/config.json"));  // 2 layers, 128 positions
  ASSERT_EQ(llama.find("sliding_window"), std::string::npos);
  const std::string mistral = as_architecture(llama, "LlamaForCausalLM", "MistralForCausalLM");
  const std::string mistral7b = with_key(mistral, "max_position_embeddings", "32768");
  const std::string qwen2 = read_file(fixture("qwen2-window-tiny/config.json"));
  ASSERT_NE(qwen2.find("\"max_window_layers\": 1"), std::string::npos);
  const std::string qwen2_default_window = as_architecture(qwen2, "\"sliding_window\"", "\"unused\"");
  const std::string two_full = R"(["full_attention", "full_attention"])";
  const std::string sliding_first = R"(["sliding_attention", "full_attention"])";
  const struct {
    std::string config;
    W windows;
    size_t n_ctx;
  } cases[] = {
      {with_key(llama, "sliding_window", "16"), {}, 128},  // LLaMA has no sliding window: the key is ignored
      {with_key(mistral, "sliding_window", "16"), {16, 16}, 128},
      {with_key(mistral, "sliding_window", "127"), {127, 127}, 128},
      {with_key(mistral, "sliding_window", "128"), {}, 128},  // masks nothing within the context
      {with_key(mistral, "sliding_window", "null"), {}, 128},
      {mistral, {}, 128},  // absent: 4096, longer than the context
      {mistral7b, {4096, 4096}, 32768},
      {with_key(mistral7b, "sliding_window", "4096"), {4096, 4096}, 32768},
      // MistralConfig reads neither of Qwen2's keys.
      {with_key(with_key(mistral, "sliding_window", "16"), "use_sliding_window", "false"), {16, 16}, 128},
      {with_key(with_key(mistral, "sliding_window", "16"), "layer_types", two_full), {16, 16}, 128},
      {qwen2, {0, 6}, 128},
      {with_key(qwen2, "use_sliding_window", "false"), {}, 128},
      {with_key(qwen2, "max_window_layers", "0"), {6, 6}, 128},
      {with_key(qwen2, "max_window_layers", "2"), {}, 128},
      {with_key(qwen2, "max_window_layers", "null"), {}, 128},  // Qwen2Config's 28
      {with_key(qwen2, "sliding_window", "null"), {}, 128},
      {qwen2_default_window, {}, 128},
      {with_key(qwen2_default_window, "max_position_embeddings", "32768"), {0, 4096}, 32768},
      // layer_types, when given, names each layer's kind whatever max_window_layers says.
      {with_key(qwen2, "layer_types", sliding_first), {6, 0}, 128},
      {with_key(qwen2, "layer_types", two_full), {}, 128},
      {with_key(qwen2, "layer_types", "null"), {0, 6}, 128},
      {with_key(with_key(qwen2, "use_sliding_window", "false"), "layer_types", two_full), {}, 128},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.config);
    const LlamaConfig config = config_of(c.config);
    EXPECT_EQ(config.layer_windows, c.windows);
    EXPECT_EQ(config.n_ctx, c.n_ctx);
  }
  using C = StatusCode;
  const ConfigCase refused[] = {
      {with_key(mistral, "sliding_window", "0"), C::kFormat,
       "sliding_window must be a positive integer up to 1073741824, found 0"},
      {with_key(mistral, "sliding_window", "\"8\""), C::kFormat, "sliding_window must be a positive integer"},
      {with_key(qwen2, "sliding_window", "-1"), C::kFormat, "sliding_window must be a positive integer"},
      {with_key(qwen2, "use_sliding_window", "1"), C::kFormat, "use_sliding_window"},
      {with_key(qwen2, "max_window_layers", "1.5"), C::kFormat,
       "max_window_layers must be a non-negative integer, found 1.5"},
      {with_key(qwen2, "layer_types", R"(["full_attention"])"), C::kFormat,
       "layer_types must be a list of num_hidden_layers (2) strings, found 1 entries"},
      {with_key(qwen2, "layer_types", "\"sliding_attention\""), C::kFormat,
       "layer_types must be a list of num_hidden_layers (2) strings"},
      {with_key(qwen2, "layer_types", R"(["full_attention", 3])"), C::kFormat,
       "layer_types[1] must be a string, found 3"},
      {with_key(qwen2, "layer_types", R"(["full_attention", "chunked_attention"])"), C::kUnsupported,
       "layer_types[1] \"chunked_attention\""},
      {with_key(with_key(qwen2, "use_sliding_window", "false"), "layer_types", sliding_first), C::kFormat,
       "layer_types[0] is \"sliding_attention\" but use_sliding_window is false"},
      {with_key(with_key(qwen2, "sliding_window", "null"), "layer_types", sliding_first), C::kFormat,
       "layer_types[0] is \"sliding_attention\" but sliding_window is null"},
  };
  for (const ConfigCase& c : refused) expect_refused(c);
}

// A session takes the model's windows unless its options give some; the
// windows then decide the results: with every layer full (layer_windows all
// 0) the same weights are far from PyTorch's (gen_llama.py records the same
// as checks.unwindowed_max_abs_logit_diff), so the match above is not by chance.
TEST(LlamaCheckpoint, SlidingWindowsMatter) {
  for (const char* folder : kWindowFolders) {
    SCOPED_TRACE(folder);
    const std::shared_ptr<const Model> model = load(folder, WeightType::kF32);
    ASSERT_NE(model, nullptr);
    const Reference ref = read_reference(folder);
    const JsonValue* want_windows = ref.json.find("sliding_window")->find("layer_windows");
    std::vector<size_t> windows;
    for (size_t l = 0; l < want_windows->size(); ++l) windows.push_back(*want_windows->at(l).as_uint64());
    EXPECT_EQ(Session(model, nullptr).cache().config().windows, windows);
    SessionOptions full;
    full.layer_windows.assign(model->dims().n_layer, 0);
    const double max_abs = compare_logits(model, ref, 0, full).max_abs;
    EXPECT_GT(max_abs, 1.0);  // 1e4 x the bound the windowed logits meet
    const double recorded = *ref.json.find("checks")->find("unwindowed_max_abs_logit_diff")->as_double();
    std::printf("%s without its windows: max |logit error| %.2f (PyTorch: %.2f)\n", folder, max_abs,
                recorded);
  }
}

// rope_scaling: the default and "llama3" load; every other type is refused
// by name, and every llama3 field is checked, with its key in the message.
TEST(LlamaCheckpoint, RopeScalingConfigs) {
  const std::string base = read_file(fixture("llama3-tiny/config.json"));
  ASSERT_NE(base.find("\"rope_type\": \"llama3\""), std::string::npos);
  auto scaling = [&](const std::string& value) { return with_key(base, "rope_scaling", value); };
  // Llama 3.1's own rope_scaling, with "type" (transformers < 4.42) and with both keys.
  const std::string llama31 =
      R"("factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192)";
  for (const std::string& ok :
       {std::string("null"), std::string(R"({"rope_type": "default"})"),
        "{" + llama31 + R"(, "rope_type": "llama3"})", "{" + llama31 + R"(, "type": "llama3"})",
        "{" + llama31 + R"(, "type": "linear", "rope_type": "llama3"})"}) {
    std::unique_ptr<ModelLoader> loader;
    const Status s = ModelLoader::create(scaling(ok), WeightType::kF32, nullptr, &loader);
    EXPECT_TRUE(s.ok()) << ok << ": " << s.message();
  }
  auto llama3 = [&](const std::string& key, const std::string& value) {
    std::string fields = R"({"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, )"
                         R"("original_max_position_embeddings": 8192, "rope_type": "llama3"})";
    const size_t at = fields.find("\"" + key + "\"");
    const size_t end = fields.find_first_of(",}", at);
    fields.replace(at, end - at, value.empty() ? "\"unused\": 0" : "\"" + key + "\": " + value);
    return scaling(fields);
  };
  using C = StatusCode;
  const ConfigCase cases[] = {
      {scaling(R"({"rope_type": "linear", "factor": 2.0})"), C::kUnsupported,
       "rope_scaling of type \"linear\""},
      {scaling(R"({"type": "dynamic", "factor": 2.0})"), C::kUnsupported, "rope_scaling of type \"dynamic\""},
      {scaling(R"({"rope_type": "yarn", "factor": 4.0})"), C::kUnsupported, "rope_scaling of type \"yarn\""},
      {scaling(R"({"rope_type": "longrope", "long_factor": [1], "short_factor": [1]})"), C::kUnsupported,
       "rope_scaling of type \"longrope\""},
      {scaling(R"({"factor": 8.0})"), C::kFormat, "rope_scaling.rope_type is missing"},
      {scaling(R"({"rope_type": 3})"), C::kFormat, "rope_scaling.rope_type must be a string, found 3"},
      {scaling("8.0"), C::kFormat, "rope_scaling must be an object or null, found 8"},
      {llama3("factor", ""), C::kFormat, "rope_scaling.factor is missing"},
      {llama3("low_freq_factor", ""), C::kFormat, "rope_scaling.low_freq_factor is missing"},
      {llama3("high_freq_factor", ""), C::kFormat, "rope_scaling.high_freq_factor is missing"},
      {llama3("original_max_position_embeddings", ""), C::kFormat,
       "rope_scaling.original_max_position_embeddings is missing"},
      {llama3("factor", "null"), C::kFormat, "rope_scaling.factor is missing"},
      {llama3("factor", "0"), C::kFormat, "rope_scaling.factor must be a positive number, found 0"},
      {llama3("factor", "-8.0"), C::kFormat, "rope_scaling.factor must be a positive number"},
      {llama3("factor", "\"8\""), C::kFormat, "rope_scaling.factor must be a positive number, found \"8\""},
      {llama3("low_freq_factor", "0.0"), C::kFormat,
       "rope_scaling.low_freq_factor must be a positive number"},
      {llama3("high_freq_factor", "1.0"), C::kFormat,
       "rope_scaling.high_freq_factor must be greater than low_freq_factor 1, found 1"},
      {llama3("high_freq_factor", "0.5"), C::kFormat, "rope_scaling.high_freq_factor must be greater"},
      {llama3("original_max_position_embeddings", "8192.0"), C::kFormat,
       "rope_scaling.original_max_position_embeddings must be a positive integer"},
      {llama3("original_max_position_embeddings", "0"), C::kFormat,
       "rope_scaling.original_max_position_embeddings must be a positive integer"},
      {llama3("original_max_position_embeddings", "\"8192\""), C::kFormat,
       "rope_scaling.original_max_position_embeddings must be a positive integer"},
      {llama3("original_max_position_embeddings", "16777217"), C::kFormat,
       "rope_scaling.original_max_position_embeddings must be a positive integer up to 16777216"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
}

// llama3-tiny's logits depend on the scaling: the same weights with
// rope_scaling null are far from PyTorch's (gen_llama.py records the same as
// checks.unscaled_max_abs_logit_diff), so the match above is not by chance.
TEST(LlamaCheckpoint, Llama3ScalingMatters) {
  const Reference ref = read_reference("llama3-tiny");
  const std::string config = read_file(fixture("llama3-tiny/config.json"));
  std::unique_ptr<ModelLoader> loader;
  ASSERT_TRUE(
      ModelLoader::create(with_key(config, "rope_scaling", "null"), WeightType::kF32, nullptr, &loader).ok());
  ASSERT_TRUE(
      load_file(*loader, "model.safetensors", read_file(fixture("llama3-tiny/model.safetensors"))).ok());
  std::unique_ptr<Model> unscaled;
  ASSERT_TRUE(loader->finish(&unscaled).ok());
  const Comparison c = compare_logits(std::shared_ptr<const Model>(std::move(unscaled)), ref);
  EXPECT_GT(c.max_abs, 1.0);
  const double recorded = *ref.json.find("checks")->find("unscaled_max_abs_logit_diff")->as_double();
  std::printf("llama3-tiny without rope_scaling: max |logit error| %.2f (PyTorch over every prompt: %.2f)\n",
              c.max_abs, recorded);
}

}  // namespace
}  // namespace qkv
