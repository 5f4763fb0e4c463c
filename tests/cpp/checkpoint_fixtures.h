// Loading the checkpoints of tests/fixtures (written from PyTorch by the
// gen_*.py scripts) through ModelLoader, streaming each file's tensors as the
// JS loader does, comparing a decoder's logits, greedy continuations and
// attention with the references, and editing config.json texts.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/config_reader.h"
#include "io/json.h"
#include "runtime/encoder.h"
#include "runtime/loader.h"
#include "runtime/session.h"

#ifndef QKV_FIXTURES_DIR
#error "QKV_FIXTURES_DIR must name tests/fixtures"
#endif

namespace qkv {
namespace fixtures {

inline std::string fixture(const std::string& path) { return std::string(QKV_FIXTURES_DIR) + "/" + path; }

inline std::string read_file(const std::string& path) {
  std::string data;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  std::fclose(f);
  return data;
}

// Streams the byte ranges of `reads` from a file's `bytes` through the
// loader's windows, in pieces of at most `piece_bytes` (what load_file does
// after add_file, and web/'s loader after it read the header).
inline Status stream_reads(ModelLoader& loader, const std::vector<TensorRead>& reads,
                           const std::string& bytes, uint64_t piece_bytes = UINT64_MAX) {
  for (const TensorRead& r : reads) {
    for (uint64_t at = r.begin; at < r.end;) {
      uint8_t* dst = nullptr;
      size_t capacity = 0;
      QKV_RETURN_IF_ERROR(loader.window(r.id, &dst, &capacity));
      const size_t n = static_cast<size_t>(std::min<uint64_t>({capacity, piece_bytes, r.end - at}));
      std::copy(bytes.begin() + at, bytes.begin() + at + n, dst);
      QKV_RETURN_IF_ERROR(loader.advance(r.id, n));
      at += n;
    }
    QKV_RETURN_IF_ERROR(loader.finish_read(r.id));
  }
  return Status::ok_status();
}

// Drives the loader the way web/'s loader does: header first, then each
// requested range, in file order, through the loader's windows. Bytes go in
// pieces of an odd size, so rows split across pieces.
inline Status load_file(ModelLoader& loader, const std::string& name, const std::string& bytes) {
  constexpr size_t kPieceBytes = 100003;
  uint64_t header_length = 0;
  QKV_RETURN_IF_ERROR(safetensors_header_length(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                                name, &header_length));
  std::vector<TensorRead> reads;
  QKV_RETURN_IF_ERROR(
      loader.add_file(name, std::string_view(bytes).substr(8, header_length), bytes.size(), &reads));
  return stream_reads(loader, reads, bytes, kPieceBytes);
}

// Every row of a packed matrix read back as floats ([N, K], row-major).
inline std::vector<float> unpacked_rows(const PackedWeights& w) {
  std::vector<int32_t> rows(w.n);
  for (size_t r = 0; r < w.n; ++r) rows[r] = static_cast<int32_t>(r);
  std::vector<float> held(w.n * w.k);
  EXPECT_TRUE(packed_weights_gather_rows(w, rows.data(), w.n, held.data()).ok());
  return held;
}

// `config_text` replaces the folder's config.json when not empty. No type:
// the checkpoint's (ModelLoader::create); `held` receives the type chosen.
// With a WeightChoice: a type per matrix role (runtime/weight_policy.h);
// `matrix_types` receives each matrix's.
inline Status load_folder(const std::string& folder, const WeightChoice& choice,
                          std::unique_ptr<Model>* model, const std::string& config_text = "",
                          WeightType* held = nullptr,
                          std::vector<std::pair<std::string, WeightType>>* matrix_types = nullptr) {
  std::unique_ptr<ModelLoader> loader;
  QKV_RETURN_IF_ERROR(
      ModelLoader::create(config_text.empty() ? read_file(fixture(folder + "/config.json")) : config_text,
                          choice, nullptr, &loader));
  const std::string index_text = read_file(fixture(folder + "/model.safetensors.index.json"));
  std::vector<std::string> files;
  if (index_text.empty()) {
    files.push_back("model.safetensors");
  } else {
    JsonValue index;
    QKV_RETURN_IF_ERROR(parse_json(index_text, "model.safetensors.index.json", &index));
    const JsonValue* map = index.find("weight_map");
    for (size_t i = 0; map != nullptr && i < map->size(); ++i) {
      const std::string f(*map->at(i).as_string());
      if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    }
  }
  for (const std::string& f : files)
    QKV_RETURN_IF_ERROR(load_file(*loader, f, read_file(fixture(folder + "/" + f))));
  if (held != nullptr && loader->weight_type()) *held = *loader->weight_type();
  if (matrix_types != nullptr) *matrix_types = loader->matrix_types();
  return loader->finish(model);
}

inline Status load_folder(const std::string& folder, std::optional<WeightType> type,
                          std::unique_ptr<Model>* model, const std::string& config_text = "",
                          WeightType* held = nullptr) {
  WeightChoice choice;
  choice.matrices = type;
  return load_folder(folder, choice, model, config_text, held);
}

struct Reference {
  JsonValue json;
  std::string logits;  // reference-logits.bin
};

inline Reference read_reference(const std::string& folder) {
  Reference r;
  const Status s = parse_json(read_file(fixture(folder + "/reference.json")), "reference.json", &r.json);
  EXPECT_TRUE(s.ok()) << s.message();
  r.logits = read_file(fixture(folder + "/reference-logits.bin"));
  return r;
}

// A JSON list of integers (token ids, token types).
inline std::vector<int32_t> ints_of(const JsonValue& list) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < list.size(); ++i) out.push_back(static_cast<int32_t>(*list.at(i).as_int64()));
  return out;
}

