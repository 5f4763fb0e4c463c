// Which weight type each weight matrix of a model is held in: the one place
// where the rule lives (the loader asks it per matrix, JS and the docs
// describe it).
//
// The dtype a load asks for (`matrices`) applies to every weight matrix,
// except:
//   - 'q4' keeps the token embedding and the LM head (tied or not) in q8:
//     they are the matrices 4-bit weights hurt most (with them in q4 too,
//     PyTorch's top token is kept on 13 of GPT-2's fixture's 23 positions
//     instead of 14, 7 of LLaMA's 19 instead of 10, and 42 of Qwen3's 88
//     instead of 45: tests/cpp/q4_accuracy_test.cc). A
//     GGUF tensor already in a 4-bit type that q4 holds exactly (Q4_0, Q4_1,
//     Q4_K) stays q4 there (Q4_K as q4k, below): q8 could only add a rounding.
//   - `embedding` / `lm_head`, when given, override the type of those roles
//     whatever `matrices` is (a tied matrix plays both: give one, or both
//     the same).
//   - No dtype ('auto'): the checkpoint's. Safetensors: its first weight
//     matrix's (f32 stays f32, f16/bf16 become f16). GGUF: each matrix its
//     own ggml type's nearest qkv type (Q4_0, Q4_1 -> q4; Q4_K -> q4k; Q8_0,
//     Q5_0 -> q8h; Q5_1 -> q8; Q5_K -> q8k; Q6_K -> q6k; F32 -> f32; F16,
//     BF16 -> f16), so
//     a file mixing types (Q4_K_M: Q4_K and Q6_K) keeps each one as close as
//     qkv can. Under 'q4' or 'q8' too, Q5_K stays q8k and Q6_K q6k (exact);
//     under 'q4', Q4_K is q4k. (q4k holds what q4 would, at Q4_K's size:
//     the model's dtype is still 'q4', its Q4_K matrices' held type 'q4k'.)
//     Likewise a Q8_0, Q5_0 or Q4_0 matrix that q8 would hold (by default or
//     under 'q8'; a Q4_0 one under 'q8') is q8h: q8's values with the
//     file's f16 scales, at Q8_0's size.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/tensor_entry.h"
#include "kernels/gemm/packed_layout.h"
#include "models/tensor_slot.h"

namespace qkv {

struct WeightChoice {
  std::optional<WeightType> matrices;   // empty: 'auto', the checkpoint's
  std::optional<WeightType> embedding;  // the token embedding, overriding the rule above
  std::optional<WeightType> lm_head;    // the LM head (a tied one too)
};

// A choice whose role overrides contradict each other for a model whose
// embedding is its LM head (one matrix, one type) is an invalid_argument.
Status check_weight_choice(const WeightChoice& choice, const std::vector<TensorSlot>& slots);

// True for the ggml types q4 holds exactly (runtime/exact_repack.h).
bool exact_in_q4(TensorDType source);
// The ggml types q8k holds exactly (runtime/exact_repack.h): Q5_K, Q6_K.
bool exact_in_q8k(TensorDType source);
// The ggml types q6k holds exactly: Q6_K.
bool exact_in_q6k(TensorDType source);
// The ggml types q4k holds exactly: Q4_K.
bool exact_in_q4k(TensorDType source);
// The ggml types q8h holds exactly: Q8_0, Q5_0, Q4_0.
bool exact_in_q8h(TensorDType source);

// The type a weight matrix of `role` is held in, its checkpoint tensor being
// `source`; `checkpoint`: what 'auto' resolved to for the whole checkpoint
// (used when choice.matrices is empty and `source` is no ggml block type).
WeightType matrix_weight_type(const WeightChoice& choice, WeightType checkpoint, TensorSlot::Role role,
                              TensorDType source);

}  // namespace qkv
