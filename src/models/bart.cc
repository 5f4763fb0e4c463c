// BartModel: construction, the checkpoint's tensors and the embeddings with
// each variant's positions. The forward passes are in bart_forward.cc.
#include "models/bart.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "kernels/f32-add/add.h"
#include "kernels/f32-layernorm/layernorm.h"

namespace qkv {
namespace {

// MarianSinusoidalPositionalEmbedding._init_weight: numpy in float64,
// angle(pos, j) = pos / 10000 ** (2 * (j // 2) / dim); the sines of the even
// j fill the first half (dim // 2 columns, one more when dim is odd), the
// cosines of the odd j the rest; rounded to float32 at the end.
std::vector<float> marian_sinusoids(size_t rows, size_t dim) {
  std::vector<float> t(rows * dim);
  const size_t sentinel = dim / 2 + dim % 2;
  for (size_t pos = 0; pos < rows; ++pos) {
    for (size_t j = 0; j < dim; ++j) {
      const double angle = static_cast<double>(pos) /
                           std::pow(10000.0, 2.0 * static_cast<double>(j / 2) / static_cast<double>(dim));
      const size_t col = j % 2 == 0 ? j / 2 : sentinel + j / 2;
      t[pos * dim + col] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return t;
}

// M2M100SinusoidalPositionalEmbedding.get_embedding: torch in float32,
// freq_i = exp(i * -(log(10000) / (half - 1))), [sin(pos * freq) | cos(pos *
// freq)] (a zero column more when dim is odd). Only positions padding_idx +
// 1 .. padding_idx + positions are ever read (and padding_idx's zero row):
// row k holds position padding_idx + k, row 0 the zeros.
std::vector<float> m2m100_sinusoids(size_t positions, size_t dim, size_t padding_idx) {
  std::vector<float> t((positions + 1) * dim, 0.0f);
  const size_t half = dim / 2;
  const float step = static_cast<float>(-(std::log(10000.0) / static_cast<double>(half - 1)));
  for (size_t k = 1; k <= positions; ++k) {
    const float pos = static_cast<float>(padding_idx + k);
    for (size_t i = 0; i < half; ++i) {
      const float angle = pos * std::exp(static_cast<float>(i) * step);
      t[k * dim + i] = std::sin(angle);
      t[k * dim + half + i] = std::cos(angle);
    }
  }
  return t;
}

}  // namespace

BartModel::BartModel(const BartConfig& c) : config_(c) {
  encoder_.layers.resize(c.n_encoder_layers);
  encoder_.n_head = c.n_encoder_heads;
  encoder_.ffn = c.encoder_ffn;
  decoder_.layers.resize(c.n_decoder_layers);
  decoder_.n_head = c.n_decoder_heads;
  decoder_.ffn = c.decoder_ffn;
  // math.sqrt(d_model) in Python, multiplied in float32.
  embed_scale_ = c.scale_embedding ? static_cast<float>(std::sqrt(static_cast<double>(c.d_model))) : 1.0f;
  if (c.variant == BartVariant::kMarian) sinusoids_ = marian_sinusoids(c.max_positions, c.d_model);
  if (c.variant == BartVariant::kM2M100) {
    sinusoids_ = m2m100_sinusoids(c.max_positions, c.d_model, static_cast<size_t>(c.pad_token_id));
  }
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff (the encoder's layers and heads)
  dims_ = {c.n_decoder_vocab,
           c.max_positions,
           c.d_model,
           c.n_encoder_layers,
           c.n_encoder_heads,
           c.n_encoder_heads,
           c.d_model / c.n_encoder_heads,
           c.encoder_ffn};
}

void BartModel::add_stack_slots(std::vector<TensorSlot>* s, const std::string& name, bool decoder,
                                BartStack* stack) {
  const size_t e = config_.d_model;
  auto attention = [&](const std::string& p, BartAttention* a) {
    add_linear_slots(s, p + "q_proj", e, e, &a->q, true);
    add_linear_slots(s, p + "k_proj", e, e, &a->k, true);
    add_linear_slots(s, p + "v_proj", e, e, &a->v, true);
    add_linear_slots(s, p + "out_proj", e, e, &a->out, true);
  };
  if (config_.variant == BartVariant::kBart) {
    // BartLearnedPositionalEmbedding: max_position_embeddings + 2 rows, read from row 2.
    add_table_slot(s, name + ".embed_positions.weight", config_.max_positions + 2, e, &stack->positions);
    add_norm_slots(s, name + ".layernorm_embedding", e, &stack->embedding_norm_g, &stack->embedding_norm_b);
  }
  for (size_t i = 0; i < stack->layers.size(); ++i) {
    BartLayer& l = stack->layers[i];
    const std::string p = name + ".layers." + std::to_string(i) + ".";
    attention(p + "self_attn.", &l.self);
    add_norm_slots(s, p + "self_attn_layer_norm", e, &l.self.norm_g, &l.self.norm_b);
    if (decoder) {
      attention(p + "encoder_attn.", &l.cross);
      add_norm_slots(s, p + "encoder_attn_layer_norm", e, &l.cross.norm_g, &l.cross.norm_b);
    }
    add_linear_slots(s, p + "fc1", stack->ffn, e, &l.fc1, true);
    add_linear_slots(s, p + "fc2", e, stack->ffn, &l.fc2, true);
    add_norm_slots(s, p + "final_layer_norm", e, &l.final_norm_g, &l.final_norm_b);
  }
  if (config_.variant == BartVariant::kM2M100) {
    add_norm_slots(s, name + ".layer_norm", e, &stack->final_norm_g, &stack->final_norm_b);
  }
}

std::vector<TensorSlot> BartModel::slots() {
  const BartConfig& c = config_;
  const TensorSlot::Role table_role =
      c.tie_word_embeddings ? TensorSlot::Role::kTiedEmbedding : TensorSlot::Role::kEmbedding;
  std::vector<TensorSlot> s;
  // Checkpoints store a tied table under one of its names only (safetensors
  // keeps one of the tensors that share memory: facebook/bart-large-cnn keeps
  // model.decoder.embed_tokens.weight), or under several, all equal.
  std::vector<std::string> head_alias;
  if (c.tie_word_embeddings) head_alias.push_back("lm_head.weight");
  if (c.shared_embeddings) {
    add_embedding_slot(&s, "model.shared.weight", c.n_vocab, c.d_model, &encoder_embed_, table_role);
    s.back().aliases = {"model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"};
    s.back().aliases.insert(s.back().aliases.end(), head_alias.begin(), head_alias.end());
  } else {
    add_embedding_slot(&s, "model.encoder.embed_tokens.weight", c.n_vocab, c.d_model, &encoder_embed_);
    add_embedding_slot(&s, "model.decoder.embed_tokens.weight", c.n_decoder_vocab, c.d_model, &decoder_embed_,
                       table_role);
    s.back().aliases = head_alias;
  }
  // Marian's embed_positions.weight, when a checkpoint holds it, is the static
  // sinusoid table: not a slot, so the loader skips it.
  add_stack_slots(&s, "model.encoder", false, &encoder_);
  add_stack_slots(&s, "model.decoder", true, &decoder_);
  if (!c.tie_word_embeddings) {
    s.push_back({"lm_head.weight",
                 {c.n_decoder_vocab, c.d_model},
                 TensorSlot::Kind::kLinearNK,
                 &lm_head_,
                 nullptr,
                 TensorSlot::Role::kLmHead});
  }
  if (c.variant != BartVariant::kM2M100) {
    s.push_back(
        {"final_logits_bias", {1, c.n_decoder_vocab}, TensorSlot::Kind::kF32, nullptr, &final_logits_bias_});
  }
  return s;
}

Status BartModel::finish_loading() {
  if (config_.shared_embeddings) decoder_embed_ = encoder_embed_;
  if (config_.tie_word_embeddings) lm_head_ = decoder_embed_;
  lm_head_.bias = final_logits_bias_;  // lm_head(x) + final_logits_bias
  return Status::ok_status();
}

KvCacheConfig BartModel::self_cache_config() const {
  KvCacheConfig kv;
  kv.n_layer = config_.n_decoder_layers;
  kv.n_head_kv = config_.n_decoder_heads;
  kv.head_dim = config_.d_model / config_.n_decoder_heads;
  kv.max_positions = config_.max_positions;
  return kv;
}

Status BartModel::check_ids(const char* what, const int32_t* ids, size_t n, size_t vocab) const {
  if (ids == nullptr || n == 0) return Status::invalid_argument(std::string(what) + ": no tokens");
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= vocab) {
      return Status::invalid_argument(std::string(what) + ": token id " + std::to_string(ids[i]) + " at " +
                                      std::to_string(i) + " is outside the vocabulary of " +
                                      std::to_string(vocab));
    }
  }
  return Status::ok_status();
}

Status BartModel::embed(ThreadPool* pool, const BartStack& stack, const Linear& table, const int32_t* ids,
                        size_t n, size_t past, float* x) const {
  const size_t e = config_.d_model;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(table.w, ids, n, x));
  if (embed_scale_ != 1.0f) {
    for (size_t i = 0; i < n * e; ++i) x[i] *= embed_scale_;
  }
  size_t counted = 0;  // M2M100: the non-pad tokens so far (create_position_ids_from_input_ids' cumsum)
  for (size_t i = 0; i < n; ++i) {
    const float* row = nullptr;
    switch (config_.variant) {
      case BartVariant::kBart:
        row = stack.positions + (past + i + 2) * e;
        break;
      case BartVariant::kMarian:
        row = sinusoids_.data() + (past + i) * e;
        break;
      case BartVariant::kM2M100:
        counted += ids[i] != config_.pad_token_id;
        // Position pad_token_id + past + counted, the pad's own zero row for a pad.
        row = sinusoids_.data() + (ids[i] == config_.pad_token_id ? 0 : past + counted) * e;
        break;
    }
    f32_add_ukernel__simd(e, x + i * e, row, x + i * e);
  }
  if (stack.embedding_norm_g == nullptr) return Status::ok_status();
  return f32_layernorm_rows(pool, n, e, x, stack.embedding_norm_g, stack.embedding_norm_b, 1e-5f, x);
}

}  // namespace qkv
