#include "runtime/loader.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "core/thread_pool.h"
#include "kernels/common/q8.h"
#include "kernels/cvt/cvt.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/validate.h"
#include "models/registry.h"
#include "runtime/exact_repack.h"

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

bool is_block_type(TensorDType d) { return d >= TensorDType::kQ8_0 && d <= TensorDType::kQ6_K; }

// Bytes of one row of `k` values in `dtype`; false when k is not a whole
// number of the type's blocks (ggml requires whole blocks per row).
bool source_row_bytes(TensorDType dtype, uint64_t k, uint64_t* bytes) {
  if (!is_block_type(dtype)) {
    *bytes = k * (dtype == TensorDType::kF32 ? 4 : 2);
    return true;
  }
  const ggml::TypeTraits* traits = ggml::type_traits(static_cast<uint32_t>(ggml_type_of(dtype)));
  return traits != nullptr && ggml::row_bytes(*traits, k, bytes);
}

// Row g of a matrix whose `n` rows llama.cpp's converter permuted for RoPE
// in `heads` heads (row 2i + j of a head <- Hub row j * head_dim / 2 + i):
// its Hub row.
size_t hub_row(size_t g, size_t n, uint32_t heads) {
  const size_t head_dim = n / heads, within = g % head_dim;
  return g - within + (within % 2) * (head_dim / 2) + within / 2;
}

// Refuses ggml rows with an inf or NaN scale (kernels/ggml/validate.h), as
// llama.cpp's ggml_validate_row_data does: `rows` rows of `k` values of
// `dtype`, row_bytes apart, the first of them row `row0` of tensor `name`.
Status check_block_scales(TensorDType dtype, const uint8_t* src, size_t rows, size_t k, uint64_t row_bytes,
                          size_t row0, const std::string& name) {
  const ggml::Type type = ggml_type_of(dtype);
  if (!ggml::has_f16_scales(type)) return Status::ok_status();
  for (size_t r = 0; r < rows; ++r) {
    const int64_t block = ggml::first_nonfinite_scale(type, src + r * row_bytes, static_cast<int64_t>(k));
    if (block >= 0) {
      return Status::format("tensor \"" + name + "\": block " + std::to_string(block) + " of row " +
                            std::to_string(row0 + r) + " has an inf or NaN scale");
    }
  }
  return Status::ok_status();
}

}  // namespace

Status ModelLoader::create(std::string_view config_json, std::optional<WeightType> type, ThreadPool* pool,
                           std::unique_ptr<ModelLoader>* out) {
  WeightChoice choice;
  choice.matrices = type;
  return create(config_json, choice, pool, out);
}

Status ModelLoader::create(std::string_view config_json, const WeightChoice& choice, ThreadPool* pool,
                           std::unique_ptr<ModelLoader>* out) {
  const std::optional<WeightType> type = choice.matrices;
  ConfigReader config;
  QKV_RETURN_IF_ERROR(ConfigReader::parse(config_json, "config.json", &config));
  std::unique_ptr<ModelLoader> loader(new ModelLoader());
  QKV_RETURN_IF_ERROR(create_model(config, &loader->model_));
  loader->architecture_ = config.architecture();
  loader->type_ = type;
  loader->pool_ = pool;
  loader->slots_ = loader->model_->slots();
  loader->loaded_from_.assign(loader->slots_.size(), "");
  loader->slot_sources_.assign(loader->slots_.size(), TensorDType::kF32);
  loader->choice_ = choice;
  QKV_RETURN_IF_ERROR(check_weight_choice(choice, loader->slots_));
  QKV_RETURN_IF_ERROR(loader->plan_budget(type.value_or(WeightType::kF16), !type));
  *out = std::move(loader);
  return Status::ok_status();
}

// Sums what the weights take as `type` and refuses more than qkv holds;
// `least`: the checkpoint's type is not known yet and `type` is the least it can be.
Status ModelLoader::plan_budget(WeightType type, bool least) {
  planned_bytes_ = 0;
  for (size_t i = 0; i < slots_.size(); ++i) planned_bytes_ += slot_bytes(slots_[i], slot_type(i, type));
  if (planned_bytes_ <= kMaxWeightBytes) return Status::ok_status();
  // Decimal MB (10^6 bytes), the unit of every size qkv prints.
  return Status::resource_exhausted("the model's weights need " + str(planned_bytes_ / 1000000) + " MB " +
                                    (least ? "even " : "") + "as " + weight_type_name(type) +
                                    ", more than qkv's limit of " + str(kMaxWeightBytes / 1000000) +
                                    " MB (wasm memory is 4 GB)" +
                                    (type == WeightType::kQ8 || type == WeightType::kQ4
                                         ? ""
                                         : "; dtype 'q8' takes about a quarter of f32, 'q4' about a fifth"));
}