// A reference prompt's "ids" (none when it has no such key).
inline std::vector<int32_t> ids_of(const JsonValue& prompt) {
  const JsonValue* v = prompt.find("ids");
  return v != nullptr ? ints_of(*v) : std::vector<int32_t>{};
}

struct Comparison {
  double max_abs = 0;
  size_t positions = 0, top1_agree = 0;
  // Positions whose reference top-2 gap is at least the margin, and how many
  // of those agree on the top token (an error below margin / 2 cannot flip them).
  size_t clear_positions = 0, clear_agree = 0;
};

// Runs every reference prompt and compares the full logits rows stored in
// reference-logits.bin with the model's, in a session with `options`.
inline Comparison compare_logits(const std::shared_ptr<const Model>& model, const Reference& ref,
                                 double margin = 0, const SessionOptions& options = {}) {
  Comparison c;
  Session session(model, nullptr, options);
  const size_t vocab = model->dims().n_vocab;
  const JsonValue* prompts = ref.json.find("prompts");
  const JsonValue* blocks = ref.json.find("logits")->find("blocks");
  for (size_t b = 0; b < blocks->size(); ++b) {
    const JsonValue& block = blocks->at(b);
    const std::vector<int32_t> ids = ids_of(prompts->at(*block.find("prompt")->as_uint64()));
    session.reset();
    const Status s = session.append(ids.data(), ids.size(), true);
    EXPECT_TRUE(s.ok()) << s.message();
    const JsonValue* positions = block.find("positions");
    const uint64_t offset = *block.find("offset")->as_uint64();
    for (size_t i = 0; i < positions->size(); ++i) {
      const size_t pos = *positions->at(i).as_uint64();
      const float* want = reinterpret_cast<const float*>(ref.logits.data() + offset) + i * vocab;
      const float* got = session.all_logits().data() + pos * vocab;
      size_t want_top = 0, got_top = 0;
      for (size_t v = 0; v < vocab; ++v) {
        c.max_abs = std::max(c.max_abs, double(std::fabs(got[v] - want[v])));
        if (want[v] > want[want_top]) want_top = v;
        if (got[v] > got[got_top]) got_top = v;
      }
      float second = -INFINITY;
      for (size_t v = 0; v < vocab; ++v) {
        if (v != want_top) second = std::max(second, want[v]);
      }
      ++c.positions;
      c.top1_agree += want_top == got_top;
      if (want[want_top] - second >= margin) {
        ++c.clear_positions;
        c.clear_agree += want_top == got_top;
      }
    }
  }
  return c;
}

