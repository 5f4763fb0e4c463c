// partial_rotary_factor in LLaMA-family configs, as transformers treats it:
// LlamaForCausalLM, Qwen2, Mistral, Qwen3 and SmolLM3 rotate every dim of a
// head (apply_rotary_pos_emb), their default rotary embeddings take the
// frequencies over the whole head whatever the factor (transformers >= 5),
// and only rope_type "llama3" computes them over int(head_dim * factor)
// dims. Checked against the PyTorch references of tests/fixtures (computed
// without the key, over the whole head): where the factor is ignored or
// keeps the whole head, the logits are those; any other llama3 factor is
// refused by name, as are values that are not numbers.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "checkpoint_fixtures.h"

namespace qkv {
namespace {

using namespace fixtures;

// `folder`'s weights under `config` give its PyTorch logits.
void expect_reference_logits(const char* folder, const std::string& config) {
  std::unique_ptr<Model> loaded;
  const Status s = load_folder(folder, WeightType::kF32, &loaded, config);
  ASSERT_TRUE(s.ok()) << s.message();
  expect_f32_logits_match(std::shared_ptr<const Model>(std::move(loaded)), folder, 19u);
}

TEST(LlamaRotaryFactor, TheDefaultRotaryEmbeddingsIgnoreIt) {
  for (const char* folder :
       {"llama-tiny", "qwen2-tiny", "mistral-window-tiny", "qwen3-tiny", "smollm3-tiny"}) {
    SCOPED_TRACE(folder);
    const std::string config = read_file(fixture(std::string(folder) + "/config.json"));
    ASSERT_EQ(config.find("partial_rotary_factor"), std::string::npos);
    expect_reference_logits(folder, with_key(config, "partial_rotary_factor", "0.5"));
  }
  // In rope_parameters (transformers >= 5), of type "default" or without a type.
  const std::string llama = read_file(fixture("llama-tiny/config.json"));
  for (const char* parameters : {R"({"rope_type": "default", "partial_rotary_factor": 0.25})",
                                 R"({"rope_theta": 10000.0, "partial_rotary_factor": 0.5})"}) {
    SCOPED_TRACE(parameters);
    expect_reference_logits("llama-tiny",
                            with_key(with_key(llama, "rope_scaling", ""), "rope_parameters", parameters));
  }
}

// llama3-tiny's rope_scaling (head_dim 16), with `extra` members.
std::string llama3_scaling(const std::string& extra) {
  return R"({"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0, )"
         R"("original_max_position_embeddings": 64, "rope_type": "llama3")" +
         extra + "}";
}

TEST(LlamaRotaryFactor, Llama3RunsTheFactorsThatKeepTheWholeHead) {
  const std::string base = read_file(fixture("llama3-tiny/config.json"));
  ASSERT_NE(base.find("\"original_max_position_embeddings\": 64"), std::string::npos);
  // int(16 * 1.0) = int(16 * 1.05) = 16: the frequencies of the reference.
  expect_reference_logits("llama3-tiny", with_key(base, "partial_rotary_factor", "1.0"));
  expect_reference_logits(
      "llama3-tiny", with_key(base, "rope_scaling", llama3_scaling(R"(, "partial_rotary_factor": 1.05)")));
  // The object's own factor wins over the top-level one (the top-level key
  // goes in first: with_key edits the first occurrence).
  expect_reference_logits("llama3-tiny",
                          with_key(with_key(base, "partial_rotary_factor", "0.5"), "rope_scaling",
                                   llama3_scaling(R"(, "partial_rotary_factor": 1)")));
}

TEST(LlamaRotaryFactor, Llama3RefusesTheOthersByName) {
  const std::string base = read_file(fixture("llama3-tiny/config.json"));
  auto top = [&](const std::string& value) { return with_key(base, "partial_rotary_factor", value); };
  auto member = [&](const std::string& config, const std::string& value) {
    return with_key(config, "rope_scaling", llama3_scaling(R"(, "partial_rotary_factor": )" + value));
  };
  using C = StatusCode;
  const ConfigCase cases[] = {
      // 4 frequencies over 8 dims: cos / sin 8 wide for a 16-dim head.
      {top("0.5"), C::kUnsupported, "partial_rotary_factor 0.5 with rope_scaling of type \"llama3\""},
      {top("0"), C::kUnsupported, "partial_rotary_factor 0.0 with rope_scaling of type \"llama3\""},
      {top("-1"), C::kUnsupported, "partial_rotary_factor -1 with"},
      {top("2.0"), C::kUnsupported, "partial_rotary_factor 2 with"},
      // int(16 * 0.95) = 15: 8 frequencies over an odd width.
      {top("0.95"), C::kUnsupported, "partial_rotary_factor 0.95 with"},
      {member(base, "0.5"), C::kUnsupported, "rope_scaling.partial_rotary_factor 0.5 with"},
      {member(top("1.0"), "0.5"), C::kUnsupported, "rope_scaling.partial_rotary_factor 0.5 with"},
      {top("\"0.5\""), C::kFormat, "partial_rotary_factor must be a number, found \"0.5\""},
      {top("true"), C::kFormat, "partial_rotary_factor must be a number, found true"},
      {member(base, "[1]"), C::kFormat, "rope_scaling.partial_rotary_factor must be a number"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
  // The message says why.
  std::unique_ptr<ModelLoader> loader;
  const Status s = ModelLoader::create(top("0.5"), WeightType::kF32, nullptr, &loader);
  EXPECT_NE(s.message().find("LlamaForCausalLM rotates all 16 dims of a head"), std::string::npos)
      << s.message();
}

// A GGUF's rope_freqs.weight (the key qkv's GGUF loader sets) divides the
// frequencies itself: with rope_scaling llama3 too, they would be divided twice.
TEST(LlamaRotaryFactor, RopeFreqsTensorExcludesRopeScaling) {
  const std::string base = read_file(fixture("llama3-tiny/config.json"));
  using C = StatusCode;
  const ConfigCase cases[] = {
      {with_key(base, "rope_freqs_tensor", "true"), C::kUnsupported,
       "rope_freqs_tensor with rope_scaling of type \"llama3\""},
      {with_key(base, "rope_freqs_tensor", "1"), C::kFormat, "rope_freqs_tensor"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
}

}  // namespace
}  // namespace qkv
