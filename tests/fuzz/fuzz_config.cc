// config.json text through ModelLoader::create, which parses it, picks the
// architecture (GPT-2, LLaMA/Qwen2/Mistral, BERT), reads its hyper-parameters,
// builds the model's tensor slots and checks the memory budget before any
// weight is allocated. Any input must give a Status, and a config that is
// accepted must give a model whose slots are sane.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "runtime/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (qkv::WeightType type : {qkv::WeightType::kQ8, qkv::WeightType::kF32}) {
    std::unique_ptr<qkv::ModelLoader> loader;
    if (!qkv::ModelLoader::create(text, type, nullptr, &loader).ok()) continue;
    if (loader->planned_weight_bytes() > qkv::kMaxWeightBytes) __builtin_trap();
    // An accepted config with no file: finish must say what is missing.
    std::unique_ptr<qkv::Model> model;
    if (loader->finish(&model).ok()) __builtin_trap();
  }
  return 0;
}
