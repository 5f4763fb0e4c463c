// A whole checkpoint: the input is a safetensors file, streamed through
// ModelLoader the way web/src streams a download (header, then each read's
// bytes through window/advance in chunks, finish_read, finish) for each of
// the tiny configs in configs/ (GPT-2, LLaMA, Qwen2, BERT). Whatever the
// bytes, the loader must answer with a Status; it must never crash, read or
// write out of bounds, or accept a checkpoint that lacks a tensor.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/loader.h"

namespace {

std::vector<std::string>& configs() {
  static std::vector<std::string> texts;
  return texts;
}

// Chunk sizes the caller delivers in: one byte at a time, odd sizes that
// split rows and granules, and as much as the window takes.
constexpr size_t kChunks[] = {1, 7, 64, 1000, SIZE_MAX};

void load(const std::string& config, qkv::WeightType type, const uint8_t* data, size_t size, size_t chunk) {
  std::unique_ptr<qkv::ModelLoader> loader;
  if (!qkv::ModelLoader::create(config, type, nullptr, &loader).ok()) __builtin_trap();  // ours are valid
  uint64_t n = 0;
  if (!qkv::safetensors_header_length(data, size, "fuzz.safetensors", &n).ok()) return;
  const std::string_view header(reinterpret_cast<const char*>(data) + qkv::kSafetensorsPrefixBytes, n);
  std::vector<qkv::TensorRead> reads;
  if (!loader->add_file("fuzz.safetensors", header, size, &reads).ok()) return;
  for (const qkv::TensorRead& r : reads) {
    if (r.begin > r.end || r.end > size) __builtin_trap();  // add_file promised these bytes exist
    uint64_t at = r.begin;
    while (at < r.end) {
      uint8_t* window = nullptr;
      size_t capacity = 0;
      if (!loader->window(r.id, &window, &capacity).ok()) return;
      if (capacity == 0) __builtin_trap();  // >= 1 until the read is complete
      const size_t take = static_cast<size_t>(std::min<uint64_t>({capacity, chunk, r.end - at}));
      std::memcpy(window, data + at, take);
      if (!loader->advance(r.id, take).ok()) return;
      at += take;
    }
    if (!loader->finish_read(r.id).ok()) return;
    // A finished read is closed.
    uint8_t* window = nullptr;
    size_t capacity = 0;
    if (loader->window(r.id, &window, &capacity).ok() || loader->finish_read(r.id).ok()) __builtin_trap();
  }
  std::unique_ptr<qkv::Model> model;
  const qkv::Status s = loader->finish(&model);
  // QKV_FUZZ_VERBOSE=1 when replaying: shows which seeds load completely.
  if (std::getenv("QKV_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "%s: %s\n", loader->architecture().c_str(), s.ok() ? "loaded" : s.message().c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const char* name : {"gpt2", "llama", "qwen2", "bert"}) {
    std::ifstream in(std::string(QKV_FUZZ_DIR) + "/configs/" + name + ".json");
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().empty()) {
      std::fprintf(stderr, "fuzz_checkpoint: cannot read %s/configs/%s.json\n", QKV_FUZZ_DIR, name);
      __builtin_trap();
    }
    configs().push_back(text.str());
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The weight type and chunk size vary with the input's size, so that each
  // input is replayed identically.
  const qkv::WeightType types[] = {qkv::WeightType::kQ8, qkv::WeightType::kF32, qkv::WeightType::kF16};
  const qkv::WeightType type = types[size % 3];
  const size_t chunk = kChunks[(size / 3) % (sizeof(kChunks) / sizeof(kChunks[0]))];
  for (const std::string& config : configs()) load(config, type, data, size, chunk);
  return 0;
}
