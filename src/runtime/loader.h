// Builds a model from Hub files without ever holding a whole file, or even a
// whole weight matrix: the caller (web/ loader in wasm, a file reader
// natively) hands over config.json, then each safetensors file's header, and
// streams the byte ranges the loader asks for, front to back, into windows
// the loader provides. Weight matrices are packed (f32/f16 panels, q8 row
// groups; Conv1D or Linear; converting bf16/f16/f32) a few rows at a time as
// their bytes arrive, through a window of about kLoadWindowBytes, so peak
// memory is the model in its target dtype plus one window (plus one whole
// small tensor: norms, biases, position tables).
//
//   ModelLoader::create(config_json, WeightType::kQ8, &loader);
//   for each file: loader->add_file(name, header_text, file_size, &reads);
//                  for each r in reads: until its end - begin bytes are in:
//                      loader->window(r.id, &ptr, &capacity); write up to capacity bytes at ptr;
//                      loader->advance(r.id, bytes written);
//                    loader->finish_read(r.id);
//   loader->finish(&model);
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "io/config_reader.h"
#include "io/safetensors.h"
#include "kernels/gemm/gemm.h"
#include "models/model.h"
#include "runtime/weight_policy.h"

namespace qkv {

class ThreadPool;

// Weights qkv agrees to hold: wasm32 memory is 4 GB, and activations, the KV
// cache and the JS side need room too.
constexpr uint64_t kMaxWeightBytes = uint64_t{3} << 30;
// Staging per weight matrix while it streams in (whole rows, at least one
// packing granule): small next to any model, large enough that each packing
// step has thousands of rows' worth of work.
constexpr size_t kLoadWindowBytes = size_t{4} << 20;

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
  // fit in memory in `type`, before anything is allocated. Without a type,
  // the checkpoint's own: matrices stay f32 when they are f32 and become f16
  // when they are f16 or bf16 (bf16 -> f16 is exact for every weight between
  // 6.1e-5 and 65504 in magnitude; one past 65504 is an error naming dtype
  // f32, never inf). It is decided by the first file that holds a weight
  // matrix; until then the budget is checked at f16, the least it can be.
  // GGUF's ggml block types (Q8_0, Q4_0, ..., Q6_K) give q8: Q8_0, Q5_0 and
  // Q4_0 rows are repacked exactly, held as q8h with their f16 scales
  // (kernels/ggml/to_q8.h; runtime/weight_policy.h has each type's home); Q4_1, Q5_1, Q4_K,
  // Q5_K and Q6_K are dequantized as ggml does and requantized to q8 (error
  // at most half a q8 step, max|block| / 254, per weight). Any block type
  // also loads as f32 or f16 (ggml's values; rounded to f16). As q4, Q4_0,
  // Q4_1 and Q4_K rows are repacked exactly (kernels/ggml/to_q4.h), the
  // others dequantized and quantized by qkv's q4 quantizer.
  static Status create(std::string_view config_json, std::optional<WeightType> type, ThreadPool* pool,
                       std::unique_ptr<ModelLoader>* out);
  // The same with a type per matrix role (runtime/weight_policy.h: which
  // matrices 'q4' keeps in q8, and what 'auto' means for a GGUF file).
  static Status create(std::string_view config_json, const WeightChoice& choice, ThreadPool* pool,
                       std::unique_ptr<ModelLoader>* out);

  const ModelDims& dims() const { return model_->dims(); }
  const std::string& architecture() const { return architecture_; }
  // Bytes the weights will take in memory.
  uint64_t planned_weight_bytes() const { return planned_bytes_; }
  // The type weight matrices are held in; empty until the checkpoint's
  // type is known when create() was given none.
  std::optional<WeightType> weight_type() const { return type_; }
  // Every weight matrix the checkpoint has delivered so far, by slot name,
  // with the type it is held in (which may differ from weight_type() for the
  // embedding and LM head, and per tensor in a GGUF file).
  std::vector<std::pair<std::string, WeightType>> matrix_types() const;

