// Gemma 3 (Gemma3ForCausalLM) through ModelLoader and Session on
// tests/fixtures/gemma3-tiny (gen_gemma3.py: 6 layers, five over a sliding
// window of 6 keys with their own RoPE base, one full with linear
// rope_scaling; head_dim 32 != hidden / heads; query_pre_attn_scalar 48;
// tied head), against PyTorch's logits, greedy continuations and attention;
// and Gemma3TextConfig's keys, defaults and refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "models/gemma3.h"

namespace qkv {
namespace {

using namespace fixtures;

constexpr const char* kFolder = "gemma3-tiny";

std::shared_ptr<const Model> load(WeightType type, const std::string& config = "") {
  std::unique_ptr<Model> loaded;
  const Status s = load_folder(kFolder, type, &loaded, config);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::shared_ptr<const Model>(std::move(loaded));
}

const std::string& base_config() {
  static const std::string text = read_file(fixture(std::string(kFolder) + "/config.json"));
  return text;
}

Gemma3Config config_of(const std::string& text) { return parse_config<Gemma3Config>(text); }

TEST(Gemma3Checkpoint, F32LogitsMatchPyTorch) {
  const std::shared_ptr<const Model> model = load(WeightType::kF32);
  ASSERT_NE(model, nullptr);
  const Comparison c = compare_logits(model, read_reference(kFolder));
  EXPECT_EQ(c.positions, 97u);  // every position of prompts of 1, 6, 17, 33, 40 tokens
  EXPECT_LE(c.max_abs, 1e-4) << "over " << c.positions << " positions";
  EXPECT_EQ(c.top1_agree, c.positions);
  std::printf("gemma3-tiny: f32 max |logit error| %.3g over %zu positions\n", c.max_abs, c.positions);
}

// Greedy decoding with the KV cache (one token per forward, every step past
// the window) gives the continuation PyTorch computed by recomputing the
// whole sequence at every step.
TEST(Gemma3Checkpoint, GreedyWithTheCacheEqualsFullRecomputation) {
  const std::shared_ptr<const Model> model = load(WeightType::kF32);
  ASSERT_NE(model, nullptr);
  Session session(model, nullptr);
  ASSERT_NO_FATAL_FAILURE(expect_greedy_continuations(session, read_reference(kFolder)));
}

// Attention probabilities, 0 outside each sliding layer's window, and the
// model's windows as the KV cache gets them.
TEST(Gemma3Checkpoint, AttentionProbabilitiesAndWindowsMatchPyTorch) {
  const std::shared_ptr<const Model> model = load(WeightType::kF32);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(Session(model, nullptr).cache().config().windows, (std::vector<size_t>{6, 6, 6, 6, 6, 0}));
  ASSERT_NO_FATAL_FAILURE(expect_attention_matches(model, read_reference(kFolder), 1e-5));
}

// Weights kept as q8 or f16 in memory: the fixture amplifies their rounding
// (peaky attention, (1 + w) gains near 2 on q and k), so the bounds are what
// that allows; the top token must agree wherever PyTorch's top-2 gap is over
// twice the bound.
TEST(Gemma3Checkpoint, Q8AndF16InMemoryStayClose) {
  const Reference ref = read_reference(kFolder);
  const Comparison q8 = compare_logits(load(WeightType::kQ8), ref, 2 * 1.5);
  const Comparison f16 = compare_logits(load(WeightType::kF16), ref, 2 * 0.05);
  std::printf(
      "gemma3-tiny: q8 top-1 %zu/%zu, max |logit error| %.4f; f16 top-1 %zu/%zu, max |logit error| %.5f\n",
      q8.top1_agree, q8.positions, q8.max_abs, f16.top1_agree, f16.positions, f16.max_abs);
  EXPECT_LE(q8.max_abs, 1.5);  // measured 0.82 (94 of 97 top tokens agree)
  EXPECT_EQ(q8.clear_agree, q8.clear_positions);
  EXPECT_GE(q8.top1_agree * 100, q8.positions * 85) << q8.top1_agree << " of " << q8.positions;
  EXPECT_LE(f16.max_abs, 0.05);  // measured 0.025
  EXPECT_EQ(f16.clear_agree, f16.clear_positions);
  EXPECT_GE(f16.clear_positions * 2, f16.positions);
}

// Max |logit difference| against the reference over every stored row, for
// a model loaded from `config` and a session with `options`.
double logit_error(const std::string& config, const SessionOptions& options = {}) {
  const std::shared_ptr<const Model> model = load(WeightType::kF32, config);
  if (model == nullptr) return INFINITY;
  return compare_logits(model, read_reference(kFolder), 0, options).max_abs;
}

// The features the match above depends on: without its windows, with the
// local layers on the global RoPE, or without rope_scaling, the same weights
// are far from PyTorch's (gen_gemma3.py records the same in "checks").
TEST(Gemma3Checkpoint, TheFeaturesMatter) {
  const Reference ref = read_reference(kFolder);
  const JsonValue& checks = *ref.json.find("checks");
  SessionOptions full;
  full.layer_windows.assign(6, 0);
  const double unwindowed = logit_error(base_config(), full);
  EXPECT_GT(unwindowed, 1.0);
  // Local layers rotating with rope_theta and the linear factor: rope_parameters
  // giving the sliding layers the full layers' values.
  const double local_as_global = logit_error(
      with_key(base_config(), "rope_parameters",
               R"({"sliding_attention": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0}})"));
  EXPECT_GT(local_as_global, 1.0);
  const double unscaled = logit_error(with_key(base_config(), "rope_scaling", "null"));
  EXPECT_GT(unscaled, 1.0);
  // And every feature gen_gemma3.py drops in PyTorch ((1 + w) gains, the
  // embedding scale, q/k norms, query_pre_attn_scalar, ...) moves the logits
  // by far more than the 1e-4 the tests allow, so dropping one in qkv fails them.
  const JsonValue* variants = ref.json.find("variants");
  ASSERT_NE(variants, nullptr);
  EXPECT_GE(variants->size(), 7u);
  for (size_t i = 0; i < variants->size(); ++i) {
    const std::string key = variants->key(i) + "_max_abs_logit_diff";
    const JsonValue* diff = checks.find(key);
    ASSERT_NE(diff, nullptr) << key;
    EXPECT_GT(*diff->as_double(), 1.0) << key;
  }
  std::printf(
      "gemma3-tiny: max |logit error| without windows %.2f (PyTorch %.2f), local RoPE as global %.2f "
      "(%.2f), without rope_scaling %.2f (%.2f)\n",
      unwindowed, *checks.find("unwindowed_max_abs_logit_diff")->as_double(), local_as_global,
      *checks.find("local_rope_base_ignored_max_abs_logit_diff")->as_double(), unscaled,
      *checks.find("rope_scaling_ignored_max_abs_logit_diff")->as_double());
}

// transformers 5 writes rope_parameters per layer kind instead of rope_theta,
// rope_local_base_freq and rope_scaling: the same rotations, the same logits.
TEST(Gemma3Checkpoint, RopeParametersLayoutEqualsTheOlderKeys) {
  std::string v5 = base_config();
  for (const char* key : {"rope_theta", "rope_local_base_freq", "rope_scaling"}) v5 = with_key(v5, key, "");
  ASSERT_EQ(v5.find("rope_"), std::string::npos) << v5;
  v5 = with_key(v5, "rope_parameters",
                R"({"full_attention": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0}, )"
                R"("sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}})");
  EXPECT_LE(logit_error(v5), 1e-4);
}

