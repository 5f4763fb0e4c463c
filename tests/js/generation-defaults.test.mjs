// generation_config.json's sampling defaults (transformers' GenerationConfig
// names): generate(), the pipeline and `qkv generate` use them where their
// options leave a value out; explicit options win. Checked against the same
// fixture run with those values given explicitly, and against PyTorch's
// greedy references where the defaults leave generation greedy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { folder, reference } from './fixtures.mjs';
import { loadModel, pipeline } from '../../dist/index.js';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const prompt = reference('gpt2-tiny').prompts[0];
const dirs = [];
let plain;

/** gpt2-tiny with this generation_config.json. */
function withConfig(generationConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-gencfg-'));
  dirs.push(dir);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) {
    copyFileSync(join(folder('gpt2-tiny'), f), join(dir, f));
  }
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 50256, ...generationConfig }));
  return dir;
}

async function run(model, options) {
  const tokens = [];
  let text = '';
  for await (const step of model.generate(prompt.text, options)) {
    if (step.token >= 0) tokens.push(step.token);
    text += step.text;
  }
  return { tokens, text };
}

function qkv(...args) {
  return new Promise((done) => {
    execFile(process.execPath, ['dist/cli/qkv.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => done({ code: error ? error.code ?? 1 : 0, stdout, stderr }));
  });
}

before(async () => { plain = await loadModel(folder('gpt2-tiny')); });
after(() => {
  plain?.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const SAMPLING = { do_sample: true, temperature: 0.8, top_k: 40, top_p: 0.9, repetition_penalty: 1.2, max_new_tokens: 6 };

test('do_sample and its values from generation_config.json are the defaults; explicit options win', async () => {
  const dir = withConfig(SAMPLING);
  const model = await loadModel(dir);
  try {
    assert.deepEqual(model.info.generation, SAMPLING);
    assert.deepEqual(plain.info.generation, {}); // gpt2-tiny's file sets no sampling value
    // What the fixture gives with the same values spelled out.
    const explicit = await run(plain, { ...SAMPLING, seed: 3 });
    assert.equal(explicit.tokens.length, 6);
    assert.deepEqual(await run(model, { seed: 3 }), explicit);
    assert.notDeepEqual((await run(model, { seed: 4 })).tokens, explicit.tokens);
    // do_sample: false opts out: PyTorch's greedy continuation (the file's repetition_penalty still
    // applies, as in transformers, but changes nothing before a token repeats), the file's length.
    assert.deepEqual((await run(model, { do_sample: false })).tokens, prompt.greedy.ids.slice(0, 6));
    assert.deepEqual((await run(model, { temperature: 0 })).tokens, prompt.greedy.ids.slice(0, 6));
    assert.deepEqual((await run(model, { do_sample: false, max_new_tokens: 9 })).tokens, prompt.greedy.ids.slice(0, 9));
    // One explicit value replaces only itself.
    assert.deepEqual(await run(model, { seed: 3, temperature: 1.5 }), await run(plain, { ...SAMPLING, seed: 3, temperature: 1.5 }));

    const generator = await pipeline('text-generation', dir);
    const [out] = await generator(prompt.text, { seed: 3 });
    assert.equal(out.generated_text, prompt.text + explicit.text);
    await generator.dispose();
  } finally {
    model.dispose();
  }
});

test('without do_sample: true the file\'s temperature leaves generation greedy; max_length counts the prompt; bad values are left out', async () => {
  const n = prompt.ids.length;
  const model = await loadModel(withConfig({ temperature: 0.7, top_p: 7, top_k: -2, max_length: n + 4 }));
  try {
    assert.deepEqual(model.info.generation, { temperature: 0.7, max_length: n + 4 });
    assert.deepEqual((await run(model, {})).tokens, prompt.greedy.ids.slice(0, 4));
    // The caller's own sampling option turns sampling on, with the file's temperature.
    assert.deepEqual(await run(model, { top_k: 40, seed: 2 }), await run(plain, { top_k: 40, temperature: 0.7, max_new_tokens: 4, seed: 2 }));
  } finally {
    model.dispose();
  }
});

test('qkv generate: --seed alone samples as the file says, --greedy opts out, the file\'s max_new_tokens replaces 64', async () => {
  const dir = withConfig(SAMPLING);
  const sampled = await qkv('generate', dir, prompt.text, '--seed', '3', '--quiet');
  assert.equal(sampled.code, 0, sampled.stderr);
  assert.equal(sampled.stdout, `${prompt.text}${(await run(plain, { ...SAMPLING, seed: 3 })).text}\n`);
  const greedy = await qkv('generate', dir, prompt.text, '--greedy', '--seed', '3', '--max-new-tokens', '20', '--quiet');
  assert.equal(greedy.code, 0, greedy.stderr);
  // Greedy still applies the file's repetition_penalty, as transformers does (it is no sampling option).
  const penalized = await run(plain, { repetition_penalty: 1.2, max_new_tokens: 20 });
  assert.notEqual(penalized.text, prompt.greedy.text);
  assert.equal(greedy.stdout, `${prompt.text}${penalized.text}\n`);
  const plainGreedy = await qkv('generate', withConfig({ ...SAMPLING, repetition_penalty: 1 }), prompt.text, '--greedy',
    '--max-new-tokens', '20', '--quiet');
  assert.equal(plainGreedy.stdout, `${prompt.text}${prompt.greedy.text}\n`);
});