WeightType ModelLoader::slot_type(size_t i, WeightType checkpoint) const {
  return matrix_weight_type(choice_, checkpoint, slots_[i].role, slot_sources_[i]);
}

std::vector<std::pair<std::string, WeightType>> ModelLoader::matrix_types() const {
  std::vector<std::pair<std::string, WeightType>> out;
  for (const Pending& p : pending_) {
    if (slots_[p.slot].kind != TensorSlot::Kind::kF32) out.emplace_back(slots_[p.slot].name, p.type);
  }
  return out;
}

// Without a type from the caller: the dtype most of the file's layer
// matrices have decides (the first matrix's if it has none); checkpoints hold
// their matrices in one dtype, while a GGUF file's embedding and LM head often
// have a type of their own and a K-quant mix (Q4_K_M) puts some layers'
// matrices in Q6_K. Every ggml block type keeps its own nearest type
// (runtime/weight_policy.h): this only names the model's and plans its budget.
Status ModelLoader::choose_checkpoint_type(std::string_view file, const std::vector<TensorEntry>& entries) {
  const TensorEntry* first = nullptr;
  std::vector<std::pair<const TensorEntry*, size_t>> layer_types;  // a type's first entry, its count
  for (const TensorEntry& t : entries) {
    bool base = false;
    const size_t slot = find_slot(t.name, &base);
    if (slot == slots_.size() || slots_[slot].kind == TensorSlot::Kind::kF32) continue;
    if (first == nullptr) first = &t;
    if (slots_[slot].role != TensorSlot::Role::kLayer) continue;
    auto same = std::find_if(layer_types.begin(), layer_types.end(),
                             [&](const auto& e) { return e.first->dtype == t.dtype; });
    if (same == layer_types.end()) {
      layer_types.emplace_back(&t, 1);
    } else {
      ++same->second;
    }
  }
  // The most common layer type; the earlier one on a tie.
  size_t most = 0;
  for (const auto& [entry, count] : layer_types) {
    if (count > most) {
      most = count;
      first = entry;
    }
  }
  if (first != nullptr) {
    const TensorEntry& t = *first;
    if (t.dtype == TensorDType::kOther) return Status::ok_status();  // add_tensors names the problem
    const WeightType type = t.dtype == TensorDType::kF32                                    ? WeightType::kF32
                            : t.dtype == TensorDType::kF16 || t.dtype == TensorDType::kBF16 ? WeightType::kF16
                            : exact_in_q4(t.dtype)                                          ? WeightType::kQ4
                                                                                            : WeightType::kQ8;
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
    for (const std::string& alias : slots_[i].aliases) {
      if (alias == name) return i;
    }
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
    const std::string where = std::string(file) + ": tensor \"" + t.name + "\"" +
                              (t.file_name.empty() ? "" : " (" + t.file_name + " in the file)");
    bool twice = !loaded_from_[slot].empty();
    for (size_t c : claimed) twice = twice || c == slot;
    if (twice && s.aliases.empty()) {
      return Status::format(where + " is also in " +
                            (loaded_from_[slot].empty() ? std::string(file) : loaded_from_[slot]));
    }
    if (t.dtype == TensorDType::kOther) {
      return Status::unsupported(
          where + " has dtype " + t.dtype_name +
          "; qkv loads F32, F16 and BF16 (and, in GGUF files, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
          "Q4_K, Q5_K and Q6_K)");
    }
    if (is_block_type(t.dtype) && s.kind == TensorSlot::Kind::kLinearKN) {
      return Status::unsupported(where + " is " + t.dtype_name +
                                 " in an [in, out] (Conv1D) matrix; qkv reads ggml blocks in [out, in] ones");
    }
    const std::vector<uint64_t> expected(s.shape.begin(), s.shape.end());
    if (t.shape != expected) {
      return Status::format(where + " has shape " + shape_text(t.shape) + ", but config.json implies " +
                            shape_text(expected));
    }
    if (twice) continue;  // another name of a tied table (of its shape), already taken
    // Entries from any reader are checked here too: the byte range must hold exactly the shape.
    const uint64_t row_length = s.shape.empty() ? 1 : s.shape.back();
    uint64_t row_bytes = 0;
    if (!source_row_bytes(t.dtype, row_length, &row_bytes)) {
      return Status::format(where + " has rows of " + str(row_length) + " values, not whole " + t.dtype_name +
                            " blocks");
    }
    const uint64_t needed = elements_of(s.shape) / row_length * row_bytes;
    if (t.end < t.begin || t.end - t.begin != needed) {
      return Status::format(where + " spans " + str(t.end - t.begin) + " bytes, but " + shape_text(t.shape) +
                            " " + t.dtype_name + " needs " + str(needed));
    }
    if (t.rope_heads != 0) {
      const bool rows_ok = s.kind == TensorSlot::Kind::kLinearNK || s.shape.size() == 1;
      if (!rows_ok || s.shape[0] % t.rope_heads != 0 || s.shape[0] / t.rope_heads % 2 != 0) {
        return Status::format(where + " " + shape_text(t.shape) + " cannot be un-permuted for RoPE in " +
                              str(t.rope_heads) + " heads (needs [heads * even head_dim, ...] rows)");
      }
    }
    Pending p;
    p.slot = slot;
    p.dtype = t.dtype;
    // type_ is set for any file that holds a matrix (choose_checkpoint_type),
    // unless its first layer matrix has a dtype qkv lacks: then this loop
    // fails on that entry and nothing is kept.
    if (s.kind != TensorSlot::Kind::kF32)
      p.type = matrix_weight_type(choice_, type_.value_or(WeightType::kF32), s.role, t.dtype);
    p.bytes = t.end - t.begin;
    p.row_bytes = static_cast<size_t>(row_bytes);
    p.rope_heads = t.rope_heads;
    added.push_back(std::move(p));
    claimed.push_back(slot);
    TensorRead r;
    r.id = pending_.size() + added.size() - 1;
    r.begin = t.begin;
    r.end = t.end;
    r.name = t.name;
    planned.push_back(std::move(r));
  }
  // The budget again, with each matrix's type now that its source is known.
  if (type_) {
    const std::vector<TensorDType> before = slot_sources_;
    for (const Pending& p : added) slot_sources_[p.slot] = p.dtype;
    const Status budget = plan_budget(*type_, false);
    if (!budget.ok()) {
      slot_sources_ = before;
      return Status(budget.code(), std::string(file) + ": " + budget.message());
    }
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
  const WeightType type = p.type;
  size_t n = 0, k = 0;
  linear_dims(s, &n, &k);
  WeightStore& store = model_->store();
  void* data = store.allocate(packed_weights_bytes(type, n, k));
  // q8, q4, q8k and q6k keep their block scales beside the values.
  const bool has_scales = packed_scales_bytes(type, n, k) > 0;
  float* scales = has_scales ? static_cast<float*>(store.allocate(packed_scales_bytes(type, n, k))) : nullptr;
  if (data == nullptr || (has_scales && scales == nullptr)) return Status::resource_exhausted(oom);
  const SourceLayout layout = s.kind == TensorSlot::Kind::kLinearNK ? SourceLayout::kNK : SourceLayout::kKN;
  // ggml blocks reach the packer as f32 rows (pack_rows dequantizes them) or as q8 rows.
  const SourceType src = is_block_type(p.dtype) ? SourceType::kF32 : source_type(p.dtype);
  p.packer = std::make_unique<WeightPacker>(src, layout, n, k, type, data, scales);
  QKV_RETURN_IF_ERROR(p.packer->check());
  s.linear->w = PackedWeights{type, n, k, data, scales};
  const size_t granule_bytes = p.packer->row_granule() * p.row_bytes;
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
  const size_t row_bytes = p.row_bytes, granule = p.packer->row_granule();
  const bool last = p.received == p.bytes;
  size_t rows = p.window_filled / row_bytes;
  if (!last) rows -= rows % granule;
  if (rows == 0) return Status::ok_status();
  const Status s = pack_rows(p, p.target, rows);
  if (!s.ok()) return Status(s.code(), "tensor \"" + slots_[p.slot].name + "\": " + s.message());
  p.rows_packed += rows;
  const size_t used = rows * row_bytes;
  std::memmove(p.target, p.target + used, p.window_filled - used);
  p.window_filled -= used;
  return Status::ok_status();
}

// Source rows [rows_packed, rows_packed + rows) of a weight matrix, at src,
// into its packed form (in the Hub's row order when they came permuted).
Status ModelLoader::pack_rows(Pending& p, const uint8_t* src, size_t rows) {
  size_t n = 0, k = 0;
  linear_dims(slots_[p.slot], &n, &k);
  const size_t row0 = p.rows_packed;
  auto dest = [&](size_t g) { return p.rope_heads != 0 ? hub_row(g, n, p.rope_heads) : g; };
  if (!is_block_type(p.dtype)) {
    if (p.rope_heads == 0) return p.packer->add_rows(src, row0, rows, pool_);
    for (size_t i = 0; i < rows; ++i)
      QKV_RETURN_IF_ERROR(p.packer->add_rows(src + i * p.row_bytes, dest(row0 + i), 1, nullptr));
    return Status::ok_status();
  }
  QKV_RETURN_IF_ERROR(check_block_scales(p.dtype, src, rows, k, p.row_bytes, row0, slots_[p.slot].name));
  if (const RepackRowFn repack = exact_repack(p.dtype, p.type)) {
    // Exact: ggml's integers and scales become the target type's (runtime/exact_repack.h).
    parallel_for(pool_, rows, 16, [&](size_t begin, size_t end) {
      RepackScratch scratch;
      for (size_t i = begin; i < end; ++i)
        repack(src + i * p.row_bytes, k, dest(row0 + i), *p.packer, scratch);
    });
    return Status::ok_status();
  }
  // The others: ggml's reference dequantizer, a bounded number of rows at a
  // time, then packed as f32 rows (requantized for q8, rounded for f16).
  const ggml::DequantizeRowFn dequantize = ggml::dequantize_row_fn(ggml_type_of(p.dtype));
  const size_t chunk = std::max<size_t>(1, kLoadWindowBytes / (k * sizeof(float)));
  if (p.rows_f32 == nullptr) {
    p.rows_f32.reset(new (std::nothrow) float[std::min(chunk, n) * k]);
    if (p.rows_f32 == nullptr)
      return Status::resource_exhausted("out of memory dequantizing tensor \"" + slots_[p.slot].name + "\"");
  }
  for (size_t done = 0; done < rows;) {
    const size_t count = std::min(chunk, rows - done);
    float* f32 = p.rows_f32.get();
    parallel_for(pool_, count, 16, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
        dequantize(src + (done + i) * p.row_bytes, f32 + i * k, static_cast<int64_t>(k));
    });
    if (p.rope_heads == 0) {
      QKV_RETURN_IF_ERROR(p.packer->add_rows(f32, row0 + done, count, pool_));
    } else {
      for (size_t i = 0; i < count; ++i)
        QKV_RETURN_IF_ERROR(p.packer->add_rows(f32 + i * k, dest(row0 + done + i), 1, nullptr));
    }
    done += count;
  }
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
  p.rows_f32.reset();
  p.packer.reset();
  p.target = nullptr;
  if (!s.ok()) return s;
  p.done = true;
  return Status::ok_status();
}