// final_logit_softcapping (null in Gemma 3, 30 in Gemma 2): logits become
// cap * tanh(logits / cap), checked against the reference logits capped here.
TEST(Gemma3Checkpoint, FinalLogitSoftcapping) {
  const float cap = 5.0f;
  const std::shared_ptr<const Model> model =
      load(WeightType::kF32, with_key(base_config(), "final_logit_softcapping", "5.0"));
  ASSERT_NE(model, nullptr);
  const Reference ref = read_reference(kFolder);
  const JsonValue& block = ref.json.find("logits")->find("blocks")->at(3);
  const std::vector<int32_t> ids = ids_of(ref.json.find("prompts")->at(*block.find("prompt")->as_uint64()));
  Session session(model, nullptr);
  ASSERT_TRUE(session.append(ids.data(), ids.size(), true).ok());
  const float* want = reinterpret_cast<const float*>(ref.logits.data() + *block.find("offset")->as_uint64());
  double max_abs = 0, max_logit = 0;
  for (size_t i = 0; i < ids.size() * model->dims().n_vocab; ++i) {
    const double capped = cap * std::tanh(double(want[i]) / cap);
    max_abs = std::max(max_abs, std::fabs(session.all_logits()[i] - capped));
    max_logit = std::max(max_logit, std::fabs(double(want[i])));
  }
  EXPECT_GT(max_logit, 2 * cap);  // the cap bends the largest logits
  EXPECT_LE(max_abs, 1e-4);
}