// f32 weights give PyTorch's logits on every reference prompt of `folder`:
// within 1e-4 over at least `min_positions` rows, the top token everywhere.
inline void expect_f32_logits_match(const std::shared_ptr<const Model>& model, const char* folder,
                                    size_t min_positions) {
  const Comparison c = compare_logits(model, read_reference(folder));
  EXPECT_GE(c.positions, min_positions);
  EXPECT_LE(c.max_abs, 1e-4) << "over " << c.positions << " positions";
  EXPECT_EQ(c.top1_agree, c.positions);
  std::printf("%s: f32 max |logit error| %.3g over %zu positions\n", folder, c.max_abs, c.positions);
}

// Greedy decoding in `session`, one token per forward through the KV cache,
// gives each reference prompt's "greedy" continuation (which the gen_*.py
// scripts computed by recomputing the whole sequence at every step). Wrap in
// ASSERT_NO_FATAL_FAILURE to stop the test at a failed step.
inline void expect_greedy_continuations(Session& session, const Reference& ref) {
  const JsonValue* prompts = ref.json.find("prompts");
  for (size_t p = 0; p < prompts->size(); ++p) {
    const std::vector<int32_t> ids = ids_of(prompts->at(p));
    const std::vector<int32_t> want = ids_of(*prompts->at(p).find("greedy"));
    session.reset();
    const Status prefill = session.append(ids.data(), ids.size(), false);
    ASSERT_TRUE(prefill.ok()) << prefill.message();
    std::vector<int32_t> got;
    for (size_t i = 0; i < want.size(); ++i) {
      int32_t token = -1;
      ASSERT_TRUE(session.sample(&token).ok());
      got.push_back(token);
      ASSERT_TRUE(session.append(&token, 1, false).ok());
    }
    EXPECT_EQ(got, want) << "prompt " << p;
  }
}

// The model's attention probabilities on the reference's "attention" prompt
// are within `bound` of PyTorch's ([layer][head][q][k]). Wrap in
// ASSERT_NO_FATAL_FAILURE to stop the test when they cannot be computed.
inline void expect_attention_matches(const std::shared_ptr<const Model>& model, const Reference& ref,
                                     double bound) {
  const JsonValue* att = ref.json.find("attention");
  const std::vector<int32_t> ids = ids_of(ref.json.find("prompts")->at(*att->find("prompt")->as_uint64()));
  Session session(model, nullptr);
  std::vector<std::vector<float>> probs;
  ASSERT_TRUE(session.attention(ids.data(), ids.size(), &probs).ok());
  const JsonValue* want = att->find("probs");
  ASSERT_EQ(probs.size(), want->size());
  const size_t n = ids.size();
  double max_abs = 0;
  for (size_t l = 0; l < probs.size(); ++l) {
    for (size_t h = 0; h < want->at(l).size(); ++h) {
      for (size_t q = 0; q < n; ++q) {
        for (size_t k = 0; k < n; ++k) {
          const double w = *want->at(l).at(h).at(q).at(k).as_double();
          max_abs = std::max(max_abs, std::fabs(probs[l][(h * n + q) * n + k] - w));
        }
      }
    }
  }
  EXPECT_LE(max_abs, bound);
}

