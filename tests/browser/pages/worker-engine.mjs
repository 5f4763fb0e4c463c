// WorkerEngine in a page: qkv's own worker script (WorkerEngine.create()),
// a model by relative URL and by Blobs, streaming, an abort, errors keeping
// their class, and the page's event loop turning while the worker generates
// (in contrast to generating on the page itself). The test (worker-engine.test.mjs)
// checks the collected results against the PyTorch reference.
import { InvalidArgumentError, WorkerEngine, env, loadModel } from '../../../dist/index.js';

const fixture = '../../fixtures/gpt2-tiny/';

/** Runs the generator, counting the page's timer callbacks that ran between its first and last token. */
async function generateCountingTicks(model, prompt, options) {
  const tokens = [];
  let ticks = 0;
  let ticking = false;
  const tick = () => {
    if (!ticking) return;
    ticks++;
    setTimeout(tick, 0);
  };
  for await (const { token } of model.generate(prompt, options)) {
    tokens.push(token);
    if (tokens.length === 1) {
      ticking = true;
      setTimeout(tick, 0);
    }
  }
  ticking = false;
  return { tokens, ticks };
}

async function run() {
  const query = new URLSearchParams(location.search);
  const numThreads = Number(query.get('threads'));
  // ?relaxed=false: env.wasm.relaxedSimd in the worker's settings (the SIMD128 build there).
  const relaxed = query.get('relaxed');
  const ref = await (await fetch(`${fixture}reference.json`)).json();
  const engine = await WorkerEngine.create(relaxed === null ? { numThreads } : { numThreads, relaxedSimd: relaxed === 'true' });
  const info = await engine.backendInfo();
  const progress = [];
  const model = await engine.loadModel(fixture, { onProgress: (p) => progress.push(p.status) });

  const greedy = [];
  for (const prompt of ref.prompts) {
    const { tokens, ticks } = await generateCountingTicks(model, prompt.text, { max_new_tokens: prompt.greedy.new_tokens });
    greedy.push({ got: tokens, want: prompt.greedy.ids, ticks });
  }

  const attention = await model.attention(ref.prompts[ref.attention.prompt].text);

  // Stop after three tokens of a long generation, on sotu-llama (256 positions): gpt2-tiny's 64 can all be
  // generated before the abort reaches the worker, which then ends the stream instead of rejecting.
  // Its files named (absolute URLs), so the worker never probes for optional ones it lacks (404s in the console).
  const sotuFile = (name) => new URL(`../../../examples/models/sotu-llama/${name}`, location.href).href;
  const sotu = await engine.loadModel({ config: sotuFile('config.json'), weights: [sotuFile('model.safetensors')], tokenizer: sotuFile('tokenizer.json') });
  const controller = new AbortController();
  let seen = 0;
  let abortError;
  try {
    for await (const { token } of sotu.generate('My fellow citizens,', { max_new_tokens: 1000, eos_token_id: [], signal: controller.signal })) {
      if (token >= 0 && ++seen === 3) controller.abort();
    }
  } catch (e) {
    abortError = e.name;
  }
  sotu.dispose();

  let badOption;
  try {
    for await (const _ of model.generate('hi', { top_p: 2 })) { /* never */ }
  } catch (e) {
    badOption = { name: e.name, isInvalidArgument: e instanceof InvalidArgumentError, message: e.message };
  }

  // The same files as Blobs (what a file input or drag-and-drop gives), cloned to the worker.
  const blob = async (name) => (await fetch(`${fixture}${name}`)).blob();
  const fromBlobs = await engine.loadModel({
    config: await blob('config.json'), weights: await blob('model.safetensors'), tokenizer: await blob('tokenizer.json'),
  });
  const blobTokens = (await generateCountingTicks(fromBlobs, ref.prompts[0].ids, { max_new_tokens: 5 })).tokens;
  fromBlobs.dispose();
  model.dispose();
  engine.terminate();

  // The same generation on the page itself: its timers cannot run until it ends.
  env.wasm.numThreads = 1;
  const onPage = await loadModel(fixture);
  const prompt = ref.prompts[0];
  const pageRun = await generateCountingTicks(onPage, prompt.text, { max_new_tokens: prompt.greedy.new_tokens });
  onPage.dispose();

  return {
    crossOriginIsolated: self.crossOriginIsolated,
    info,
    progress,
    greedy,
    attention: { dims: attention.dims, layers: attention.layers.length, tokens: attention.tokens.length, want: ref.attention.shape },
    seen,
    abortError,
    badOption,
    blobTokens,
    blobWant: ref.prompts[0].greedy.ids.slice(0, 5),
    pageTicks: pageRun.ticks,
    pageTokens: pageRun.tokens.length,
  };
}

run().then(
  (result) => { window.__result = result; },
  (e) => { window.__result = { failed: `${e?.name}: ${e?.message}\n${e?.stack}` }; },
);
