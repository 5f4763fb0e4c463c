// Checks the trained demo model through qkv (dist/index.js), against what train.py's PyTorch code says.
//
//   node examples/models/check_qkv.mjs tokens <tokenizer.json> <goldens.json>
//       goldens.json: [{ text, ids }] from bpe_train.py; checks encode(text) === ids and
//       decode(encode(text)) === text for each.
//   node examples/models/check_qkv.mjs logits <model folder> <reference.json>
//       reference.json from `train.py --reference PROMPT`: checks qkv's tokens, the logits of every
//       prompt position (max abs difference) and the greedy continuation.
//   node examples/models/check_qkv.mjs sample <model folder> "<prompt>" [seed]
//       prints a greedy and a sampled continuation.
import { readFileSync } from 'node:fs';
import { createTokenizer, env, loadModel } from '../../dist/index.js';

env.wasm.numThreads = 1;
const [mode, path, arg, seedArg] = process.argv.slice(2);

if (mode === 'tokens') {
  const tok = createTokenizer(JSON.parse(readFileSync(path, 'utf8')));
  let bad = 0;
  const goldens = JSON.parse(readFileSync(arg, 'utf8'));
  for (const { text, ids } of goldens) {
    const got = tok.encode(text);
    const same = got.length === ids.length && got.every((t, i) => t === ids[i]);
    const round = tok.decode(got) === text;
    if (!same || !round) {
      bad++;
      const i = got.findIndex((t, k) => t !== ids[k]);
      console.log(`MISMATCH ${JSON.stringify(text.slice(0, 60))}: first difference at ${i}, round trip ${round}`);
    }
  }
  console.log(`tokens: ${goldens.length - bad}/${goldens.length} texts encode to the Python ids and decode back exactly`);
  process.exit(bad ? 1 : 0);
} else if (mode === 'logits') {
  const ref = JSON.parse(readFileSync(arg, 'utf8'));
  const model = await loadModel(path, { dtype: 'f32' });
  const ids = model.tokenizer.encode(ref.prompt);
  if (ids.join() !== ref.ids.join()) throw new Error(`tokens differ: ${ids} vs ${ref.ids}`);
  const { logits, dims } = await model.forward(ids);
  let maxDiff = 0;
  let maxRef = 0;
  for (let p = 0; p < dims[0]; p++) {
    for (let v = 0; v < dims[1]; v++) {
      maxDiff = Math.max(maxDiff, Math.abs(logits[p * dims[1] + v] - ref.logits[p][v]));
      maxRef = Math.max(maxRef, Math.abs(ref.logits[p][v]));
    }
  }
  const greedy = [];
  for await (const { token } of model.generate(ref.prompt, { max_new_tokens: ref.greedy_ids.length, do_sample: false, eos_token_id: [] })) greedy.push(token);
  // The last yield may repeat the last token (it flushes held-back text), hence the slice.
  greedy.splice(ref.greedy_ids.length);
  const sameGreedy = greedy.join() === ref.greedy_ids.join();
  console.log(`logits: ${dims[0]} positions x ${dims[1]}, max |qkv - PyTorch| = ${maxDiff.toExponential(2)} (largest |logit| ${maxRef.toFixed(2)})`);
  console.log(`greedy ${ref.greedy_ids.length} tokens: ${sameGreedy ? 'same as PyTorch' : 'DIFFERENT'}: ${JSON.stringify(model.tokenizer.decode(greedy))}`);
  model.dispose();
  process.exit(maxDiff < 5e-3 && sameGreedy ? 0 : 1);
} else if (mode === 'sample') {
  const model = await loadModel(path);
  const seed = Number(seedArg ?? 1);
  for (const [label, opts] of [['greedy', { do_sample: false }], [`sampled (temperature 0.8, top_p 0.95, seed ${seed})`, { temperature: 0.8, top_p: 0.95, seed }]]) {
    let text = '';
    for await (const t of model.generate(arg, { max_new_tokens: 60, ...opts })) text += t.text;
    console.log(`--- ${label}\n${arg}${text}\n`);
  }
  model.dispose();
} else {
  console.error('usage: node examples/models/check_qkv.mjs tokens|logits|sample ...');
  process.exit(2);
}
