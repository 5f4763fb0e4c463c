// transformers.js 4.3.1 on onnxruntime-web's wasm backend in Node, for the benches that compare with
// it (bench/encoder-tasks/bench.mjs, bench/seq2seq/tjs.mjs). $TJS: the folder where
// `npm i -E --ignore-scripts @huggingface/transformers@4.3.1` installed it.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

export async function importTransformersJs(threads) {
  if (!process.env.TJS) throw new Error('tjs: set TJS to the folder where @huggingface/transformers@4.3.1 is installed');
  const req = createRequire(`${process.env.TJS}/package.json`);
  const entry = req.resolve('@huggingface/transformers'); // dist/transformers.node.cjs
  const version = JSON.parse(readFileSync(entry.replace(/dist\/[^/]*$/, 'package.json'), 'utf8')).version;
  if (version !== '4.3.1') throw new Error(`tjs: $TJS has @huggingface/transformers ${version}, not 4.3.1`);
  // transformers.js's Node build picks onnxruntime-node; a runtime registered under this symbol
  // replaces it. onnxruntime-web's Node entry runs the same wasm as in a browser, from its own dist/
  // (else transformers.js points wasmPaths at a CDN).
  const ortEntry = req.resolve('onnxruntime-web');
  const ort = await import(ortEntry);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = ortEntry.replace(/[^/]*$/, '');
  globalThis[Symbol.for('onnxruntime')] = ort;
  const tjs = await import(entry);
  tjs.env.allowRemoteModels = false;
  return { tjs, ort, version };
}
