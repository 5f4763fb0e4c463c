// nomic-bert through ModelLoader on tests/fixtures/nomic-bert-tiny
// (gen_nomic_bert.py): last hidden states against PyTorch on one thread and
// three, and NomicBertConfig's refusals.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "core/thread_pool.h"
#include "models/nomic_bert.h"
#include "runtime/encoder.h"

namespace qkv {
namespace {

using namespace fixtures;

TEST(NomicBertCheckpoint, HiddenStatesMatchPyTorchOnOneAndThreeThreads) {
  constexpr const char* kFolder = "nomic-bert-tiny";
  JsonValue ref;
  ASSERT_TRUE(
      parse_json(read_file(fixture(std::string(kFolder) + "/reference.json")), "reference.json", &ref).ok());
  std::unique_ptr<Model> loaded;
  const Status s = load_folder(kFolder, WeightType::kF32, &loaded);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::shared_ptr<const Model> model = std::move(loaded);
  EXPECT_EQ(model->dims().n_vocab, 30528u);  // padded to pad_vocab_size_multiple
  EXPECT_EQ(model->dims().n_ff, 256u);       // n_inner 200 rounded up to 256
  ThreadPool pool(3);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    std::unique_ptr<Encoder> encoder;
    ASSERT_TRUE(Encoder::create(model, kFolder, p, &encoder).ok());
    const JsonValue& inputs = *ref.find("inputs");
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::vector<int32_t> ids = ints_of(*inputs.at(i).find("ids"));
      const std::vector<size_t> lengths = {ids.size()};
      EncoderInput in;
      in.ids = ids.data();
      in.n_ids = ids.size();
      in.lengths = lengths.data();
      in.n_seqs = 1;
      std::vector<float> hidden;
      ASSERT_TRUE(encoder->encode(in, &hidden).ok());
      EXPECT_LE(max_rows_error(hidden.data(), *inputs.at(i).find("last_hidden_state")), 1e-4) << i;
    }
  }
}

TEST(NomicBertConfig, DefaultsAndRefusals) {
  const auto c = parse_config<NomicBertConfig>(
      R"({"model_type": "nomic_bert", "activation_function": "swiglu", "rotary_emb_fraction": 1.0,
          "n_inner": 3072, "vocab_size": 30522, "pad_vocab_size_multiple": 64})");
  EXPECT_EQ(c.n_vocab, 30528u);
  EXPECT_EQ(c.n_embd, 768u);
  EXPECT_EQ(c.n_ff, 3072u);
  EXPECT_EQ(c.n_rot, 64u);
  EXPECT_EQ(c.n_token_types, 2u);
  EXPECT_EQ(c.rope_theta, 10000.0);
  EXPECT_TRUE(c.qkv_bias && c.fc1_bias && c.fc2_bias);
  // n_inner null: int(8 * 768 / 3) = 2048, already a multiple of 256.
  EXPECT_EQ(
      parse_config<NomicBertConfig>(
          R"({"model_type": "nomic_bert", "activation_function": "swiglu", "rotary_emb_fraction": 1.0})")
          .n_ff,
      2048u);
  const std::string base = R"({"model_type": "nomic_bert", "n_layer": 2, )";
  expect_refused(base + R"("activation_function": "swiglu"})", StatusCode::kUnsupported,
                 "rotary_emb_fraction must give an even number of rotary dims");
  expect_refused(base + R"("rotary_emb_fraction": 1.0})", StatusCode::kUnsupported,
                 "activation_function \"gelu_new\" (qkv's nomic-bert runs \"swiglu\")");
  const std::string ok = base + R"("activation_function": "swiglu", "rotary_emb_fraction": 1.0, )";
  expect_refused(ok + R"("rotary_scaling_factor": 2})", StatusCode::kUnsupported, "rotary_scaling_factor 2");
  expect_refused(ok + R"("prenorm": true})", StatusCode::kUnsupported, "prenorm true");
  expect_refused(ok + R"("moe_every_n_layers": 2})", StatusCode::kUnsupported, "moe_every_n_layers");
  expect_refused(ok + R"("num_heads_kv": 4})", StatusCode::kUnsupported, "num_heads_kv 4");
}

}  // namespace
}  // namespace qkv