// The shapes `what` (a config) gives.
struct Sizes {
  size_t n_vocab, n_embd, n_ff, n_layer, n_head, n_head_kv, head_dim, n_ctx;
};

void expect_sizes(const char* what, const Gemma3Config& c, const Sizes& want) {
  SCOPED_TRACE(what);
  EXPECT_EQ(c.n_vocab, want.n_vocab);
  EXPECT_EQ(c.n_embd, want.n_embd);
  EXPECT_EQ(c.n_ff, want.n_ff);
  EXPECT_EQ(c.n_layer, want.n_layer);
  EXPECT_EQ(c.n_head, want.n_head);
  EXPECT_EQ(c.n_head_kv, want.n_head_kv);
  EXPECT_EQ(c.head_dim, want.head_dim);
  EXPECT_EQ(c.n_ctx, want.n_ctx);
}

// `n_layer` layers, every sixth full and the others over `window` keys (the
// pattern of the Gemma 3 releases). Wrap in ASSERT_NO_FATAL_FAILURE.
void expect_every_sixth_full(const char* what, const Gemma3Config& c, size_t n_layer, size_t window) {
  SCOPED_TRACE(what);
  ASSERT_EQ(c.layer_windows.size(), n_layer);
  for (size_t i = 0; i < n_layer; ++i) EXPECT_EQ(c.layer_windows[i], (i + 1) % 6 == 0 ? 0u : window) << i;
}

// The RoPE base and linear factor of the full and of the sliding layers.
void expect_rope(const char* what, const Gemma3Config& c, double global_theta, double global_factor,
                 double local_theta, double local_factor) {
  SCOPED_TRACE(what);
  EXPECT_EQ(c.rope_global.theta, global_theta);
  EXPECT_EQ(c.rope_global.linear_factor, global_factor);
  EXPECT_EQ(c.rope_local.theta, local_theta);
  EXPECT_EQ(c.rope_local.linear_factor, local_factor);
}

// Gemma3TextConfig's defaults for absent keys, and layer_types from
// sliding_window_pattern when absent (layer i slides unless (i + 1) is a
// multiple of the pattern).
TEST(Gemma3Checkpoint, ConfigDefaults) {
  const Gemma3Config d = config_of(R"({"architectures": ["Gemma3ForCausalLM"]})");
  expect_sizes("defaults", d, {262208, 2304, 9216, 26, 8, 4, 256, 131072});
  EXPECT_FLOAT_EQ(d.rms_norm_eps, 1e-6f);
  EXPECT_EQ(d.query_pre_attn_scalar, 256.0);
  EXPECT_EQ(d.rope_global.theta, 1e6);
  EXPECT_EQ(d.rope_global.linear_factor, 1.0);
  EXPECT_EQ(d.rope_local.theta, 1e4);
  EXPECT_TRUE(d.tied_embeddings);
  EXPECT_FALSE(d.attention_bias);
  EXPECT_EQ(d.final_logit_softcapping, 0.0f);
  EXPECT_EQ(d.sliding_window, 4096u);
  ASSERT_NO_FATAL_FAILURE(expect_every_sixth_full("defaults", d, 26, 4096));
  // model_type alone names it too; the pattern and window from the config.
  const Gemma3Config p = config_of(
      R"({"model_type": "gemma3_text", "num_hidden_layers": 4, "sliding_window_pattern": 2, "sliding_window": 512})");
  EXPECT_EQ(p.layer_windows, (std::vector<size_t>{512, 0, 512, 0}));
  // The fixture's own: layer_types given, rope_scaling linear on the full layer only.
  const Gemma3Config f = config_of(base_config());
  EXPECT_EQ(f.layer_windows, (std::vector<size_t>{6, 6, 6, 6, 6, 0}));
  EXPECT_EQ(f.rope_global.linear_factor, 2.0);
  EXPECT_EQ(f.rope_local.linear_factor, 1.0);
  EXPECT_EQ(f.rope_local.theta, 1e4);
  EXPECT_EQ(f.query_pre_attn_scalar, 48.0);
  // A window of at least the context masks nothing; every layer full stores none.
  EXPECT_TRUE(config_of(with_key(base_config(), "sliding_window", "128")).layer_windows.empty());
  EXPECT_TRUE(config_of(with_key(base_config(), "layer_types",
                                 R"(["full_attention", "full_attention", )"
                                 R"("full_attention", "full_attention", )"
                                 R"("full_attention", "full_attention"])"))
                  .layer_windows.empty());
}

