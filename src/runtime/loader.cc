#include "runtime/loader.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "kernels/common/q8.h"
#include "kernels/cvt/cvt.h"
#include "models/registry.h"

namespace qkv {
namespace {

std::string str(uint64_t v) { return std::to_string(v); }

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + str(shape[i]);
  return s + "]";
}

uint64_t elements_of(const std::vector<size_t>& shape) {
  uint64_t n = 1;
  for (size_t d : shape) n *= d;  // each dim < 2^24 and at most 2 dims: no overflow
  return n;
}

// Output and input features of a linear slot's checkpoint shape.
void linear_dims(const TensorSlot& slot, size_t* n, size_t* k) {
  const bool nk = slot.kind == TensorSlot::Kind::kLinearNK;
  *n = nk ? slot.shape[0] : slot.shape[1];
  *k = nk ? slot.shape[1] : slot.shape[0];
}

// Bytes a slot takes in memory, in 64-bit arithmetic (size_t is 32 bits in
// wasm, and the point is to refuse what would not fit).
uint64_t slot_bytes(const TensorSlot& slot, WeightType type) {
  if (slot.kind == TensorSlot::Kind::kF32) return elements_of(slot.shape) * 4;
  size_t n = 0, k = 0;
  linear_dims(slot, &n, &k);
  return packed_size(type, n, k).total();
}

SourceType source_type(TensorDType dtype) {
  switch (dtype) {
    case TensorDType::kF16:
      return SourceType::kF16;
    case TensorDType::kBF16:
      return SourceType::kBF16;
    default:
      return SourceType::kF32;
  }
}

}  // namespace

Status ModelLoader::create(std::string_view config_json, std::optional<WeightType> type, ThreadPool* pool,
                           std::unique_ptr<ModelLoader>* out) {
  ConfigReader config;
  QKV_RETURN_IF_ERROR(ConfigReader::parse(config_json, "config.json", &config));
  std::unique_ptr<ModelLoader> loader(new ModelLoader());
  QKV_RETURN_IF_ERROR(create_model(config, &loader->model_));
  loader->architecture_ = config.architecture();
  loader->type_ = type;
  loader->pool_ = pool;
  loader->slots_ = loader->model_->slots();
  loader->loaded_from_.assign(loader->slots_.size(), "");
  QKV_RETURN_IF_ERROR(loader->plan_budget(type.value_or(WeightType::kF16), !type));
  *out = std::move(loader);
  return Status::ok_status();
}

// Sums what the weights take as `type` and refuses more than qkv holds;
// `least`: the checkpoint's type is not known yet and `type` is the least it can be.
Status ModelLoader::plan_budget(WeightType type, bool least) {
  planned_bytes_ = 0;
  for (const TensorSlot& slot : slots_) planned_bytes_ += slot_bytes(slot, type);
  if (planned_bytes_ <= kMaxWeightBytes) return Status::ok_status();
  // Decimal MB (10^6 bytes), the unit of every size qkv prints.
  return Status::resource_exhausted(
      "the model's weights need " + str(planned_bytes_ / 1000000) + " MB " + (least ? "even " : "") + "as " +
      weight_type_name(type) + ", more than qkv's limit of " + str(kMaxWeightBytes / 1000000) +
      " MB (wasm memory is 4 GB)" +
      (type == WeightType::kQ8 ? "" : "; dtype 'q8' takes about a quarter of f32"));
}

// Without a type from the caller: the dtype of the first weight matrix in the
// file decides (checkpoints hold their matrices in one dtype).
Status ModelLoader::choose_checkpoint_type(std::string_view file, const std::vector<TensorEntry>& entries) {
  for (const TensorEntry& t : entries) {
    bool base = false;
    const size_t slot = find_slot(t.name, &base);
    if (slot == slots_.size() || slots_[slot].kind == TensorSlot::Kind::kF32) continue;
    if (t.dtype == TensorDType::kOther) return Status::ok_status();  // add_tensors names the problem
    const WeightType type = t.dtype == TensorDType::kF32 ? WeightType::kF32 : WeightType::kF16;
    const Status budget = plan_budget(type, false);
    if (!budget.ok()) {
      return Status(budget.code(),
                    std::string(file) + " holds " + t.dtype_name + " weights: " + budget.message());
    }
    type_ = type;
    return Status::ok_status();
  }
  return Status::ok_status();
}

