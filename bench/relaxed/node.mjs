// One configuration in this Node process (run it with Node 24: Node 20 has no
// correct relaxed SIMD, so qkv would fall back to SIMD128 there). Prints one JSON line.
//   $node24 bench/relaxed/node.mjs <gpt2-small|llama-100m|qwen3-0.6b> <f32|f16|q8> <threads> <simd|relaxed>
import { fileURLToPath } from 'node:url';

import * as qkv from '../../dist/index.js';
import { measureDecoder } from './measure.mjs';

const [name, dtype, threads, flavour] = process.argv.slice(2);
if (!name || !dtype || !(Number(threads) >= 1) || !['simd', 'relaxed'].includes(flavour)) {
  throw new Error('usage: node.mjs <model folder name under bench/out> <dtype> <threads> <simd|relaxed>');
}
const model = fileURLToPath(new URL(`../out/${name}/`, import.meta.url));
const result = await measureDecoder(qkv, { name, model, dtype, threads: Number(threads), relaxed: flavour === 'relaxed' });
console.log(JSON.stringify({ engine: `node-${process.versions.node}`, ...result }));