  // Matches one safetensors file against the model: checks every tensor the
  // model needs that the file holds (shape, dtype, not already loaded from
  // another file) and returns, in file order, the reads to deliver. Tensors
  // the model does not use are skipped.
  Status add_file(std::string_view file, std::string_view header_text, uint64_t file_size,
                  std::vector<TensorRead>* reads);
  // The same for entries any format's reader produced (the seam a GGUF
  // source uses): entries are matched to the model's slots by name, without
  // checkpoint_prefix(), and checked; all or nothing.
  Status add_tensors(std::string_view file, const std::vector<TensorEntry>& entries,
                     std::vector<TensorRead>* reads);

  // Where the next bytes of read `id` go, and how many fit (>= 1 until the
  // read is complete). Allocates on the first call; valid until advance().
  Status window(size_t id, uint8_t** data, size_t* capacity);
  // `bytes` more bytes of read `id` are in its window; converts every whole
  // row (packing granule) that is now complete.
  Status advance(size_t id, size_t bytes);
  // Checks that every byte of read `id` arrived, completes its tensor and
  // frees its staging.
  Status finish_read(size_t id);

  // Checks that every tensor arrived and hands over the model.
  Status finish(std::unique_ptr<Model>* model);

 private:
  struct Pending {
    size_t slot = 0;
    WeightType type = WeightType::kF32;  // weight matrices: the type they are held in
    TensorDType dtype = TensorDType::kF32;
    uint32_t rope_heads = 0;  // TensorEntry::rope_heads
    size_t row_bytes = 0;     // bytes of one source row (outermost index), as stored
    uint64_t bytes = 0;
    uint64_t received = 0;
    // Plain tensors: the whole tensor, in its destination when it is f32
    // already, else in staging. Weight matrices: a window of whole rows.
    std::unique_ptr<uint8_t[]> staging;
    uint8_t* target = nullptr;  // start of the whole tensor or of the window; null until window()
    size_t window_bytes = 0;    // matrices: the window's capacity
    size_t window_filled = 0;   // matrices: bytes in the window not packed yet
    std::unique_ptr<WeightPacker> packer;
    std::unique_ptr<float[]> rows_f32;  // ggml blocks dequantized, a bounded number of rows
    size_t rows_packed = 0;
    bool done = false;
  };

  ModelLoader() = default;
  Status start(Pending& p);
  Status pack_window(Pending& p);
  Status pack_rows(Pending& p, const uint8_t* src, size_t rows);
  Status convert_plain(Pending& p);
  Status plan_budget(WeightType type, bool least);
  // The type slot i is held in, its checkpoint type being what slot_sources_ says.
  WeightType slot_type(size_t i, WeightType checkpoint) const;
  Status choose_checkpoint_type(std::string_view file, const std::vector<TensorEntry>& entries);
  // The slot a checkpoint tensor fills (slots_.size(): none): its name
  // without checkpoint_prefix(), or with the model's base_model_prefix()
  // added (a base-model checkpoint, e.g. Qwen3Model's "layers.0...").
  size_t find_slot(std::string_view name, bool* base_name) const;

  std::unique_ptr<Model> model_;
  std::vector<TensorSlot> slots_;
  std::vector<std::string> loaded_from_;  // per slot: the file it came from ("" = not yet)
  bool base_names_ = false;               // some tensor was named as in a base-model checkpoint
  std::vector<Pending> pending_;
  std::string architecture_;
  std::optional<WeightType> type_;
  WeightChoice choice_;
  // Per slot: the dtype of the checkpoint tensor that fills it, once added
  // (kF32 before: the budget then assumes no ggml blocks).
  std::vector<TensorDType> slot_sources_;
  ThreadPool* pool_ = nullptr;
  uint64_t planned_bytes_ = 0;
};

}  // namespace qkv
