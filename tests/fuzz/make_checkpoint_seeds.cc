// Writes one valid checkpoint per tiny config (configs/*.json) and dtype to
// corpus/checkpoint/: the seeds of fuzz_checkpoint. Tensor names and shapes
// come from the model itself, so the seeds follow the architectures.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "io/config_reader.h"
#include "models/registry.h"

int main() {
  const std::string dir = QKV_FUZZ_DIR;
  for (const char* arch : {"gpt2", "llama", "qwen2", "bert"}) {
    std::ifstream in(dir + "/configs/" + arch + ".json");
    std::stringstream text;
    text << in.rdbuf();
    qkv::ConfigReader config;
    std::unique_ptr<qkv::Model> model;
    if (!qkv::ConfigReader::parse(text.str(), "config.json", &config).ok() ||
        !qkv::create_model(config, &model).ok()) {
      std::fprintf(stderr, "bad config %s\n", arch);
      return 1;
    }
    const std::string prefix = model->checkpoint_prefix();
    for (const char* dtype : {"F32", "F16", "BF16"}) {
      const size_t esize = std::string(dtype) == "F32" ? 4 : 2;
      std::string header = "{";
      std::string body;
      uint32_t seed = 1;
      bool first = true;
      for (const qkv::TensorSlot& slot : model->slots()) {
        uint64_t elements = 1;
        std::string shape;
        for (size_t d : slot.shape) {
          elements *= d;
          shape += (shape.empty() ? "" : ",") + std::to_string(d);
        }
        const size_t begin = body.size();
        for (uint64_t i = 0; i < elements; ++i) {
          // Small values in (-0.5, 0.5): f32 bits, truncated for 16-bit dtypes
          // (bf16 is the top half; for f16 any pattern is a fine input).
          seed = seed * 1664525u + 1013904223u;
          float v = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
          uint32_t bits = 0;
          std::memcpy(&bits, &v, 4);
          if (esize == 4) {
            body.append(reinterpret_cast<const char*>(&bits), 4);
          } else {
            const uint16_t half = static_cast<uint16_t>(bits >> 16);
            body.append(reinterpret_cast<const char*>(&half), 2);
          }
        }
        // GPT-2 checkpoints name tensors without "transformer."; LLaMA with "model.".
        header += std::string(first ? "" : ",") + "\"" + (arch[0] == 'g' ? "" : prefix) + slot.name +
                  "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" +
                  std::to_string(begin) + "," + std::to_string(body.size()) + "]}";
        first = false;
      }
      header += "}";
      while ((8 + header.size()) % 8 != 0) header += ' ';
      const uint64_t n = header.size();
      const std::string path = dir + "/corpus/checkpoint/" + arch + "-" + dtype + ".safetensors";
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(&n), 8);
      out << header << body;
      std::printf("%s: %zu bytes\n", path.c_str(), static_cast<size_t>(8 + n + body.size()));
    }
  }
  return 0;
}