// Per layer [head][query][key] probabilities against the layer's
// reference (a [layer][head][query][key] JSON array); every row sums to 1.
inline void expect_probs_match(const std::vector<std::vector<float>>& got, const JsonValue& want,
                               const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0, worst_sum = 0;
  for (size_t l = 0; l < got.size(); ++l) {
    const JsonValue& layer = want.at(l);
    const size_t n_q = layer.at(0).size(), n_k = layer.at(0).at(0).size();
    ASSERT_EQ(got[l].size(), layer.size() * n_q * n_k) << what;
    for (size_t h = 0; h < layer.size(); ++h) {
      for (size_t q = 0; q < n_q; ++q) {
        const float* row = got[l].data() + (h * n_q + q) * n_k;
        double sum = 0;
        for (size_t k = 0; k < n_k; ++k) {
          sum += row[k];
          worst = std::max(worst, std::fabs(row[k] - *layer.at(h).at(q).at(k).as_double()));
        }
        worst_sum = std::max(worst_sum, std::fabs(sum - 1.0));
      }
    }
  }
  EXPECT_LE(worst, 1e-5) << what;
  EXPECT_LE(worst_sum, 1e-5) << what;
  std::printf("%s: max |probability error| %.3g\n", what, worst);
}

// Largest |got - want| over a [tokens][dim] JSON array of reference states.
inline double max_rows_error(const float* got, const JsonValue& want) {
  double worst = 0;
  for (size_t t = 0; t < want.size(); ++t) {
    for (size_t i = 0; i < want.at(t).size(); ++i) {
      worst = std::max(worst, std::fabs(got[t * want.at(t).size() + i] - *want.at(t).at(i).as_double()));
    }
  }
  return worst;
}

// config.json text with `key` set to `value` (a JSON value), added when
// absent, removed when `value` is empty. The value replaced is a scalar, a
// list without nested lists or an object without nested objects (the first
// occurrence of the key counts: the fixtures' configs hold each key once).
inline std::string with_key(std::string config, const std::string& key, const std::string& value) {
  const size_t at = config.find("\"" + key + "\"");
  if (at == std::string::npos) {
    if (!value.empty()) config.insert(config.find('{') + 1, "\"" + key + "\": " + value + ",");
    return config;
  }
  const size_t colon = config.find(':', at);
  size_t end = config.find_first_of(",\n}", colon + 2);
  if (config[colon + 2] == '{') end = config.find('}', colon) + 1;
  if (config[colon + 2] == '[') end = config.find(']', colon) + 1;
  if (value.empty()) {
    if (config[end] == ',') ++end;
    config.erase(at, end - at);
  } else {
    config.replace(colon + 1, end - colon - 1, " " + value);
  }
  return config;
}

// A model's config (LlamaConfig, Gemma3Config, ...) read from config.json
// text that must be valid.
template <typename Config>
Config parse_config(const std::string& text) {
  ConfigReader reader;
  EXPECT_TRUE(ConfigReader::parse(text, "config.json", &reader).ok());
  Config config;
  const Status s = Config::from_config(reader, &config);
  EXPECT_TRUE(s.ok()) << s.message();
  return config;
}

// A config.json text ModelLoader must refuse, with `needle` in the message.
struct ConfigCase {
  std::string config;
  StatusCode code;
  const char* needle;
};

inline void expect_refused(const std::string& config, StatusCode code, const char* needle) {
  std::unique_ptr<ModelLoader> loader;
  const Status s = ModelLoader::create(config, WeightType::kF32, nullptr, &loader);
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << "wanted \"" << needle << "\" in " << s.message();
}

inline void expect_refused(const ConfigCase& c) { expect_refused(c.config, c.code, c.needle); }

// An encoder fixture loaded in f32 (config.json replaced by `config` when not empty), its
// runner and its reference.json.
struct LoadedEncoder {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Encoder> encoder;
  JsonValue ref;
};

inline void load_encoder(const std::string& folder, LoadedEncoder* out, const std::string& config = "") {
  std::unique_ptr<Model> model;
  const Status s = load_folder(folder, WeightType::kF32, &model, config);
  ASSERT_TRUE(s.ok()) << s.message();
  out->model = std::move(model);
  const Status e = Encoder::create(out->model, folder, nullptr, &out->encoder);
  ASSERT_TRUE(e.ok()) << e.message();
  ASSERT_TRUE(parse_json(read_file(fixture(folder + "/reference.json")), "reference.json", &out->ref).ok());
}

}  // namespace fixtures
}  // namespace qkv
