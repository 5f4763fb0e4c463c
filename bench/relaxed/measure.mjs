// The measurement both drivers run (node.mjs in Node 24, chromium.mjs in a
// page): start qkv's runtime with relaxed SIMD allowed or not, load a decoder,
// prefill a fixed 128-token prompt, decode 128 tokens greedily with the KV
// cache. `qkv` is the imported package (dist/index.js); `model` a folder path
// (Node) or URL (page). Returns one JSON-able result.
export async function measureDecoder(qkv, { name, model, dtype, threads, relaxed, prompt = 128, decode = 128 }) {
  qkv.env.wasm.numThreads = threads;
  qkv.env.wasm.relaxedSimd = relaxed ? 'auto' : false;
  const runtime = await qkv.backendInfo(); // start the runtime outside the load timing
  const t0 = performance.now();
  const decoder = await qkv.loadModel(model, { dtype });
  const loadMs = performance.now() - t0;
  // Fixed ids below every benchmark model's vocabulary (32000 for LLaMA).
  const ids = Array.from({ length: prompt }, (_, i) => 1 + ((i * 7919 + 13) % 31000));
  let count = 0;
  let first = 0;
  let last = 0;
  const start = performance.now();
  for await (const _ of decoder.generate(ids, { max_new_tokens: decode + 1, eos_token_id: [] })) {
    if (++count === 1) first = performance.now();
    last = performance.now();
  }
  decoder.dispose();
  if (count !== decode + 1) throw new Error(`generated ${count} tokens, wanted ${decode + 1}`);
  return {
    name, dtype, threads, flavour: runtime.flavour, load_ms: +loadMs.toFixed(1),
    prefill_ms: +(first - start).toFixed(1), decode_tok_s: +(decode / ((last - first) / 1000)).toFixed(2),
  };
}
