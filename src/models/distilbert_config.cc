// DistilBertConfig (transformers models/distilbert/configuration_distilbert.py)
// read into BertConfig: the same post-LN encoder under other key names (dim,
// n_layers, n_heads, hidden_dim, activation), every LayerNorm at eps 1e-12
// (hard-coded in modeling_distilbert.py), positions from 0, no token types.
#include "models/bert.h"
#include "models/config_checks.h"

namespace qkv {

Status BertConfig::from_distilbert_config(const ConfigReader& config, BertConfig* out) {
  BertConfig c;
  c.distilbert = true;
  c.checkpoint_prefix = "distilbert.";
  c.n_token_types = 0;
  c.layer_norm_eps = 1e-12f;
  // DistilBertConfig's defaults (distilbert-base-uncased's shape).
  QKV_RETURN_IF_ERROR(config.positive_int_or("vocab_size", 30522, &c.n_vocab));
  QKV_RETURN_IF_ERROR(config.positive_int_or("dim", 768, &c.n_embd));
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_layers", 6, &c.n_layer, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("n_heads", 12, &c.n_head));
  QKV_RETURN_IF_ERROR(config.positive_int_or("hidden_dim", 4 * 768, &c.n_ff));
  QKV_RETURN_IF_ERROR(config.positive_int_or("max_position_embeddings", 512, &c.n_ctx));
  QKV_RETURN_IF_ERROR(read_gelu(config, "activation", "DistilBERT", &c.gelu_tanh));
  size_t head_dim = 0;
  QKV_RETURN_IF_ERROR(head_dim_of(config, "dim", c.n_embd, "n_heads", c.n_head, &head_dim));
  QKV_RETURN_IF_ERROR(read_classifier(config, &c));
  QKV_RETURN_IF_ERROR(read_masked_lm(config, &c));
  *out = c;
  return Status::ok_status();
}

}  // namespace qkv
