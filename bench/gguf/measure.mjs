// What every runtime of the GGUF benchmark does with one file (chromium.mjs
// runs the first two in a page, native.mjs the same steps in llama.cpp):
// load it, prefill a fixed 128-id prompt, decode 128 tokens greedily with the
// KV cache, a 512-position context and an f16 KV cache (llama.cpp's default).
// Importable from Node and from a page (no Node built-ins).

/** The prompt: fixed ids below every benchmark model's vocabulary (32000 for LLaMA). */
export const PROMPT_IDS = Array.from({ length: 128 }, (_, i) => 1 + ((i * 7919 + 13) % 31000));
export const DECODE_TOKENS = 128;
export const CONTEXT = 512;
export const WLLAMA_PROMPT = 'a'.repeat(PROMPT_IDS.length - 4);

/** 'qwen3-0.6b-q4_k_m.gguf' -> { model: 'qwen3-0.6b', quant: 'Q4_K_M', file_mb }. */
export function describeFile(name, bytes) {
  const match = /^(.*)-(q8_0|q4_0|q4_k_m)\.gguf$/i.exec(name);
  return { model: match ? match[1] : name, quant: match ? match[2].toUpperCase() : '?', file_mb: +(bytes / 2 ** 20).toFixed(1) };
}

/** qkv (the imported dist/index.js) on a GGUF URL: load, prefill, decode; times from the caller's side. */
export async function measureQkv(qkv, { url, threads, relaxed }) {
  qkv.env.wasm.numThreads = threads;
  qkv.env.wasm.relaxedSimd = relaxed ? 'auto' : false;
  const runtime = await qkv.backendInfo(); // start the runtime outside the load timing
  const t0 = performance.now();
  const decoder = await qkv.loadModel(url, { contextLength: CONTEXT, kvDtype: 'f16' });
  const loadMs = performance.now() - t0;
  let count = 0;
  let first = 0;
  let last = 0;
  const start = performance.now();
  for await (const _ of decoder.generate(PROMPT_IDS, { max_new_tokens: DECODE_TOKENS + 1, eos_token_id: [] })) {
    if (++count === 1) first = performance.now();
    last = performance.now();
  }
  const { dtype, ggmlTypes } = decoder.info;
  decoder.dispose();
  if (count !== DECODE_TOKENS + 1) throw new Error(`qkv generated ${count} tokens, wanted ${DECODE_TOKENS + 1}`);
  return {
    engine: runtime.flavour, threads, held_as: dtype, ggml_types: ggmlTypes, load_ms: +loadMs.toFixed(1),
    prefill_ms: +(first - start).toFixed(1), decode_tok_s: +(DECODE_TOKENS / ((last - first) / 1000)).toFixed(2),
  };
}

/**
 * wllama (its esm/index.js module, imported) on the same URL. Its completions
 * are llama-server's, whose prompt wllama passes as text only: WLLAMA_PROMPT,
 * which the benchmark files' SentencePiece vocabulary (make_models.py) turns into
 * 128 ids as well (<s>, the 3 byte tokens of the space prefix '▁', one byte
 * token per letter; checked against the server's count). Greedy, ignoring end of
 * generation; prefill and decode are the server's own timings (prompt_ms, the
 * prompt up to the first sampled token as qkv's prefill_ms; predicted tokens
 * per second), wall-clock decode alongside as a check.
 */
export async function measureWllama(wllamaModule, { url, threads, wasmUrl, verbose = false }) {
  const { Wllama } = wllamaModule;
  const quiet = { debug: () => {}, log: () => {}, warn: () => {}, error: (...a) => console.error(...a) };
  const wllama = new Wllama({ default: wasmUrl }, verbose ? {} : { suppressNativeLog: true, logger: quiet });
  const t0 = performance.now();
  await wllama.loadModelFromUrl(url, {
    n_ctx: CONTEXT, n_batch: CONTEXT, n_threads: threads, n_gpu_layers: 0, useCache: false,
  });
  const loadMs = performance.now() - t0;
  let timings;
  let chunks = 0;
  let first = 0;
  let last = 0;
  const start = performance.now();
  const stream = await wllama.createCompletion({
    prompt: WLLAMA_PROMPT, max_tokens: DECODE_TOKENS + 1, temperature: 0, ignore_eos: true, cache_prompt: false,
    stream: true,
  });
  for await (const chunk of stream) {
    if (++chunks === 1) first = performance.now();
    last = performance.now();
    if (chunk.timings) timings = chunk.timings;
  }
  const threadsUsed = wllama.getNumThreads();
  await wllama.exit();
  if (!timings || timings.predicted_n !== DECODE_TOKENS + 1 || timings.prompt_n !== PROMPT_IDS.length) {
    throw new Error(`wllama: unexpected timings ${JSON.stringify(timings)}`);
  }
  return {
    engine: 'wllama', llama_cpp: Wllama.getLibllamaVersion(), threads: threadsUsed, load_ms: +loadMs.toFixed(1),
    prefill_ms: +timings.prompt_ms.toFixed(1),
    decode_tok_s: +timings.predicted_per_second.toFixed(2),
    // Wall clock from the first streamed chunk to the last (chunks ~ tokens), for comparison.
    wall_decode_tok_s: +((chunks - 1) / ((last - first) / 1000)).toFixed(2), wall_prefill_ms: +(first - start).toFixed(1),
  };
}