size_t ModelLoader::find_slot(std::string_view name, bool* base_name) const {
  const std::string prefix = model_->checkpoint_prefix();
  if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].name == name) return i;
  }
  const std::string base = model_->base_model_prefix();
  if (base.empty()) return slots_.size();
  // A base-model checkpoint (sentence-transformers saves Qwen3-Embedding's
  // Qwen3Model): the same tensors without the causal LM's "model." prefix.
  for (size_t i = 0; i < slots_.size(); ++i) {
    const std::string& slot = slots_[i].name;
    if (slot.size() == base.size() + name.size() && slot.compare(0, base.size(), base) == 0 &&
        slot.compare(base.size(), std::string::npos, name.data(), name.size()) == 0) {
      *base_name = true;
      return i;
    }
  }
  return slots_.size();
}

Status ModelLoader::add_file(std::string_view file, std::string_view header_text, uint64_t file_size,
                             std::vector<TensorRead>* reads) {
  reads->clear();
  SafetensorsHeader header;
  QKV_RETURN_IF_ERROR(parse_safetensors_header(header_text, file_size, file, &header));
  return add_tensors(file, header.tensors, reads);
}

Status ModelLoader::add_tensors(std::string_view file, const std::vector<TensorEntry>& entries,
                                std::vector<TensorRead>* reads) {
  reads->clear();
  if (!type_) QKV_RETURN_IF_ERROR(choose_checkpoint_type(file, entries));
  std::vector<TensorRead> planned;
  std::vector<Pending> added;
  std::vector<size_t> claimed;
  bool base_names = false;
  for (const TensorEntry& t : entries) {
    bool base = false;
    const size_t slot = find_slot(t.name, &base);
    if (slot == slots_.size()) continue;  // a tensor the model does not use (e.g. attn.bias buffers)
    base_names = base_names || base;
    const TensorSlot& s = slots_[slot];
    const std::string where = std::string(file) + ": tensor \"" + t.name + "\"";
    bool twice = !loaded_from_[slot].empty();
    for (size_t c : claimed) twice = twice || c == slot;
    if (twice) {
      return Status::format(where + " is also in " +
                            (loaded_from_[slot].empty() ? std::string(file) : loaded_from_[slot]));
    }
    if (t.dtype == TensorDType::kOther) {
      return Status::unsupported(where + " has dtype " + t.dtype_name + "; qkv loads F32, F16 and BF16");
    }
    const std::vector<uint64_t> expected(s.shape.begin(), s.shape.end());
    if (t.shape != expected) {
      return Status::format(where + " has shape " + shape_text(t.shape) + ", but config.json implies " +
                            shape_text(expected));
    }
    // Entries from any reader are checked here too: the byte range must hold exactly the shape.
    const uint64_t element_bytes = t.dtype == TensorDType::kF32 ? 4 : 2;
    if (t.end < t.begin || t.end - t.begin != elements_of(s.shape) * element_bytes) {
      return Status::format(where + " spans " + str(t.end - t.begin) + " bytes, but " + shape_text(t.shape) +
                            " " + t.dtype_name + " needs " + str(elements_of(s.shape) * element_bytes));
    }
    Pending p;
    p.slot = slot;
    p.dtype = t.dtype;
    p.bytes = t.end - t.begin;
    added.push_back(std::move(p));
    claimed.push_back(slot);
    TensorRead r;
    r.id = pending_.size() + added.size() - 1;
    r.begin = t.begin;
    r.end = t.end;
    r.name = t.name;
    planned.push_back(std::move(r));
  }
  // Nothing changes unless the whole file is acceptable.
  for (size_t slot : claimed) loaded_from_[slot] = std::string(file);
  base_names_ = base_names_ || base_names;
  for (Pending& p : added) pending_.push_back(std::move(p));
  *reads = std::move(planned);
  return Status::ok_status();
}

