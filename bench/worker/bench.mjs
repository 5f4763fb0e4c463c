// What running qkv in a worker costs: the same model loaded on this thread
// and in a WorkerEngine (a Node.js worker thread), greedy generation of the
// same prompt, alternated so both see the same machine load. Prints decode
// tokens/s, time to first token and load time per side, and their ratios.
//
//   node bench/worker/bench.mjs [model folder] [rounds] [tokens]
import { performance } from 'node:perf_hooks';

import { WorkerEngine, env, loadModel } from '../../dist/index.js';

const folder = process.argv[2] ?? new URL('../../examples/models/sotu-llama', import.meta.url).pathname;
const rounds = Number(process.argv[3] ?? 5);
const tokens = Number(process.argv[4] ?? 128);
const prompt = 'My fellow citizens, the state of the Union';
const options = { max_new_tokens: tokens, eos_token_id: [] };

env.wasm.numThreads = 1;
const engine = await WorkerEngine.create({ numThreads: 1 });

async function timeLoad(load) {
  const t0 = performance.now();
  const model = await load();
  return { model, ms: performance.now() - t0 };
}

async function timeGenerate(model) {
  const t0 = performance.now();
  let first;
  let n = 0;
  for await (const { token } of model.generate(prompt, options)) {
    first ??= performance.now();
    if (token >= 0) n++;
  }
  const end = performance.now();
  return { ttftMs: first - t0, tokPerS: (n - 1) / ((end - first) / 1000), n };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sides = {
  'this thread': { load: () => loadModel(folder, { dtype: 'f16' }), runs: [], loads: [] },
  WorkerEngine: { load: () => engine.loadModel(folder, { dtype: 'f16' }), runs: [], loads: [] },
};
for (let r = 0; r < rounds; r++) {
  for (const side of Object.values(sides)) {
    const { model, ms } = await timeLoad(side.load);
    side.loads.push(ms);
    if (r === 0) await timeGenerate(model); // warm-up
    side.runs.push(await timeGenerate(model));
    model.dispose();
  }
}
engine.terminate();

const rows = Object.entries(sides).map(([name, s]) => ({
  name,
  tokPerS: median(s.runs.map((x) => x.tokPerS)),
  ttftMs: median(s.runs.map((x) => x.ttftMs)),
  loadMs: median(s.loads),
}));
console.log(`${folder}, f16, 1 thread, ${tokens} tokens greedy, median of ${rounds} rounds`);
console.log('| where | decode tok/s | time to first token ms | load ms |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${r.tokPerS.toFixed(1)} | ${r.ttftMs.toFixed(1)} | ${r.loadMs.toFixed(0)} |`);
const [main, worker] = rows;
console.log(`| worker / this thread | ${(worker.tokPerS / main.tokPerS).toFixed(3)} | ${(worker.ttftMs / main.ttftMs).toFixed(3)} | ${(worker.loadMs / main.loadMs).toFixed(3)} |`);