// Configs of the real sizes: Gemma 3 270M's config.json as the Hub has it
// (transformers 4.55: layer_types written out), 1B's shapes with only
// sliding_window_pattern (older exports), and a transformers 5 export whose
// rope_parameters name the rope types while the thetas stay top-level keys.
TEST(Gemma3Checkpoint, ConfigsOfTheRealSizes) {
  std::string types;
  for (size_t i = 0; i < 18; ++i)
    types += std::string(i ? ", " : "") + ((i + 1) % 6 ? "\"sliding_attention\"" : "\"full_attention\"");
  const Gemma3Config m270 = config_of(
      R"({"_sliding_window_pattern": 6, "architectures": ["Gemma3ForCausalLM"], "attention_bias": false,
          "attention_dropout": 0.0, "attn_logit_softcapping": null, "bos_token_id": 2, "eos_token_id": 1,
          "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
          "hidden_size": 640, "initializer_range": 0.02, "intermediate_size": 2048, "layer_types": [)" +
      types +
      R"(], "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
          "num_hidden_layers": 18, "num_key_value_heads": 1, "pad_token_id": 0, "query_pre_attn_scalar": 256,
          "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0, "rope_scaling": null, "rope_theta": 1000000.0,
          "sliding_window": 512, "torch_dtype": "bfloat16", "transformers_version": "4.55.0.dev0",
          "use_bidirectional_attention": false, "use_cache": true, "vocab_size": 262144})");
  expect_sizes("270M", m270, {262144, 640, 2048, 18, 4, 1, 256, 32768});
  ASSERT_NO_FATAL_FAILURE(expect_every_sixth_full("270M", m270, 18, 512));
  EXPECT_EQ(m270.rope_global.linear_factor, 1.0);
  const Gemma3Config m1b = config_of(
      R"({"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_size": 1152,
          "vocab_size": 262144, "num_hidden_layers": 26, "num_attention_heads": 4, "num_key_value_heads": 1,
          "head_dim": 256, "intermediate_size": 6912, "sliding_window_pattern": 6, "rope_local_base_freq": 10000.0,
          "rope_theta": 1000000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 512,
          "max_position_embeddings": 32768, "query_pre_attn_scalar": 256})");
  ASSERT_NO_FATAL_FAILURE(expect_every_sixth_full("1B", m1b, 26, 512));
  expect_rope("1B", m1b, 1e6, 8.0, 1e4, 1.0);
  const Gemma3Config v5 = config_of(
      R"({"model_type": "gemma3_text", "num_hidden_layers": 6, "sliding_window": 1024, "rope_theta": 1000000.0,
          "rope_local_base_freq": 10000.0, "rope_parameters": {"full_attention": {"factor": 8.0, "rope_type": "linear"},
          "sliding_attention": {"rope_type": "default"}}})");
  expect_rope("transformers 5", v5, 1e6, 8.0, 1e4, 1.0);
  EXPECT_EQ(v5.layer_windows, (std::vector<size_t>{1024, 1024, 1024, 1024, 1024, 0}));
  // A loader takes the 270M's shapes (its weights as q8: ~0.3 GB), within the weight budget.
  std::unique_ptr<ModelLoader> loader;
  const Status s = ModelLoader::create(R"({"architectures": ["Gemma3ForCausalLM"], "hidden_size": 640,
      "vocab_size": 262144, "num_hidden_layers": 18, "num_attention_heads": 4, "num_key_value_heads": 1,
      "intermediate_size": 2048, "max_position_embeddings": 32768, "sliding_window": 512})",
                                       WeightType::kQ8, nullptr, &loader);
  EXPECT_TRUE(s.ok()) << s.message();
}