Status ModelLoader::window(size_t id, uint8_t** data, size_t* capacity) {
  if (id >= pending_.size() || pending_[id].done) {
    return Status::invalid_argument("loader: no pending read " + std::to_string(id));
  }
  Pending& p = pending_[id];
  if (p.target == nullptr) QKV_RETURN_IF_ERROR(start(p));
  if (p.packer != nullptr) {
    *data = p.target + p.window_filled;
    *capacity =
        static_cast<size_t>(std::min<uint64_t>(p.window_bytes - p.window_filled, p.bytes - p.received));
  } else {
    *data = p.target + p.received;
    *capacity = static_cast<size_t>(p.bytes - p.received);
  }
  return Status::ok_status();
}

// Allocates where the read's bytes go: the destination itself for f32 plain
// tensors, a whole-tensor staging buffer for other plain tensors, and the
// packed buffers plus a window for weight matrices.
Status ModelLoader::start(Pending& p) {
  const TensorSlot& s = slots_[p.slot];
  if (p.bytes > SIZE_MAX) return Status::resource_exhausted("tensor \"" + s.name + "\" is too large");
  const std::string oom = "out of memory for tensor \"" + s.name + "\" (" + str(p.bytes) + " bytes)";
  if (s.kind == TensorSlot::Kind::kF32) {
    if (p.dtype == TensorDType::kF32) {
      p.target = static_cast<uint8_t*>(model_->store().allocate(static_cast<size_t>(p.bytes)));
    } else {
      p.staging.reset(new (std::nothrow) uint8_t[static_cast<size_t>(p.bytes) + 1]);
      p.target = p.staging.get();
    }
    return p.target != nullptr ? Status::ok_status() : Status::resource_exhausted(oom);
  }
  if (!type_) return Status::internal("loader: weight matrix \"" + s.name + "\" before its type was chosen");
  const WeightType type = *type_;
  size_t n = 0, k = 0;
  linear_dims(s, &n, &k);
  WeightStore& store = model_->store();
  void* data = store.allocate(packed_weights_bytes(type, n, k));
  // q8 and q4 keep their block scales beside the values.
  const bool has_scales = packed_scales_bytes(type, n, k) > 0;
  float* scales = has_scales ? static_cast<float*>(store.allocate(packed_scales_bytes(type, n, k))) : nullptr;
  if (data == nullptr || (has_scales && scales == nullptr)) return Status::resource_exhausted(oom);
  const SourceLayout layout = s.kind == TensorSlot::Kind::kLinearNK ? SourceLayout::kNK : SourceLayout::kKN;
  p.packer = std::make_unique<WeightPacker>(source_type(p.dtype), layout, n, k, type, data, scales);
  QKV_RETURN_IF_ERROR(p.packer->check());
  s.linear->w = PackedWeights{type, n, k, data, scales};
  const size_t granule_bytes = p.packer->row_granule() * p.packer->row_bytes();
  p.window_bytes = std::max<size_t>(1, kLoadWindowBytes / granule_bytes) * granule_bytes;
  p.staging.reset(new (std::nothrow) uint8_t[p.window_bytes]);
  p.target = p.staging.get();
  return p.target != nullptr ? Status::ok_status() : Status::resource_exhausted(oom);
}

Status ModelLoader::advance(size_t id, size_t bytes) {
  uint8_t* data = nullptr;
  size_t capacity = 0;
  QKV_RETURN_IF_ERROR(window(id, &data, &capacity));
  if (bytes > capacity) {
    return Status::invalid_argument("loader: " + str(bytes) + " bytes delivered into a window of " +
                                    str(capacity));
  }
  Pending& p = pending_[id];
  p.received += bytes;
  if (p.packer == nullptr) return Status::ok_status();
  p.window_filled += bytes;
  return pack_window(p);
}

