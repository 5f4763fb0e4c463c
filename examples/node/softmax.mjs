// The runtime end to end from Node.js: which build and SIMD set qkv picked,
// then a softmax over a vocabulary-sized row of logits on the wasm kernel.
// Run: node examples/node/softmax.mjs   (after `npm run build`)
import { backendInfo, softmax } from '../../dist/index.js';

if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
  console.log('usage: node examples/node/softmax.mjs\n\n'
    + 'Prints the runtime qkv picked (build, threads, SIMD), then times a softmax over 50257 logits.');
  process.exit(0);
}

const info = await backendInfo();
console.log(`qkv runtime: ${info.flavour}, ${info.numThreads} thread(s), SIMD ${info.simd}`);

const vocab = 50257;
const logits = Float32Array.from({ length: vocab }, (_, i) => Math.sin(i * 0.01) * 4 + (i === 464 ? 12 : 0));
const start = performance.now();
const probs = await softmax(logits);
const ms = performance.now() - start;

let best = 0;
for (let i = 1; i < vocab; i++) if (probs[i] > probs[best]) best = i;
const total = probs.reduce((a, b) => a + b, 0);
console.log(`softmax over ${vocab} logits in ${ms.toFixed(2)} ms: argmax ${best} (p = ${probs[best].toFixed(4)}), sum ${total.toFixed(6)}`);
