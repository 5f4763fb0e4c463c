#include "runtime/encoder.h"

#include <algorithm>
#include <string>

#include "models/heads/masked_lm.h"

namespace qkv {
namespace {

std::string str(size_t v) { return std::to_string(v); }

// The token rows a pooling reads: each sequence's first (kCls) or last
// (kLastToken) token; empty for the poolings that read every row.
std::vector<size_t> rows_pooled(const EncoderInput& in, Pooling pooling) {
  std::vector<size_t> rows;
  if (pooling != Pooling::kCls && pooling != Pooling::kLastToken) return rows;
  size_t start = 0;
  for (size_t s = 0; s < in.n_seqs; start += in.lengths[s], ++s) {
    rows.push_back(pooling == Pooling::kCls ? start : start + in.lengths[s] - 1);
  }
  return rows;
}

}  // namespace

Status Encoder::create(std::shared_ptr<const Model> model, const std::string& architecture, ThreadPool* pool,
                       std::unique_ptr<Encoder>* out) {
  if (model->seq2seq() != nullptr) return Status::unsupported(seq2seq_not_runnable(architecture));
  if (model->encoder() == nullptr) {
    return Status::unsupported(architecture + " is a decoder: it generates and has no encoder to embed with");
  }
  out->reset(new Encoder(std::move(model), pool));
  return Status::ok_status();
}

Encoder::Encoder(std::shared_ptr<const Model> model, ThreadPool* pool)
    : model_(std::move(model)), stack_(model_->encoder()), pool_(pool) {}

Status Encoder::check(const EncoderInput& in) const {
  const ModelDims& d = dims();
  if (in.n_seqs == 0 || in.n_ids == 0) return Status::invalid_argument("encode: no sequences");
  size_t total = 0;
  for (size_t s = 0; s < in.n_seqs; ++s) {
    if (in.lengths[s] == 0 || in.lengths[s] > d.n_ctx) {
      return Status::invalid_argument("encode: sequence " + str(s) + " has " + str(in.lengths[s]) +
                                      " tokens; the model takes 1 to " + str(d.n_ctx));
    }
    total += in.lengths[s];
  }
  if (total != in.n_ids) {
    return Status::invalid_argument("encode: the lengths add up to " + str(total) + " tokens, not " +
                                    str(in.n_ids));
  }
  for (size_t t = 0; t < in.n_ids; ++t) {
    if (in.ids[t] < 0 || static_cast<size_t>(in.ids[t]) >= d.n_vocab) {
      return Status::invalid_argument("token id " + std::to_string(in.ids[t]) + " at position " + str(t) +
                                      " is outside the vocabulary [0, " + str(d.n_vocab) + ")");
    }
    if (in.token_types != nullptr &&
        (in.token_types[t] < 0 || static_cast<size_t>(in.token_types[t]) >= stack_->n_token_types())) {
      return Status::invalid_argument("encode: token type " + std::to_string(in.token_types[t]) + " at " +
                                      str(t) + " is outside [0, " + str(stack_->n_token_types()) + ")");
    }
  }
  return Status::ok_status();
}

Status Encoder::run(const EncoderInput& in, float* hidden, float* const* probs,
                    const std::vector<size_t>& rows_read) {
  const size_t needed = stack_->scratch_bytes(in.n_ids);
  // Grows to the largest call so far; kept, since embed() calls come in batches of similar size.
  if (scratch_.capacity() < needed && !scratch_.reserve(needed)) {
    return Status::resource_exhausted("encode: no memory for " + str(needed) + " bytes of scratch for " +
                                      str(in.n_ids) + " tokens");
  }
  scratch_.reset();
  EncodeRequest r;
  r.ids = in.ids;
  r.token_types = in.token_types;
  r.lengths = in.lengths;
  r.n_seqs = in.n_seqs;
  r.hidden = hidden;
  r.attention_probs = probs;
  if (!rows_read.empty()) {
    r.rows_read = rows_read.data();
    r.n_rows_read = rows_read.size();
  }
  Status s = stack_->encode(pool_, scratch_, r);
  scratch_.reset();
  return s;
}

Status Encoder::encode(const EncoderInput& in, std::vector<float>* hidden) {
  return encode_rows(in, {}, hidden);
}

Status Encoder::encode_rows(const EncoderInput& in, const std::vector<size_t>& rows_read,
                            std::vector<float>* hidden) {
  QKV_RETURN_IF_ERROR(check(in));
  hidden->assign(in.n_ids * dims().n_embd, 0.0f);
  return run(in, hidden->data(), nullptr, rows_read);
}

Status Encoder::embed(const EncoderInput& in, Pooling pooling, bool normalize, std::vector<float>* out) {
  std::vector<float> hidden;
  QKV_RETURN_IF_ERROR(encode_rows(in, rows_pooled(in, pooling), &hidden));
  if (pooling == Pooling::kNone) {
    pool_sequences(hidden.data(), in.lengths, in.n_seqs, dims().n_embd, pooling, normalize, hidden.data());
    *out = std::move(hidden);
    return Status::ok_status();
  }
  out->assign(in.n_seqs * dims().n_embd, 0.0f);
  pool_sequences(hidden.data(), in.lengths, in.n_seqs, dims().n_embd, pooling, normalize, out->data());
  return Status::ok_status();
}

// A head over the last hidden states: `apply(hidden, logits)` fills rows x n_labels logits.
template <typename Head, typename Apply>
Status Encoder::run_head(const EncoderInput& in, const Head* head, const char* missing, size_t rows,
                         const std::vector<size_t>& rows_read, std::vector<float>* logits, Apply apply) {
  if (head == nullptr) return Status::unsupported(missing);
  std::vector<float> hidden;
  QKV_RETURN_IF_ERROR(encode_rows(in, rows_read, &hidden));
  logits->assign(rows * head->n_labels(), 0.0f);
  return apply(*head, hidden.data(), logits->data());
}

Status Encoder::classify(const EncoderInput& in, std::vector<float>* logits) {
  const SequenceClassifier* head = model_->sequence_classifier();
  return run_head(
      in, head,
      "classify: the model has no sequence-classification head (its config's architecture is not a "
      "*ForSequenceClassification)",
      in.n_seqs, head != nullptr ? rows_pooled(in, head->pooling()) : std::vector<size_t>(), logits,
      [&](const SequenceClassifier& h, const float* hidden, float* out) {
        return h.apply(pool_, hidden, in.lengths, in.n_seqs, out);
      });
}

Status Encoder::classify_tokens(const EncoderInput& in, std::vector<float>* logits) {
  return run_token_head(in, model_->token_classifier(),
                        "classify_tokens: the model has no token-classification head (its config's "
                        "architecture is not a *ForTokenClassification)",
                        logits);
}

Status Encoder::answer_logits(const EncoderInput& in, std::vector<float>* logits) {
  return run_token_head(in, model_->question_answerer(),
                        "answer_logits: the model has no question-answering head (its config's architecture "
                        "is not a *ForQuestionAnswering)",
                        logits);
}

Status Encoder::run_token_head(const EncoderInput& in, const TokenClassifier* head, const char* missing,
                               std::vector<float>* logits) {
  return run_head(in, head, missing, in.n_ids, {}, logits,
                  [&](const TokenClassifier& h, const float* hidden, float* out) {
                    return h.apply(pool_, hidden, in.n_ids, out);
                  });
}

Status Encoder::masked_lm(const EncoderInput& in, const size_t* positions, size_t n_positions,
                          std::vector<float>* logits) {
  const MaskedLmHead* head = model_->masked_lm();
  if (head == nullptr) {
    return Status::unsupported(
        "masked_lm: the model has no masked-LM head (its config's architecture is not a *ForMaskedLM)");
  }
  if (n_positions == 0) return Status::invalid_argument("masked_lm: no positions to predict");
  for (size_t i = 0; i < n_positions; ++i) {
    if (positions[i] >= in.n_ids) {
      return Status::invalid_argument("masked_lm: position " + str(positions[i]) + " is outside the " +
                                      str(in.n_ids) + " tokens");
    }
  }
  // The encoder's last layer and the vocabulary-wide head run on the asked rows only.
  std::vector<size_t> rows_read(positions, positions + n_positions);
  std::sort(rows_read.begin(), rows_read.end());
  rows_read.erase(std::unique(rows_read.begin(), rows_read.end()), rows_read.end());
  std::vector<float> hidden;
  QKV_RETURN_IF_ERROR(encode_rows(in, rows_read, &hidden));
  const size_t e = dims().n_embd;
  std::vector<float> rows(n_positions * e), scratch(head->scratch_floats(n_positions));
  for (size_t i = 0; i < n_positions; ++i) {
    std::copy_n(hidden.data() + positions[i] * e, e, rows.data() + i * e);
  }
  logits->assign(n_positions * head->n_vocab(), 0.0f);
  return head->apply(pool_, rows.data(), n_positions, scratch.data(), logits->data());
}

Status Encoder::attention(const int32_t* ids, size_t n, std::vector<std::vector<float>>* probs) {
  const ModelDims& d = dims();
  EncoderInput in;
  in.ids = ids;
  in.n_ids = n;
  in.lengths = &n;
  in.n_seqs = 1;
  if (n == 0 || n > d.n_ctx) {
    return Status::invalid_argument("attention: " + str(n) + " tokens; the model takes 1 to " + str(d.n_ctx));
  }
  QKV_RETURN_IF_ERROR(check(in));
  probs->assign(d.n_layer, std::vector<float>(d.n_head * n * n, 0.0f));
  std::vector<float*> per_layer;
  for (std::vector<float>& p : *probs) per_layer.push_back(p.data());
  std::vector<float> hidden(n * d.n_embd);
  return run(in, hidden.data(), per_layer.data(), {});
}

}  // namespace qkv