// Packs the whole granules in the window (or, at the end of the tensor,
// whatever rows remain) and moves a partial row to the window's start.
Status ModelLoader::pack_window(Pending& p) {
  const size_t row_bytes = p.packer->row_bytes(), granule = p.packer->row_granule();
  const bool last = p.received == p.bytes;
  size_t rows = p.window_filled / row_bytes;
  if (!last) rows -= rows % granule;
  if (rows == 0) return Status::ok_status();
  const Status s = p.packer->add_rows(p.target, p.rows_packed, rows, pool_);
  if (!s.ok()) return Status(s.code(), "tensor \"" + slots_[p.slot].name + "\": " + s.message());
  p.rows_packed += rows;
  const size_t used = rows * row_bytes;
  std::memmove(p.target, p.target + used, p.window_filled - used);
  p.window_filled -= used;
  return Status::ok_status();
}

Status ModelLoader::finish_read(size_t id) {
  if (id >= pending_.size() || pending_[id].done || pending_[id].target == nullptr) {
    return Status::invalid_argument("loader: read " + std::to_string(id) + " has no filled buffer to finish");
  }
  Pending& p = pending_[id];
  if (p.received != p.bytes) {
    return Status::invalid_argument("loader: tensor \"" + slots_[p.slot].name + "\" got " + str(p.received) +
                                    " of its " + str(p.bytes) + " bytes");
  }
  Status s = Status::ok_status();
  if (p.packer != nullptr) {
    p.packer->finish();
  } else {
    s = convert_plain(p);
  }
  p.staging.reset();
  p.packer.reset();
  p.target = nullptr;
  if (!s.ok()) return s;
  p.done = true;
  return Status::ok_status();
}

// Norm gains, biases, position tables: f32 as they are, f16/bf16 widened.
Status ModelLoader::convert_plain(Pending& p) {
  const TensorSlot& s = slots_[p.slot];
  if (p.dtype == TensorDType::kF32) {
    *s.f32 = reinterpret_cast<const float*>(p.target);
    return Status::ok_status();
  }
  const size_t n = static_cast<size_t>(elements_of(s.shape));
  float* dst = static_cast<float*>(model_->store().allocate(n * sizeof(float)));
  if (dst == nullptr) return Status::resource_exhausted("out of memory converting tensor \"" + s.name + "\"");
  const uint16_t* src = reinterpret_cast<const uint16_t*>(p.target);
  if (p.dtype == TensorDType::kF16) {
    f16_to_f32_ukernel__simd(n, src, dst);
  } else {
    bf16_to_f32_ukernel__simd(n, src, dst);
  }
  *s.f32 = dst;
  return Status::ok_status();
}

Status ModelLoader::finish(std::unique_ptr<Model>* model) {
  std::string missing;
  size_t n_missing = 0;
  const std::string base = model_->base_model_prefix();
  bool headless = false;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!loaded_from_[i].empty()) continue;
    // A base-model checkpoint has no LM head (Qwen3-Embedding-8B: tie_word_embeddings
    // false, no lm_head.weight): the model then embeds and does not generate.
    if (base_names_ && !base.empty() && slots_[i].name.compare(0, base.size(), base) != 0) {
      headless = true;
      continue;
    }
    if (++n_missing <= 5) missing += (n_missing > 1 ? ", " : "") + slots_[i].name;
  }
  if (n_missing > 0) {
    if (n_missing > 5) missing += " and " + str(n_missing - 5) + " more";
    return Status::format("the checkpoint lacks " + str(n_missing) + " tensor(s) the " + architecture_ +
                          " config needs: " + missing + " (with or without the prefix \"" +
                          model_->checkpoint_prefix() + "\")");
  }
  for (const Pending& p : pending_) {
    if (!p.done) {
      return Status::invalid_argument("loader: tensor \"" + slots_[p.slot].name +
                                      "\" was announced but never delivered");
    }
  }
  if (base_names_) model_->mark_base_checkpoint(headless);
  QKV_RETURN_IF_ERROR(model_->finish_loading());
  *model = std::move(model_);
  return Status::ok_status();
}

}  // namespace qkv
