// One-thread prefill timed by the process's CPU time as well as the wall
// clock, for a machine shared with other work (wall times there mostly
// measure the scheduler). Run with Node 24 (relaxed SIMD; Node 20's is
// wrong). Loads the model once, then times `rounds` prefills of 128-token
// prompts (each the first token of a fresh generate()); prints one
// JSON line with the medians.
//   $node24 bench/relaxed/prefill-cpu.mjs <model folder under bench/out> <dtype> <simd|relaxed> [rounds]
import { fileURLToPath } from 'node:url';

import * as qkv from '../../dist/index.js';

const [name, dtype, flavour, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 5);
if (!name || !dtype || !['simd', 'relaxed'].includes(flavour) || !(rounds >= 1)) {
  throw new Error('usage: prefill-cpu.mjs <model> <dtype> <simd|relaxed> [rounds]');
}
qkv.env.wasm.numThreads = 1;
qkv.env.wasm.relaxedSimd = flavour === 'relaxed' ? 'auto' : false;
const runtime = await qkv.backendInfo();
const decoder = await qkv.loadModel(fileURLToPath(new URL(`../out/${name}/`, import.meta.url)), { dtype });
// A different first id each round: generate() would reuse a cached prompt.
const prompt = (r) => Array.from({ length: 128 }, (_, i) => 1 + ((i * 7919 + 13 + (i === 0 ? r : 0)) % 31000));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const wall = [];
const cpu = [];
for (let r = 0; r <= rounds; ++r) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for await (const _ of decoder.generate(prompt(r), { max_new_tokens: 1, eos_token_id: [] })) break;
  const c = process.cpuUsage(c0);
  if (r === 0) continue; // warm-up: the first call compiles and allocates
  wall.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
decoder.dispose();
console.log(JSON.stringify({
  engine: `node-${process.versions.node}`, name, dtype, flavour: runtime.flavour, rounds,
  prefill_wall_ms: +median(wall).toFixed(1), prefill_wall_min_ms: +Math.min(...wall).toFixed(1),
  prefill_cpu_ms: +median(cpu).toFixed(1),
}));
