// EncodeRequest::rows_read: an encoder asked for some rows of its output
// runs its last layer's steps after attention on those rows alone, and the
// rows read must equal the same rows of a full encode (which the checkpoint
// tests hold against PyTorch), for every encoder family and a packed batch
// whose read rows are not at the front (so the rows really move).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "core/arena.h"
#include "models/encoder.h"

namespace qkv {
namespace {

using namespace fixtures;

class EncoderRowsRead : public ::testing::TestWithParam<const char*> {};

// Runs the model's encoder stack on the packed sequences, all rows or only `rows`.
std::vector<float> encode(const Model& model, const std::vector<int32_t>& ids,
                          const std::vector<size_t>& lengths, const std::vector<size_t>& rows) {
  const EncoderStack* stack = model.encoder();
  Arena scratch;
  EXPECT_TRUE(scratch.reserve(stack->scratch_bytes(ids.size())));
  std::vector<float> hidden(ids.size() * model.dims().n_embd, NAN);
  EncodeRequest r;
  r.ids = ids.data();
  r.lengths = lengths.data();
  r.n_seqs = lengths.size();
  r.hidden = hidden.data();
  if (!rows.empty()) {
    r.rows_read = rows.data();
    r.n_rows_read = rows.size();
  }
  const Status s = stack->encode(nullptr, scratch, r);
  EXPECT_TRUE(s.ok()) << s.message();
  return hidden;
}

TEST_P(EncoderRowsRead, ReadRowsEqualAFullEncode) {
  std::unique_ptr<Model> model;
  const Status s = load_folder(GetParam(), WeightType::kF32, &model);
  ASSERT_TRUE(s.ok()) << s.message();
  const size_t e = model->dims().n_embd;
  const std::vector<size_t> lengths = {5, 9, 3};
  std::vector<int32_t> ids;
  for (size_t t = 0; t < 17; ++t) ids.push_back(static_cast<int32_t>((37 * t + 11) % model->dims().n_vocab));
  const std::vector<float> full = encode(*model, ids, lengths, {});
  // Each sequence's first token (a [CLS] classifier), a middle and the last row (masks).
  for (const std::vector<size_t>& rows :
       {std::vector<size_t>{0, 5, 14}, std::vector<size_t>{3, 7, 16}, std::vector<size_t>{0}}) {
    const std::vector<float> part = encode(*model, ids, lengths, rows);
    for (size_t row : rows) {
      for (size_t i = 0; i < e; ++i) {
        ASSERT_NEAR(part[row * e + i], full[row * e + i], 1e-5f) << "row " << row << ", dim " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, EncoderRowsRead,
                         ::testing::Values("bert-tiny", "roberta-tiny", "distilbert-sst2-tiny",
                                           "modernbert-tiny", "nomic-bert-tiny"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

}  // namespace
}  // namespace qkv
