// examples/node/*.mjs run as a user runs them (a child `node`, from the
// repository root, against dist/), and print what the README says: the same
// text, similarities and attention weights the public API gives in-process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFixtureServer } from './fixture-server.mjs';
import { cosine, folder } from './fixtures.mjs';
import { loadModel } from '../../dist/index.js';
import { flavourFor } from './flavours.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node <script> ...args` from the repository root; never rejects. */
function run(script, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

async function apiText(source, prompt, options, loadOptions = {}) {
  const model = await loadModel(source, loadOptions);
  try {
    let text = '';
    for await (const step of model.generate(prompt, options)) text += step.text;
    return text;
  } finally {
    model.dispose();
  }
}

// A plain static server over tests/fixtures (no Range support, as a simple host would be).
let server;
let baseUrl;
before(async () => {
  server = await startFixtureServer();
  baseUrl = server.url;
});
after(() => server.close());

const STATS = /^(\d+) tokens, ([\d.]+) tok\/s, time to first token ([\d.]+) ms$/m;

test('generate.mjs streams the prompt and the greedy continuation model.generate gives, then the speed on stderr', async () => {
  const prompt = 'Once upon a time';
  const { code, stdout, stderr } = await run('examples/node/generate.mjs', ['tests/fixtures/llama-tiny', prompt, '--max-new-tokens', '12']);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, `${prompt}${await apiText(folder('llama-tiny'), prompt, { max_new_tokens: 12 })}\n`);
  const [, tokens, rate, ttft] = stderr.match(STATS) ?? assert.fail(`no speed line in ${JSON.stringify(stderr)}`);
  assert.equal(Number(tokens), 12);
  assert.ok(Number(rate) > 0 && Number(ttft) > 0, stderr);
});

test('generate.mjs passes --temperature, --seed and --dtype through, and reads a model from a URL', async () => {
  const prompt = 'Hello, world';
  const args = ['--max-new-tokens', '10', '--temperature', '0.8', '--seed', '7', '--dtype', 'q8'];
  const want = await apiText(folder('gpt2-tiny'), prompt, { max_new_tokens: 10, temperature: 0.8, seed: 7 }, { dtype: 'q8' });
  const fromFolder = await run('examples/node/generate.mjs', ['tests/fixtures/gpt2-tiny', prompt, ...args]);
  assert.equal(fromFolder.code, 0, fromFolder.stderr);
  assert.equal(fromFolder.stdout, `${prompt}${want}\n`);
  const fromUrl = await run('examples/node/generate.mjs', [`${baseUrl}/gpt2-tiny`, prompt, ...args]);
  assert.equal(fromUrl.code, 0, fromUrl.stderr);
  assert.equal(fromUrl.stdout, fromFolder.stdout);
});

test('gguf.mjs loads a K-quant GGUF, and a split one from its first part, and streams model.generate\'s greedy text', async () => {
  const prompt = 'hello';
  const file = 'tests/fixtures/gguf/kquant/llama-kq-Q4_K_M.gguf';
  const want = `${prompt}${await apiText(file, prompt, { max_new_tokens: 8 })}\n`;
  const model = await loadModel(file);
  const held = model.info.dtype; // q8 today; q4 once Q4_K loads into it
  model.dispose();
  for (const source of [file, 'tests/fixtures/gguf/kquant/split/llama-kq-Q4_K_M-00001-of-00003.gguf']) {
    const { code, stdout, stderr } = await run('examples/node/gguf.mjs', [source, prompt, '--max-new-tokens', '8']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, want);
    assert.equal(stderr, `LlamaForCausalLM: 2 layers, 256 wide; tensors 13 Q4_K, 5 F32, 3 Q6_K; held as ${held}\n`);
  }
});

