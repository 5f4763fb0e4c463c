#include "runtime/weight_policy.h"

#include "runtime/exact_repack.h"

namespace qkv {
namespace {

bool is_block_type(TensorDType d) { return d >= TensorDType::kQ8_0 && d <= TensorDType::kQ6_K; }

// A role's override, if the caller gave one.
std::optional<WeightType> role_override(const WeightChoice& c, TensorSlot::Role role) {
  switch (role) {
    case TensorSlot::Role::kEmbedding:
      return c.embedding;
    case TensorSlot::Role::kLmHead:
      return c.lm_head;
    case TensorSlot::Role::kTiedEmbedding:
      return c.lm_head ? c.lm_head : c.embedding;  // equal when both are given (check_weight_choice)
    case TensorSlot::Role::kLayer:
      break;
  }
  return std::nullopt;
}

}  // namespace

Status check_weight_choice(const WeightChoice& choice, const std::vector<TensorSlot>& slots) {
  if (!choice.embedding || !choice.lm_head || *choice.embedding == *choice.lm_head)
    return Status::ok_status();
  for (const TensorSlot& s : slots) {
    if (s.role == TensorSlot::Role::kTiedEmbedding) {
      return Status::invalid_argument(std::string("the model's token embedding is also its LM head (\"") +
                                      s.name + "\", one matrix): embedding dtype '" +
                                      weight_type_name(*choice.embedding) + "' and LM head dtype '" +
                                      weight_type_name(*choice.lm_head) +
                                      "' cannot both apply; give one of them");
    }
  }
  return Status::ok_status();
}

bool exact_in_q4(TensorDType source) { return exact_repack(source, WeightType::kQ4) != nullptr; }

bool exact_in_q8k(TensorDType source) { return exact_repack(source, WeightType::kQ8K) != nullptr; }

bool exact_in_q6k(TensorDType source) { return exact_repack(source, WeightType::kQ6K) != nullptr; }

bool exact_in_q4k(TensorDType source) { return exact_repack(source, WeightType::kQ4K) != nullptr; }

bool exact_in_q8h(TensorDType source) { return exact_repack(source, WeightType::kQ8H) != nullptr; }

WeightType matrix_weight_type(const WeightChoice& choice, WeightType checkpoint, TensorSlot::Role role,
                              TensorDType source) {
  if (const std::optional<WeightType> forced = role_override(choice, role)) return *forced;
  WeightType type = checkpoint;
  if (choice.matrices) {
    type = *choice.matrices;
  } else if (is_block_type(source)) {
    type = exact_in_q4(source) ? WeightType::kQ4 : WeightType::kQ8;
  }
  if (type == WeightType::kQ4 && role != TensorSlot::Role::kLayer && !exact_in_q4(source))
    type = WeightType::kQ8;
  // Q5_K and Q6_K matrices of a quantized model keep ggml's values instead of
  // being requantized (in a Q4_K_M file, the Q6_K ones included: q4 would
  // lose their sixth and fifth bits): Q6_K as q6k, at Q6_K's size, Q5_K as
  // q8k, at q8's.
  // Q4_K matrices that q4 would hold are held as q4k: the same values, bit for
  // bit, at Q4_K's size instead of q4's 1.33 times it.
  if (type == WeightType::kQ4 && exact_in_q4k(source)) return WeightType::kQ4K;
  if (type == WeightType::kQ8 || type == WeightType::kQ4) {
    if (exact_in_q6k(source)) return WeightType::kQ6K;
    if (exact_in_q8k(source)) return WeightType::kQ8K;
  }
  // Q8_0 (and Q5_0, Q4_0) matrices that q8 would hold are held as q8h: the
  // same values, bit for bit, with Q8_0's f16 scales, at Q8_0's size
  // instead of q8's 1.06 times it.
  if (type == WeightType::kQ8 && exact_in_q8h(source)) return WeightType::kQ8H;
  return type;
}

}  // namespace qkv
