// loadModel(hubId, { file } | { quant }): the GGUF file a Hub repository holds,
// chosen from its listing (sources/gguf-files.ts), streamed from a loopback
// fake Hub (tests/js/fake-hub.mjs). The reference is the same file loaded from
// disk: the chosen bytes must be that file's, so the logits are equal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { env, InvalidArgumentError, loadModel } from '../../dist/index.js';
import { uniqueId, useFakeHub } from './hub-support.mjs';

env.wasm.numThreads = 1;
const fixture = (file) => new URL(`../fixtures/gguf/models/${file}`, import.meta.url).pathname;

let hub;
useFakeHub((started) => {
  hub = started;
});

// A repository as GGUF repositories are published: one file per quant, no config.json.
function ggufRepo() {
  return {
    'README.md': '# tiny',
    'Qwen3-Tiny-F32.gguf': readFileSync(fixture('qwen3-tiny-f32.gguf')),
    'Qwen3-Tiny-Q8_0.gguf': readFileSync(fixture('qwen3-tiny-q8_0.gguf')),
    'Qwen3-Tiny-Q4_0.gguf': readFileSync(fixture('qwen3-tiny-q4_0.gguf')),
  };
}

async function lastLogits(model, ids) {
  const out = await model.forward(ids);
  return out.logits.slice(out.logits.length - model.info.nVocab);
}

test('{ quant } and { file } load the chosen GGUF of a Hub repository, the same model as that file from disk', async () => {
  const id = uniqueId('qwen3-tiny-gguf');
  hub.addRepo(id, ggufRepo());
  const ids = [1, 5, 9, 42, 7];
  for (const [options, file] of [[{ quant: 'q8_0' }, 'qwen3-tiny-q8_0.gguf'], [{ file: 'Qwen3-Tiny-Q4_0.gguf' }, 'qwen3-tiny-q4_0.gguf']]) {
    const fromHub = await loadModel(id, options);
    const fromDisk = await loadModel(fixture(file));
    try {
      assert.equal(fromHub.info.format, 'gguf');
      assert.deepEqual(fromHub.info.ggmlTypes, fromDisk.info.ggmlTypes);
      assert.deepEqual(await lastLogits(fromHub, ids), await lastLogits(fromDisk, ids));
    } finally {
      fromHub.dispose();
      fromDisk.dispose();
    }
  }
});

test('wrong GGUF choices are named errors', async () => {
  const id = uniqueId('qwen3-tiny-gguf');
  hub.addRepo(id, ggufRepo());
  await assert.rejects(loadModel(id, { quant: 'Q5_K_M' }), /Q5_K_M/);
  await assert.rejects(loadModel(id, { quant: '' }), InvalidArgumentError);
  await assert.rejects(loadModel('./not-a-hub-id.bin', { quant: 'Q8_0' }), InvalidArgumentError);
  const split = uniqueId('split-gguf');
  const bytes = readFileSync(fixture('qwen3-tiny-q8_0.gguf'));
  hub.addRepo(split, { 'M-Q8_0-00001-of-00002.gguf': bytes, 'M-Q8_0-00002-of-00002.gguf': bytes });
  // Two copies of a single file named as parts: their headers say they are no split model.
  await assert.rejects(loadModel(split, { quant: 'Q8_0' }),
    (e) => e instanceof InvalidArgumentError && /split\.count is absent but 2 GGUF files were given/.test(e.message));
});
