// The engine: qkv in a module Web Worker, so loading and generating never
// block the page. Requests come in as { id, type, ...args }; the answers go
// back with the same id as { kind: 'event' } (progress, tokens), then one
// { kind: 'result' } or { kind: 'error' }. 'stop' aborts what is running.
// A handler's `transfer` list names buffers handed to the page without a copy.
import { backendInfo, env, loadModel } from '../../dist/index.js';

let model;
let running; // AbortController of the load or generation in progress

// qkv says why it falls back to one thread with console.warn: show it on the page too.
const warn = console.warn.bind(console);
console.warn = (...args) => {
  warn(...args);
  self.postMessage({ kind: 'warning', text: args.map(String).join(' ') });
};

const requests = {
  async init({ numThreads }) {
    env.wasm.numThreads = numThreads ?? 0;
    return { info: await backendInfo(), crossOriginIsolated: self.crossOriginIsolated === true };
  },

  async load({ id, source, dtype }) {
    running?.abort();
    model?.dispose();
    model = undefined;
    const controller = new AbortController();
    running = controller;
    const started = performance.now();
    try {
      const loaded = await loadModel(source.url ?? source.files, {
        dtype,
        signal: controller.signal,
        onProgress: (p) => event(id, { progress: p }),
      });
      model = loaded;
      return { info: loaded.info, ms: performance.now() - started };
    } finally {
      if (running === controller) running = undefined;
    }
  },

  async generate({ id, prompt, options }) {
    const current = loadedModel();
    const controller = new AbortController();
    running = controller;
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    const started = performance.now();
    const stats = { tokens: 0, ttftMs: undefined, tokensPerSecond: undefined, seed, stopped: false };
    let first;
    try {
      for await (const { token, text } of current.generate(prompt, { ...options, seed, signal: controller.signal })) {
        const now = performance.now();
        first ??= now;
        // A last item with token -1 only releases held-back text (an unfinished character).
        if (token >= 0) stats.tokens++;
        stats.ttftMs = first - started;
        // Decode speed: tokens after the first, over the time since the first.
        if (stats.tokens > 1) stats.tokensPerSecond = (stats.tokens - 1) / ((now - first) / 1000);
        event(id, { text, stats });
        await nextTask(); // a 'stop' waiting in the queue runs here
      }
    } catch (e) {
      if (e?.name !== 'AbortError') throw e;
      stats.stopped = true;
    } finally {
      if (running === controller) running = undefined;
    }
    stats.totalMs = performance.now() - started;
    return stats;
  },

  async attention({ prompt, maxTokens }) {
    const current = loadedModel();
    const ids = current.tokenizer.encode(prompt);
    const shown = ids.slice(0, Math.min(maxTokens, current.info.nCtx));
    const { tokens, layers, dims } = await current.attention(shown);
    // Copies the page can own (never views of wasm memory), handed over without another copy.
    const owned = layers.map((layer) => layer.slice());
    return { tokens, dims, layers: owned, promptTokens: ids.length, causal: !current.info.isEncoder,
      transfer: owned.map((layer) => layer.buffer) };
  },

  async stop() {
    running?.abort();
    return {};
  },
};

function loadedModel() {
  if (model === undefined) throw new Error('no model is loaded');
  return model;
}

function event(id, data) {
  self.postMessage({ id, kind: 'event', ...data });
}

// A macrotask boundary without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
function nextTask() {
  return new Promise((resolve) => {
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(null);
  });
}

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  try {
    const handler = requests[type];
    if (handler === undefined) throw new Error(`unknown request '${type}'`);
    const { transfer = [], ...answer } = await handler(data);
    self.postMessage({ id, kind: 'result', ...answer }, transfer);
  } catch (e) {
    self.postMessage({ id, kind: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(e) });
  }
};
