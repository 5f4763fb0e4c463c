// qkv's memory for one GGUF file in Node.js, without a browser's transient
// buffers: the process's peak RSS and the growth of V8's external memory (the
// wasm heap) over loading it with the benchmark's settings. Prints one JSON line.
//   node bench/gguf/node-memory.mjs <file.gguf>
import { statSync } from 'node:fs';
import { basename } from 'node:path';

import * as qkv from '../../dist/index.js';
import { CONTEXT, describeFile } from './measure.mjs';

const file = process.argv[2];
if (!file) throw new Error('usage: node-memory.mjs <file.gguf>');
qkv.env.wasm.numThreads = 1;
const info = await qkv.backendInfo(); // the runtime's own memory is not the model's
const before = process.memoryUsage();
const decoder = await qkv.loadModel(file, { contextLength: CONTEXT, kvDtype: 'f16' });
const after = process.memoryUsage();
const peak = process.resourceUsage().maxRSS * 1024;
const { dtype } = decoder.info;
decoder.dispose();
const mb = (x) => +(x / 2 ** 20).toFixed(1);
console.log(JSON.stringify({
  engine: `${info.flavour}-node`, ...describeFile(basename(file), statSync(file).size), held_as: dtype,
  peak_mb: mb(peak - before.rss), wasm_growth_mb: mb(after.external - before.external),
}));
