// The loader's format-neutral seam (ModelLoader::add_tensors): tensor entries
// that any reader produces feed the same slots as a safetensors file, and
// entries that do not describe their bytes are refused by name.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"

namespace qkv {
namespace {

using namespace fixtures;

class LoaderEntries : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = read_file(fixture("gpt2-tiny/model.safetensors"));
    uint64_t header_length = 0;
    ASSERT_TRUE(safetensors_header_length(reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size(), "f",
                                          &header_length)
                    .ok());
    SafetensorsHeader header;
    ASSERT_TRUE(parse_safetensors_header(std::string_view(bytes_).substr(8, header_length), bytes_.size(),
                                         "f", &header)
                    .ok());
    entries_ = header.tensors;
    ASSERT_TRUE(
        ModelLoader::create(read_file(fixture("gpt2-tiny/config.json")), WeightType::kF32, nullptr, &loader_)
            .ok());
  }

  std::string bytes_;
  std::vector<TensorEntry> entries_;
  std::unique_ptr<ModelLoader> loader_;
};

// Entries in reverse file order (as a format with another layout might list
// them) load a model that matches PyTorch as the safetensors path does.
TEST_F(LoaderEntries, EntriesFromAnyReaderLoadTheModel) {
  std::vector<TensorEntry> reversed(entries_.rbegin(), entries_.rend());
  std::vector<TensorRead> reads;
  ASSERT_TRUE(loader_->add_tensors("weights.bin", reversed, &reads).ok());
  ASSERT_TRUE(stream_reads(*loader_, reads, bytes_).ok());
  std::unique_ptr<Model> model;
  const Status s = loader_->finish(&model);
  ASSERT_TRUE(s.ok()) << s.message();
  const Comparison c =
      compare_logits(std::shared_ptr<const Model>(std::move(model)), read_reference("gpt2-tiny"));
  EXPECT_GT(c.positions, 0u);
  EXPECT_LE(c.max_abs, 1e-4);
}

TEST_F(LoaderEntries, AnEntryWhoseBytesDoNotMatchItsShapeIsRefused) {
  for (TensorEntry& e : entries_) {
    if (e.name.find("ln_f.weight") != std::string::npos) e.end -= 2;
  }
  std::vector<TensorRead> reads;
  const Status s = loader_->add_tensors("weights.bin", entries_, &reads);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("ln_f.weight\" spans"), std::string::npos) << s.message();
  EXPECT_TRUE(reads.empty());
}

TEST_F(LoaderEntries, AMissingEntryIsNamedAtFinish) {
  std::vector<TensorEntry> partial;
  for (const TensorEntry& e : entries_) {
    if (e.name.find("ln_f.bias") == std::string::npos) partial.push_back(e);
  }
  std::vector<TensorRead> reads;
  ASSERT_TRUE(loader_->add_tensors("weights.bin", partial, &reads).ok());
  ASSERT_TRUE(stream_reads(*loader_, reads, bytes_).ok());
  std::unique_ptr<Model> model;
  const Status s = loader_->finish(&model);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("ln_f.bias"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace qkv
