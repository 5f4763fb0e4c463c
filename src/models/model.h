// What every model qkv loads is: its dimensions, its weights and the
// checkpoint tensors the loader fills (slots). What a model is used for
// comes from the roles it plays, each an interface of its own:
//   - DecoderStack (models/decoder.h): forward over a chunk of tokens that
//     reads and extends a KV cache, ending in the LM head (GPT-2, LLaMA);
//   - EncoderStack (models/encoder.h): hidden states of sequences packed
//     back to back (BERT); heads (models/heads/) turn them into results;
//   - Seq2SeqStack (models/seq2seq.h): an encoder-decoder (T5): encode a
//     source once, then decode target tokens against it step by step. The runners in runtime/ (Session,
// Encoder) drive a role; the bindings ask the model which roles it has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/tensor_slot.h"
#include "models/weights.h"

namespace qkv {

class DecoderStack;
class EncoderStack;
class Seq2SeqStack;
class SequenceClassifier;
class TokenClassifier;
class MaskedLmHead;

// Architectures fill it in this member order (aggregate initialization).
struct ModelDims {
  size_t n_vocab = 0;
  size_t n_ctx = 0;  // positions the model can attend over
  size_t n_embd = 0;
  size_t n_layer = 0;
  size_t n_head = 0;
  size_t n_head_kv = 0;  // == n_head without grouped-query attention
  size_t head_dim = 0;
  size_t n_ff = 0;  // width of the MLP's hidden layer
};

class Model {
 public:
  virtual ~Model() = default;
  const ModelDims& dims() const { return dims_; }
  // Weight bytes held in memory (for inspection and the loader's budget).
  size_t weight_bytes() const { return store_.bytes(); }

  // The roles this model plays; nullptr for a role it does not have.
  virtual const DecoderStack* decoder() const { return nullptr; }
  virtual const EncoderStack* encoder() const { return nullptr; }
  virtual const Seq2SeqStack* seq2seq() const { return nullptr; }
  // Heads on top of the encoder (models/heads/); nullptr when the checkpoint has none.
  virtual const SequenceClassifier* sequence_classifier() const { return nullptr; }
  virtual const TokenClassifier* token_classifier() const { return nullptr; }
  // A *ForQuestionAnswering head: two logits per token, start and end.
  virtual const TokenClassifier* question_answerer() const { return nullptr; }
  virtual const MaskedLmHead* masked_lm() const { return nullptr; }  // a *ForMaskedLM head

  // Loading (runtime/loader): every checkpoint tensor the model needs, named
  // without checkpoint_prefix(), each pointing at where its data goes, and
  // the store that owns the weights.
  virtual std::vector<TensorSlot> slots() = 0;
  WeightStore& store() { return store_; }
  // What Hub checkpoints may put before every slot name ("transformer." for GPT-2).
  virtual const char* checkpoint_prefix() const = 0;
  // Called by the loader once every slot is filled, before the model is
  // used: an architecture that runs a weight in another form than the
  // checkpoint's (Gemma's norm gains, applied as 1 + w) derives it here.
  virtual Status finish_loading() { return Status::ok_status(); }
  // What a base-model checkpoint of the architecture leaves out of every
  // tensor name ("model." for Qwen3Model beside Qwen3ForCausalLM); "" when
  // names must match the slots.
  virtual const char* base_model_prefix() const { return ""; }
  // The loader found the weights named as in a base-model checkpoint: a
  // decoder saved for embeddings (Qwen3-Embedding), which then also plays
  // the encoder role; `headless`: without the LM head its config asks for
  // (no decoder role then).
  void mark_base_checkpoint(bool headless) {
    base_checkpoint_ = true;
    headless_ = headless;
  }

 protected:
  ModelDims dims_;     // set by each architecture's constructor
  WeightStore store_;  // owns every packed weight
  bool base_checkpoint_ = false;
  bool headless_ = false;
};

// What a model can be asked to do, by the names the JS API uses
// ("generate", "encode"), derived from its roles.
std::vector<std::string> capabilities_of(const Model& model);

// Why the decoder and encoder runners refuse an encoder-decoder (T5): it runs
// through runtime/Seq2SeqSession (capability "text2text") instead.
std::string seq2seq_not_runnable(const std::string& architecture);

}  // namespace qkv
