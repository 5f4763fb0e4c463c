// BartConfig, MarianConfig and M2M100Config (transformers'
// configuration_bart.py, configuration_marian.py, configuration_m2m_100.py)
// read into one BartConfig: the same keys, each class's defaults. Keys older
// configs still carry for TF (normalize_before, static_position_embeddings,
// extra_pos_embeddings, ...) are ignored, as transformers ignores them.
#include <string>

#include "models/bart.h"
#include "models/config_checks.h"

namespace qkv {
namespace {

// 256 MB of f32: NLLB's table (1024 x 1024) is 4 MB.
constexpr size_t kMaxSinusoidValues = size_t{1} << 26;

// Each config class's __init__ defaults.
struct Defaults {
  size_t vocab_size;
  const char* activation;
  int32_t pad_token_id, decoder_start_token_id;
  bool scale_embedding;
};

Defaults defaults_of(BartVariant v) {
  switch (v) {
    case BartVariant::kMarian:
      return {58101, "gelu", 58100, 58100, false};
    case BartVariant::kM2M100:
      return {128112, "relu", 1, 2, true};
    case BartVariant::kBart:
      break;
  }
  return {50265, "gelu", 1, 2, false};
}

BartVariant variant_of(const std::string& a) {
  if (a == "MarianMTModel" || a == "marian") return BartVariant::kMarian;
  if (a == "M2M100ForConditionalGeneration" || a == "m2m_100") return BartVariant::kM2M100;
  return BartVariant::kBart;
}

// ACT2FN's names for what the feed-forward runs.
Status read_activation(const ConfigReader& config, const char* fallback, BartActivation* out) {
  std::string act;
  QKV_RETURN_IF_ERROR(config.string_or("activation_function", fallback, &act));
  if (act == "gelu") {
    *out = BartActivation::kGeluErf;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
    *out = BartActivation::kGeluTanh;
  } else if (act == "relu") {
    *out = BartActivation::kRelu;
  } else if (act == "silu" || act == "swish") {
    *out = BartActivation::kSilu;
  } else {
    return Status::unsupported(
        config.document() + ": activation_function \"" + act +
        "\" (qkv's BART, Marian and M2M100 run gelu, gelu_new, gelu_pytorch_tanh, relu, "
        "silu and swish)");
  }
  return Status::ok_status();
}

// The stacks' sizes: every layer count, head count and width, the head size each implies.
Status read_sizes(const ConfigReader& config, BartConfig* c) {
  QKV_RETURN_IF_ERROR(config.positive_int_or("d_model", 1024, &c->d_model));
  QKV_RETURN_IF_ERROR(config.positive_int_or("encoder_layers", 12, &c->n_encoder_layers, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("decoder_layers", 12, &c->n_decoder_layers, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("encoder_attention_heads", 16, &c->n_encoder_heads, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("decoder_attention_heads", 16, &c->n_decoder_heads, 1024));
  QKV_RETURN_IF_ERROR(config.positive_int_or("encoder_ffn_dim", 4096, &c->encoder_ffn));
  QKV_RETURN_IF_ERROR(config.positive_int_or("decoder_ffn_dim", 4096, &c->decoder_ffn));
  QKV_RETURN_IF_ERROR(config.positive_int_or("max_position_embeddings", 1024, &c->max_positions, 1 << 20));
  size_t head_dim = 0;
  QKV_RETURN_IF_ERROR(
      head_dim_of(config, "d_model", c->d_model, "encoder_attention_heads", c->n_encoder_heads, &head_dim));
  return head_dim_of(config, "d_model", c->d_model, "decoder_attention_heads", c->n_decoder_heads, &head_dim);
}

// Marian's decoder may have a vocabulary and embedding of its own; its head
// is then untied (MarianConfig sets tie_word_embeddings to
// share_encoder_decoder_embeddings).
Status read_marian_vocab(const ConfigReader& config, BartConfig* c) {
  QKV_RETURN_IF_ERROR(config.bool_or("share_encoder_decoder_embeddings", true, &c->shared_embeddings));
  QKV_RETURN_IF_ERROR(config.positive_int_or("decoder_vocab_size", c->n_vocab, &c->n_decoder_vocab));
  if (c->shared_embeddings && c->n_decoder_vocab != c->n_vocab) {
    return config.bad("decoder_vocab_size", std::to_string(c->n_decoder_vocab) + " differs from vocab_size " +
                                                std::to_string(c->n_vocab) +
                                                ", but share_encoder_decoder_embeddings is true");
  }
  if (!c->shared_embeddings) c->tie_word_embeddings = false;
  return Status::ok_status();
}

}  // namespace

bool is_bart_family(const std::string& a) {
  return a == "BartForConditionalGeneration" || a == "bart" || a == "MarianMTModel" || a == "marian" ||
         a == "M2M100ForConditionalGeneration" || a == "m2m_100";
}

Status BartConfig::from_config(const ConfigReader& config, BartConfig* out) {
  BartConfig c;
  c.variant = variant_of(config.architecture());
  const Defaults d = defaults_of(c.variant);
  QKV_RETURN_IF_ERROR(config.positive_int_or("vocab_size", d.vocab_size, &c.n_vocab));
  c.n_decoder_vocab = c.n_vocab;
  QKV_RETURN_IF_ERROR(read_sizes(config, &c));
  QKV_RETURN_IF_ERROR(read_activation(config, d.activation, &c.activation));
  QKV_RETURN_IF_ERROR(config.bool_or("scale_embedding", d.scale_embedding, &c.scale_embedding));
  QKV_RETURN_IF_ERROR(config.bool_or("tie_word_embeddings", true, &c.tie_word_embeddings));
  if (c.variant == BartVariant::kMarian) QKV_RETURN_IF_ERROR(read_marian_vocab(config, &c));
  // Marian's and M2M100's sinusoid tables are computed at load, not read: bound them.
  if (c.variant != BartVariant::kBart && c.max_positions * c.d_model > kMaxSinusoidValues) {
    return config.bad("max_position_embeddings", std::to_string(c.max_positions) + " positions of d_model " +
                                                     std::to_string(c.d_model) +
                                                     " make a sinusoid table of more than " +
                                                     std::to_string(kMaxSinusoidValues) + " values");
  }
  // M2M100 numbers positions from pad_token_id + 1 and gives pad tokens the zero row.
  QKV_RETURN_IF_ERROR(token_id_or(config, "pad_token_id", d.pad_token_id, c.n_vocab, &c.pad_token_id));
  QKV_RETURN_IF_ERROR(token_id_or(config, "decoder_start_token_id", d.decoder_start_token_id,
                                  c.n_decoder_vocab, &c.decoder_start_token_id));
  bool encoder_decoder = true;
  QKV_RETURN_IF_ERROR(config.bool_or("is_encoder_decoder", true, &encoder_decoder));
  if (!encoder_decoder) {
    return Status::unsupported(config.document() + ": is_encoder_decoder = false (qkv runs " +
                               config.architecture() + " as an encoder-decoder only)");
  }
  *out = c;
  return Status::ok_status();
}

}  // namespace qkv
