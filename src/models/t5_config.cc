// T5Config (transformers' models/t5/configuration_t5.py): its defaults, and
// feed_forward_proj split as it does ("gated-gelu" meaning gelu_new).
#include <string>

#include "models/config_checks.h"
#include "models/t5.h"

namespace qkv {
namespace {

Status read_feed_forward(const ConfigReader& config, T5Config* c) {
  std::string proj;
  QKV_RETURN_IF_ERROR(config.string_or("feed_forward_proj", "relu", &proj));
  // act_info = feed_forward_proj.split("-"): "ACT" or "gated-ACT".
  std::string act = proj;
  const size_t dash = proj.find('-');
  if (dash != std::string::npos) {
    if (proj.compare(0, dash, "gated") != 0 || proj.find('-', dash + 1) != std::string::npos) {
      return config.bad(
          "feed_forward_proj",
          "must be \"ACT\" or \"gated-ACT\" (e.g. \"relu\", \"gated-gelu\"), found \"" + proj + "\"");
    }
    c->gated = true;
    act = proj.substr(dash + 1);
  }
  if (proj == "gated-gelu") act = "gelu_new";  // T5Config: "for backwards compatibility"
  // What T5 checkpoints use: relu (v1.0) and gated gelu_new (v1.1, Flan, mT5, ByT5).
  const bool tanh_gelu = act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast";
  if (c->gated ? !tanh_gelu : act != "relu") {
    return Status::unsupported(config.document() + ": feed_forward_proj \"" + proj +
                               "\" (qkv's T5 runs \"relu\" and \"gated-gelu\" / \"gated-gelu_new\")");
  }
  return Status::ok_status();
}

}  // namespace

Status T5Config::from_config(const ConfigReader& config, T5Config* out) {
  T5Config c;
  QKV_RETURN_IF_ERROR(config.positive_int_or("vocab_size", 32128, &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int_or("d_model", 512, &c.d_model));
  QKV_RETURN_IF_ERROR(config.positive_int_or("d_kv", 64, &c.d_kv));
  QKV_RETURN_IF_ERROR(config.positive_int_or("d_ff", 2048, &c.d_ff));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_layers", 6, &c.n_encoder_layers, 1024));
  QKV_RETURN_IF_ERROR(
      config.positive_int_or("num_decoder_layers", c.n_encoder_layers, &c.n_decoder_layers, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("num_heads", 8, &c.n_head, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("relative_attention_num_buckets", 32, &c.num_buckets, 1 << 16));
  QKV_RETURN_IF_ERROR(config.positive_int_or("relative_attention_max_distance", 128, &c.max_distance));
  // Bidirectional buckets split num_buckets in two halves, each with at least
  // one exact bucket (max_exact = num_buckets / 4 >= 1), and the logarithmic
  // bins need max_distance beyond it (else log(max_distance / max_exact) <= 0).
  if (c.num_buckets < 4) {
    return config.bad("relative_attention_num_buckets",
                      "must be at least 4 (two halves of exact and logarithmic buckets), found " +
                          std::to_string(c.num_buckets));
  }
  if (c.max_distance <= c.num_buckets / 2) {
    return config.bad("relative_attention_max_distance", "must exceed relative_attention_num_buckets / 2 = " +
                                                             std::to_string(c.num_buckets / 2) + ", found " +
                                                             std::to_string(c.max_distance));
  }
  double eps = 0;
  QKV_RETURN_IF_ERROR(config.positive_number_or("layer_norm_epsilon", 1e-6, &eps));
  c.layer_norm_epsilon = static_cast<float>(eps);
  QKV_RETURN_IF_ERROR(read_feed_forward(config, &c));
  QKV_RETURN_IF_ERROR(config.bool_or("tie_word_embeddings", true, &c.tie_word_embeddings));
  int32_t pad = 0;
  QKV_RETURN_IF_ERROR(token_id_or(config, "pad_token_id", 0, c.n_vocab, &pad));
  // T5 decodes from the pad token (_shift_right); configs say so with decoder_start_token_id.
  QKV_RETURN_IF_ERROR(
      token_id_or(config, "decoder_start_token_id", pad, c.n_vocab, &c.decoder_start_token_id));
  // Relative positions have no limit; n_positions (old configs) bounds what the decoder's cache holds.
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_positions", 512, &c.max_target_positions, 1 << 20));
  QKV_RETURN_IF_ERROR(check_head_dim(config, c.d_kv));
  bool encoder_decoder = true;
  QKV_RETURN_IF_ERROR(config.bool_or("is_encoder_decoder", true, &encoder_decoder));
  if (!encoder_decoder) {
    return Status::unsupported(config.document() +
                               ": is_encoder_decoder = false (qkv runs T5ForConditionalGeneration only)");
  }
  *out = c;
  return Status::ok_status();
}

}  // namespace qkv