// Configs qkv cannot run exactly are refused with the key named.
TEST(Gemma3Checkpoint, BadConfigsAreNamed) {
  const std::string& base = base_config();
  auto with = [&](const std::string& key, const std::string& value) { return with_key(base, key, value); };
  using C = StatusCode;
  const ConfigCase cases[] = {
      {with("layer_types", R"(["sliding_attention", "full_attention"])"), C::kFormat,
       "layer_types must be a list of num_hidden_layers (6) strings, found 2 entries"},
      {with("layer_types", "\"sliding_attention\""), C::kFormat, "layer_types must be a list"},
      {with("layer_types", R"(["sliding_attention", "sliding_attention", "sliding_attention", )"
                           R"("sliding_attention", "sliding_attention", 7])"),
       C::kFormat, "layer_types[5] must be a string, found 7"},
      {with("layer_types", R"(["sliding_attention", "sliding_attention", "sliding_attention", )"
                           R"("sliding_attention", "chunked_attention", "full_attention"])"),
       C::kUnsupported, "layer_types[4] \"chunked_attention\""},
      {with("sliding_window", "null"), C::kFormat,
       "sliding_window is null but layer 0 is a \"sliding_attention\" layer"},
      {with("sliding_window", "0"), C::kFormat, "sliding_window must be a positive integer"},
      {with_key(with("layer_types", ""), "sliding_window_pattern", "0"), C::kFormat,
       "sliding_window_pattern must be a positive integer"},
      {with("attn_logit_softcapping", "50.0"), C::kUnsupported, "attn_logit_softcapping"},
      {with("final_logit_softcapping", "-1"), C::kFormat,
       "final_logit_softcapping must be a positive number"},
      {with("hidden_activation", "\"gelu\""), C::kUnsupported, "hidden_activation \"gelu\""},
      {with("use_bidirectional_attention", "\"yes\""), C::kFormat, "use_bidirectional_attention"},
      {with("rope_scaling", R"({"rope_type": "yarn", "factor": 4.0})"), C::kUnsupported,
       "rope_scaling.rope_type \"yarn\""},
      {with("rope_scaling", R"({"rope_type": "linear"})"), C::kFormat, "rope_scaling.factor is missing"},
      {with("rope_scaling", R"({"rope_type": "linear", "factor": 0})"), C::kFormat,
       "rope_scaling.factor must be a positive number, found 0"},
      {with("rope_scaling", "8"), C::kFormat, "rope_scaling must be an object or null, found 8"},
      {with("rope_parameters", R"({"rope_type": "default"})"), C::kFormat,
       "rope_parameters must hold the \"full_attention\" and \"sliding_attention\""},
      {with("rope_parameters", R"({"sliding_attention": {"rope_type": "dynamic", "factor": 2.0}})"),
       C::kUnsupported, "rope_parameters.sliding_attention.rope_type \"dynamic\""},
      {with("rope_local_base_freq", "-5"), C::kFormat, "rope_local_base_freq must be a positive number"},
      {with("query_pre_attn_scalar", "0"), C::kFormat, "query_pre_attn_scalar must be a positive number"},
      {with("head_dim", "18"), C::kUnsupported, "head size 18"},
      {with("head_dim", "512"), C::kUnsupported, "head size 512"},
      {with("num_key_value_heads", "3"), C::kFormat, "num_key_value_heads 3 does not divide"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
}

}  // namespace
}  // namespace qkv
