// Builds a model from Hub files without ever holding a whole file: the
// caller (web/ loader in wasm, a file reader natively) hands over config.json,
// then each safetensors file's header, and streams the byte ranges the loader
// asks for, front to back, into buffers the loader provides. Each tensor is
// converted (bf16/f16 -> f32, f32 -> f16/q8, Conv1D/Linear -> packed panels)
// as soon as its bytes are in, and its staging buffer is freed, so peak
// memory is the model in its target dtype plus one tensor.
//
//   ModelLoader::create(config_json, WeightType::kQ8, &loader);
//   for each file: loader->add_file(name, header_text, file_size, &reads);
//                  for each r in reads: fill loader->buffer(r) with bytes [r.begin, r.end);
//                                       loader->finish_read(r);
//   loader->finish(&model);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/config_reader.h"
#include "io/safetensors.h"
#include "kernels/gemm/gemm.h"
#include "models/model.h"

namespace qkv {

class ThreadPool;

// Weights qkv agrees to hold: wasm32 memory is 4 GB, and activations, the KV
// cache and the JS side need room too.
constexpr uint64_t kMaxWeightBytes = uint64_t{3} << 30;

// One byte range of a file that the caller must deliver.
struct TensorRead {
  size_t id = 0;       // the loader's handle for this read
  uint64_t begin = 0;  // absolute offsets in the file
  uint64_t end = 0;
  std::string name;  // the tensor, for progress and messages
};

class ModelLoader {
 public:
  // Parses config.json, picks the architecture and checks that the weights
  // fit in memory in `type`, before anything is allocated.
  static Status create(std::string_view config_json, WeightType type, ThreadPool* pool,
                       std::unique_ptr<ModelLoader>* out);

  const ModelDims& dims() const { return model_->dims(); }
  const std::string& architecture() const { return architecture_; }
  // Bytes the weights will take in memory.
  uint64_t planned_weight_bytes() const { return planned_bytes_; }

  // Matches one safetensors file against the model: checks every tensor the
  // model needs that the file holds (shape, dtype, not already loaded from
  // another file) and returns, in file order, the reads to deliver. Tensors
  // the model does not use are skipped.
  Status add_file(std::string_view file, std::string_view header_text, uint64_t file_size,
                  std::vector<TensorRead>* reads);

  // Where the bytes of read `id` go (end - begin bytes). Allocates on the
  // first call; valid until finish_read(id).
  Status buffer(size_t id, uint8_t** data);
  // Converts the delivered bytes into the model and frees the staging buffer.
  Status finish_read(size_t id);

  // Checks that every tensor arrived and hands over the model.
  Status finish(std::unique_ptr<Model>* model);

 private:
  struct Pending {
    size_t slot = 0;
    TensorDType dtype = TensorDType::kF32;
    uint64_t bytes = 0;
    std::unique_ptr<uint8_t[]> staging;  // unless the data goes straight to its destination
    uint8_t* target = nullptr;           // where buffer() points
    bool done = false;
  };

  ModelLoader() = default;
  Status convert(Pending& p);

  std::unique_ptr<Model> model_;
  std::vector<TensorSlot> slots_;
  std::vector<std::string> loaded_from_;  // per slot: the file it came from ("" = not yet)
  std::vector<Pending> pending_;
  std::string architecture_;
  WeightType type_ = WeightType::kF32;
  ThreadPool* pool_ = nullptr;
  uint64_t planned_bytes_ = 0;
};

}  // namespace qkv