test('embed.mjs prints the sentences and their symmetric cosine matrix, equal to model.embed\'s', async () => {
  const sentences = ['The cat sat on the mat.', 'A cat was sitting on a rug.', 'Stocks fell sharply.'];
  const { code, stdout, stderr } = await run('examples/node/embed.mjs', ['tests/fixtures/bert-tiny', ...sentences]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split('\n');
  sentences.forEach((s, i) => assert.equal(lines[i], `[${i + 1}] ${s}`));
  const header = lines.indexOf('cosine similarity (mean pooling, normalized):');
  assert.ok(header > 0, stdout);
  const matrix = lines.slice(header + 2).map((line) => line.replace(/^\[\d+\]/, '').trim().split(/\s+/).map(Number));
  assert.equal(matrix.length, sentences.length);

  const model = await loadModel(folder('bert-tiny'));
  const { data, dims: [, width] } = await model.embed(sentences, { pooling: 'mean', normalize: true });
  model.dispose();
  const vector = (i) => data.subarray(i * width, (i + 1) * width);
  for (let i = 0; i < sentences.length; i++) {
    assert.equal(matrix[i].length, sentences.length);
    assert.equal(matrix[i][i], 1);
    for (let j = 0; j < sentences.length; j++) {
      assert.equal(matrix[i][j], matrix[j][i]);
      assert.ok(Math.abs(matrix[i][j] - cosine(vector(i), vector(j))) <= 5e-4, `[${i}][${j}] ${matrix[i][j]}`);
    }
  }
});

// Expected top-k links of one head from model.attention, with the example's rule.
function topLinks(probs, head, n, k, causal, keepFirst) {
  const links = [];
  for (let q = 0; q < n; q++) {
    for (let key = keepFirst ? 0 : 1; key < n && (!causal || key <= q); key++) {
      links.push({ q, k: key, w: probs[(head * n + q) * n + key] });
    }
  }
  return links.sort((a, b) => b.w - a.w).slice(0, k);
}

const LINK = /^(.+)\((\d+)\) -> (.+)\((\d+)\) (\d\.\d{3})$/;

for (const [name, causal] of [['llama-tiny', true], ['bert-tiny', false]]) {
  test(`attention.mjs on ${name}: every layer and head, its K strongest links as model.attention weighs them`, async () => {
    const text = 'The cat sat on the mat';
    const model = await loadModel(folder(name));
    const { tokens, layers, dims: [heads, n] } = await model.attention(text);
    model.dispose();
    for (const keepFirst of [false, true]) {
      const args = [`tests/fixtures/${name}`, text, '--top', '3', ...(keepFirst ? ['--keep-first'] : [])];
      const { code, stdout, stderr } = await run('examples/node/attention.mjs', args);
      assert.equal(code, 0, stderr);
      const lines = stdout.trimEnd().split('\n');
      assert.equal(lines[0], `tokens: ${tokens.map((t, i) => `${t}(${i})`).join(' ')}`);
      const rows = lines.filter((l) => l.startsWith('layer '));
      assert.equal(rows.length, layers.length * heads);
      layers.forEach((probs, layer) => {
        for (let head = 0; head < heads; head++) {
          const row = rows[layer * heads + head];
          const prefix = `layer ${layer} head ${head}: `;
          assert.ok(row.startsWith(prefix), row);
          const got = row.slice(prefix.length).split(' | ').map((link) => {
            const [, qTok, q, kTok, k, w] = link.match(LINK) ?? assert.fail(link);
            assert.equal(qTok, tokens[q]);
            assert.equal(kTok, tokens[k]);
            return { q: Number(q), k: Number(k), w: Number(w) };
          });
          const want = topLinks(probs, head, n, 3, causal, keepFirst);
          assert.deepEqual(got.map((l) => l.w), want.map((l) => Number(l.w.toFixed(3))), row);
          // Ties in weight may order differently; each printed link must carry its own weight.
          for (const l of got) assert.ok(Math.abs(probs[(head * n + l.q) * n + l.k] - l.w) <= 5e-4, row);
          if (!keepFirst) assert.ok(got.every((l) => l.k !== 0), row);
          if (causal) assert.ok(got.every((l) => l.k <= l.q), row);
        }
      });
      // Kept in, the first query's link to itself (weight 1 in a causal model) tops every head.
      if (keepFirst && causal) assert.ok(rows.every((r) => r.includes(`${tokens[0]}(0) -> ${tokens[0]}(0) 1.000`)));
    }
  });
}

test('the examples name qkv errors and exit with status 1; softmax.mjs still runs', async () => {
  const missing = await run('examples/node/generate.mjs', ['tests/fixtures/no-such-model', 'Hi']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^InvalidArgumentError: loadModel: expects a model folder with config\.json .*; no such folder: tests\/fixtures\/no-such-model$/m);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const badNumber = await run('examples/node/generate.mjs', ['tests/fixtures/llama-tiny', 'Hi', '--max-new-tokens', 'many']);
  assert.equal(badNumber.code, 1);
  assert.match(badNumber.stderr, /^InvalidArgumentError: generate: max_new_tokens must be a whole number/);
  const decoder = await run('examples/node/embed.mjs', ['tests/fixtures/llama-tiny', 'one', 'two']);
  assert.equal(decoder.code, 1);
  assert.match(decoder.stderr, /^UnsupportedError: model\.embed\(\): LlamaForCausalLM cannot 'encode'; it can 'generate'/);
  const usage = await run('examples/node/attention.mjs', ['tests/fixtures/llama-tiny']);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /^usage: node examples\/node\/attention\.mjs/);

  const softmax = await run('examples/node/softmax.mjs', []);
  assert.equal(softmax.code, 0, softmax.stderr);
  const cores = Math.min(availableParallelism(), 8);
  assert.match(softmax.stdout, new RegExp(`^qkv runtime: ${flavourFor(cores)}, ${cores} thread\\(s\\), SIMD \\w+$`, 'm'));
  assert.match(softmax.stdout, /argmax 464 .* sum 1\.000000$/m);
});

test('every example script and the demo server answer --help with their usage and exit 0', async () => {
  const scripts = readdirSync(new URL('../../examples/node/', import.meta.url)).filter((f) => f.endsWith('.mjs'))
    .map((f) => `examples/node/${f}`).concat('examples/browser/serve.mjs');
  assert.ok(scripts.length >= 5, scripts.join(' '));
  for (const script of scripts) {
    const { code, stdout, stderr } = await run(script, ['--help']);
    assert.equal(code, 0, `${script}: ${stderr}`);
    assert.ok(stdout.startsWith(`usage: node ${script}`), `${script}: ${stdout}`);
    assert.equal(stderr, '', script);
  }
  const bad = await run('examples/browser/serve.mjs', ['--bogus']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^unknown argument --bogus .*\n\nusage: node examples\/browser\/serve\.mjs/);
});
