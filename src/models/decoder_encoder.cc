#include "models/decoder_encoder.h"

#include <algorithm>
#include <new>

#include "models/kv_cache.h"

namespace qkv {

Status DecoderEncoder::encode(ThreadPool* pool, Arena& /*scratch*/, const EncodeRequest& r) const {
  const ModelDims& d = *dims_;
  size_t longest = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) longest = std::max(longest, r.lengths[s]);
  KvCacheConfig config;
  config.n_layer = d.n_layer;
  config.n_head_kv = d.n_head_kv;
  config.head_dim = d.head_dim;
  config.max_positions = longest;  // every layer full: a bidirectional query sees keys after it
  QKV_RETURN_IF_ERROR(KvCache::check_config(config));
  KvCache cache(config);
  QKV_RETURN_IF_ERROR(cache.reserve(longest, longest));
  Activations act;
  try {
    act.resize(d, longest);
  } catch (const std::bad_alloc&) {
    return Status::resource_exhausted("encode: no memory for the activations of " + std::to_string(longest) +
                                      " tokens");
  }
  size_t offset = 0;
  for (size_t s = 0; s < r.n_seqs; offset += r.lengths[s], ++s) {
    QKV_RETURN_IF_ERROR(cache.truncate(0));
    ForwardRequest f;
    f.ids = r.ids + offset;
    f.n = r.lengths[s];
    f.pos0 = 0;
    f.hidden = r.hidden + offset * d.n_embd;
    f.bidirectional = bidirectional_;
    f.attention_probs = r.attention_probs;  // one sequence only (EncodeRequest)
    QKV_RETURN_IF_ERROR(stack_->forward(pool, cache, act, f));
  }
  return Status::ok_status();
}

}  // namespace qkv