// Norm gains, biases, position tables: f32 as they are, f16/bf16 widened,
// ggml blocks dequantized as ggml does; rows un-permuted for RoPE if asked.
Status ModelLoader::convert_plain(Pending& p) {
  const TensorSlot& s = slots_[p.slot];
  const size_t n = static_cast<size_t>(elements_of(s.shape));
  float* dst = nullptr;
  if (p.dtype == TensorDType::kF32) {
    dst = reinterpret_cast<float*>(p.target);
  } else {
    dst = static_cast<float*>(model_->store().allocate(n * sizeof(float)));
    if (dst == nullptr)
      return Status::resource_exhausted("out of memory converting tensor \"" + s.name + "\"");
    const uint16_t* src = reinterpret_cast<const uint16_t*>(p.target);
    if (p.dtype == TensorDType::kF16) {
      f16_to_f32_ukernel__simd(n, src, dst);
    } else if (p.dtype == TensorDType::kBF16) {
      bf16_to_f32_ukernel__simd(n, src, dst);
    } else {
      // Every row is whole blocks, so the tensor is one run of blocks.
      QKV_RETURN_IF_ERROR(check_block_scales(p.dtype, p.target, 1, n, p.bytes, 0, s.name));
      ggml::dequantize_row_fn(ggml_type_of(p.dtype))(p.target, dst, static_cast<int64_t>(n));
    }
  }
  if (p.rope_heads != 0) {
    const size_t rows = s.shape[0], width = n / rows;
    const std::vector<float> permuted(dst, dst + n);
    for (size_t g = 0; g < rows; ++g)
      std::memcpy(dst + hub_row(g, rows, p.rope_heads) * width, permuted.data() + g * width,
                  width * sizeof(float));
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
