// Greedy decoding against beam search through runtime/Seq2SeqSession, on a
// random-weight T5 of t5-small's shape (512 wide, 8 heads of 64, 2048 ff,
// 6 + 6 layers, vocab 32128, tied head; f32 or q8 weights): a 32-token
// source, 32 new target tokens (no eos, so every run decodes the same
// length) greedily and with 2 and 4 beams, one thread and a pool of two.
// Reports target tokens per second (steps: a beam step decodes num_beams
// rows at once) and the cost of a beam step relative to a greedy one.
//
//   build/native/bench/seq2seq_decode_bench [--quick]
//
// --quick: a 2-layer, 128-wide model and 8 tokens (checks it runs).
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "models/t5.h"
#include "runtime/seq2seq_session.h"

namespace {

using namespace qkv;

// Every slot of the model filled with normal(0, 0.05) weights (norm gains near 1).
void fill_random(T5Model& model, WeightType type) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  for (TensorSlot& slot : model.slots()) {
    size_t count = 1;
    for (const size_t d : slot.shape) count *= d;
    std::vector<float> data(count);
    for (float& v : data) v = dist(rng);
    if (slot.kind == TensorSlot::Kind::kF32) {
      if (slot.name.find("layer_norm") != std::string::npos) {
        for (float& v : data) v += 1.0f;
      }
      float* dst = static_cast<float*>(model.store().allocate(count * sizeof(float)));
      std::memcpy(dst, data.data(), count * sizeof(float));
      *slot.f32 = dst;
      continue;
    }
    const size_t n = slot.shape[0], k = slot.shape[1];
    void* packed = model.store().allocate(packed_weights_bytes(type, n, k));
    float* scales = static_cast<float*>(model.store().allocate(packed_scales_bytes(type, n, k) + 4));
    if (!pack_weights(data.data(), SourceType::kF32, SourceLayout::kNK, n, k, type, packed, scales, nullptr)
             .ok()) {
      std::fprintf(stderr, "packing %s failed\n", slot.name.c_str());
      std::exit(1);
    }
    slot.linear->w = PackedWeights{type, n, k, packed, scales};
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  T5Config c;
  c.n_vocab = quick ? 1000 : 32128;
  c.d_model = quick ? 128 : 512;
  c.d_kv = 64;
  c.n_head = quick ? 2 : 8;
  c.d_ff = quick ? 256 : 2048;
  c.n_encoder_layers = c.n_decoder_layers = quick ? 2 : 6;
  const size_t n_src = quick ? 8 : 32, n_new = quick ? 8 : 32;
  const std::string shape = quick ? "quick" : "t5-small";
  ThreadPool pool(2);
  for (const WeightType type : {WeightType::kF32, WeightType::kQ8}) {
    auto model = std::make_shared<T5Model>(c);
    fill_random(*model, type);
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::unique_ptr<Seq2SeqSession> session;
      if (!Seq2SeqSession::create(model, "T5ForConditionalGeneration", p, {}, &session).ok()) return 1;
      std::vector<int32_t> src(n_src);
      for (size_t i = 0; i < n_src; ++i) src[i] = static_cast<int32_t>(5 + 37 * i % (c.n_vocab - 5));
      if (!session->encode(src.data(), src.size()).ok()) return 1;
      double greedy_ms = 0;
      for (const size_t beams : {size_t{1}, size_t{2}, size_t{4}}) {
        Seq2SeqGenerationOptions o;
        o.max_new_tokens = n_new;
        o.num_beams = beams;
        std::vector<Seq2SeqHypothesis> out;
        bool ok = true;
        const double ms =
            bench::median_ms([&] { ok = ok && session->generate(o, nullptr, &out).ok(); }, 1, 3, 0.0);
        if (!ok) return 1;
        if (beams == 1) greedy_ms = ms;
        const std::string engine = std::string(type == WeightType::kQ8 ? "q8" : "f32") +
                                   " beams=" + std::to_string(beams) +
                                   " step/greedy=" + std::to_string(ms / greedy_ms);
        bench::report("seq2seq_decode",
                      shape + " src=" + std::to_string(n_src) + " new=" + std::to_string(n_new), engine,
                      p == nullptr ? 1 : 2, ms, "target_tokens_per_s", 1000.0 * n_new / ms);
      }
    }
  }
  return 0;
}
