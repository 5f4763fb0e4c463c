// How an architecture tells the loader which checkpoint tensors it needs and
// where each one goes: the loader checks names and shapes, converts the
// checkpoint's dtype and fills the destination.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "models/weights.h"

namespace qkv {

struct TensorSlot {
  enum class Kind {
    kLinearNK,  // nn.Linear weight [out, in] -> PackedWeights
    kLinearKN,  // Conv1D weight [in, out] (GPT-2) -> PackedWeights
    kF32,       // anything else (norm gains, biases, position tables): f32
  };
  std::string name;           // without the architecture's optional prefix
  std::vector<size_t> shape;  // as stored in the checkpoint
  Kind kind = Kind::kF32;
  Linear* linear = nullptr;     // kLinear*: filled with the packed weights
  const float** f32 = nullptr;  // kF32: set to the converted data
  // What a weight matrix is to the model, for the loader's choice of its
  // weight type (runtime/weight_policy.h): the token embedding and the LM
  // head are the matrices 4-bit weights hurt most.
  enum class Role {
    kLayer,          // every other matrix
    kEmbedding,      // the token embedding, read row by row
    kLmHead,         // an LM head of its own
    kTiedEmbedding,  // the token embedding that is also the LM head
  };
  Role role = Role::kLayer;
  // Other names the checkpoint may store the same tensor under (a table
  // tied to others, saved once under any of its names, or under several,
  // all equal): the first one found fills the slot, the rest are skipped.
  std::vector<std::string> aliases = {};
};

// An nn.Linear named `name`: its weight [n_out, n_in] packed into `layer`
// and, with `bias`, its bias [n_out] into layer->bias.
inline void add_linear_slots(std::vector<TensorSlot>* slots, const std::string& name, size_t n_out,
                             size_t n_in, Linear* layer, bool bias) {
  slots->push_back({name + ".weight", {n_out, n_in}, TensorSlot::Kind::kLinearNK, layer, nullptr});
  if (bias) slots->push_back({name + ".bias", {n_out}, TensorSlot::Kind::kF32, nullptr, &layer->bias});
}

// The token embedding `name` [n_vocab, n_embd], gathered row by row from `table`.
inline void add_embedding_slot(std::vector<TensorSlot>* slots, const std::string& name, size_t n_vocab,
                               size_t n_embd, Linear* table,
                               TensorSlot::Role role = TensorSlot::Role::kEmbedding) {
  slots->push_back({name, {n_vocab, n_embd}, TensorSlot::Kind::kLinearNK, table, nullptr, role});
}

// A LayerNorm named `name` over n values: its weight into *gain and, when
// `bias` is not null, its bias into *bias.
inline void add_norm_slots(std::vector<TensorSlot>* slots, const std::string& name, size_t n,
                           const float** gain, const float** bias) {
  slots->push_back({name + ".weight", {n}, TensorSlot::Kind::kF32, nullptr, gain});
  if (bias != nullptr) slots->push_back({name + ".bias", {n}, TensorSlot::Kind::kF32, nullptr, bias});
}

// A plain f32 table `name` [rows, cols] (position or token-type embeddings) into *table.
inline void add_table_slot(std::vector<TensorSlot>* slots, const std::string& name, size_t rows, size_t cols,
                           const float** table) {
  slots->push_back({name, {rows, cols}, TensorSlot::Kind::kF32, nullptr, table});
}

}  // namespace qkv
