// The qkv CLI (dist/cli/qkv.js): its argument parser and progress bar as
// units, then every command as a child process, checked against the public
// API in-process, the fixtures' config.json and their safetensors headers.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFixtureServer } from './fixture-server.mjs';
import { cosine, folder, idNamingTokenizer, reference } from './fixtures.mjs';
import { flavourFor, relaxedExpected } from './flavours.mjs';
import { InvalidArgumentError, loadModel } from '../../dist/index.js';
import { parseArgs } from '../../dist/cli/args.js';
import { LoadProgress } from '../../dist/cli/progress.js';
import { COMMANDS } from '../../dist/cli/main.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const config = (name) => JSON.parse(readFileSync(join(folder(name), 'config.json'), 'utf8'));

/** Runs `node dist/cli/qkv.js ...args` from the repository root; never rejects. */
function qkv(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/qkv.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

/** Parameters as the safetensors header lists them, read here independently of the CLI. */
function headerParameters(file) {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  return Object.entries(header).filter(([k]) => k !== '__metadata__')
    .reduce((sum, [, t]) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}

test('the argument parser: --name value, --name=value, flags, -h, --, negative numbers, and named errors', () => {
  const specs = [
    { name: 'n', type: 'integer', min: 0, description: '' },
    { name: 't', type: 'number', min: 0, minInclusive: false, max: 2, description: '' },
    { name: 'dtype', type: 'string', choices: ['f32', 'q8'], description: '' },
    { name: 'quiet', type: 'boolean', description: '' },
    { name: 'help', type: 'boolean', description: '' },
  ];
  const a = parseArgs(['model', '--n', '5', '--t=0.5', 'prompt', '--quiet', '--dtype', 'q8', '-5', '--', '--n'], specs, 'qkv x');
  assert.deepEqual(a.positionals, ['model', 'prompt', '-5', '--n']);
  assert.equal(a.number('n'), 5);
  assert.equal(a.number('t'), 0.5);
  assert.equal(a.string('dtype'), 'q8');
  assert.equal(a.flag('quiet'), true);
  assert.equal(a.flag('help'), false);
  assert.equal(a.has('t'), true);
  assert.equal(parseArgs(['-h'], specs, 'qkv x').flag('help'), true);
  assert.equal(parseArgs(['--t', '2'], specs, 'qkv x').number('t'), 2);

  const rejects = (argv, pattern) => assert.throws(() => parseArgs(argv, specs, 'qkv x'),
    (e) => e instanceof InvalidArgumentError && pattern.test(e.message), argv.join(' '));
  rejects(['--nope'], /qkv x: unknown option --nope/);
  rejects(['-x'], /unknown option -x/);
  rejects(['--n'], /--n needs a value \(a whole number >= 0\)/);
  rejects(['--n', '1.5'], /--n must be a whole number >= 0, got '1.5'/);
  rejects(['--n', '-1'], /--n must be a whole number >= 0, got '-1'/); // a value, even with a dash
  rejects(['--n', '0x10'], /got '0x10'/);
  rejects(['--n='], /got ''/);
  rejects(['--t', '0'], /--t must be a number > 0 and <= 2, got '0'/);
  rejects(['--t', '2.5'], /got '2.5'/);
  rejects(['--dtype', 'f64'], /--dtype must be one of f32, q8, got 'f64'/);
  rejects(['--quiet=yes'], /--quiet takes no value/);
});

test('the progress bar: redrawn in place on a terminal, one line per file into a pipe, with loadModel\'s total of several files', () => {
  const files = [['a.safetensors', 3_000_000], ['b.safetensors', 1_000_000]];
  // Events as loadModel sends them; known: whether it learned b's size before a started.
  const lines = (tty, known) => {
    let out = '';
    let clock = 0;
    const bar = new LoadProgress({ isTTY: tty, write: (s) => { out += s; } }, () => clock);
    let before = 0;
    files.forEach(([file, total], fileIndex) => {
      const totalBytes = known || fileIndex === 1 ? 4_000_000 : 3_000_000;
      const info = (status, loaded) => ({ status, file, loaded, total, fileIndex, fileCount: 2,
        totalLoaded: before + loaded, totalBytes, totalKnown: totalBytes === 4_000_000 });
      for (const loaded of [total / 2, total]) {
        clock += 50;
        bar.update(info('progress', loaded));
      }
      bar.update(info('done', total));
      before += total;
    });
    bar.end();
    return out;
  };
  const piped = lines(false, true);
  assert.equal(piped, [
    'a.safetensors [########################] 100%  3.0 MB / 3.0 MB  (total 3.0 MB / 4.0 MB)',
    'b.safetensors [########################] 100%  1.0 MB / 1.0 MB  (total 4.0 MB / 4.0 MB)', ''].join('\n'));
  const tty = lines(true, true);
  // Half-way through a.safetensors (drawn), then throttled until done; the total is known up front.
  assert.ok(tty.startsWith('\ra.safetensors [############------------]  50%  1.5 MB / 3.0 MB  (total 1.5 MB / 4.0 MB)\x1b[K'), JSON.stringify(tty));
  assert.equal(tty.split('\n').length, 3);
  // Sizes unknown up front: the total counts the files known so far, and says so.
  assert.equal(lines(false, false), [
    'a.safetensors [########################] 100%  3.0 MB / 3.0 MB  (total 3.0 MB / 3.0 MB so far)',
    'b.safetensors [########################] 100%  1.0 MB / 1.0 MB  (total 4.0 MB / 4.0 MB)', ''].join('\n'));
  // One file: no total.
  let one = '';
  const single = new LoadProgress({ isTTY: false, write: (s) => { one += s; } });
  single.update({ status: 'done', file: 'model.safetensors', loaded: 10, total: 10, fileIndex: 0, fileCount: 1,
    totalLoaded: 10, totalBytes: 10, totalKnown: true });
  assert.equal(one, 'model.safetensors [########################] 100%  10 B / 10 B\n');
});

test('--help lists every command and the common options; each command\'s --help lists its own; --version', async () => {
  const help = await qkv('--help');
  assert.equal(help.code, 0, help.stderr);
  for (const command of ['generate', 'embed', 'inspect', 'bench']) assert.match(help.stdout, new RegExp(`^  ${command} <model>`, 'm'));
  assert.match(help.stdout, /^  download <org\/name>/m);
  for (const option of ['--dtype', '--threads', '--quiet', '--help']) assert.ok(help.stdout.includes(option), option);
  assert.deepEqual(COMMANDS.map((c) => c.name), ['generate', 'chat', 'embed', 'classify', 'rerank', 'ner', 'zero-shot', 'qa',
    'fill-mask', 'translate', 'summarize', 'inspect', 'download', 'bench']);
  for (const command of COMMANDS) {
    const [own, viaHelp] = await Promise.all([qkv(command.name, '--help'), qkv('help', command.name)]);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(own.stdout, viaHelp.stdout);
    assert.ok(own.stdout.startsWith(`Usage: qkv ${command.name} ${command.usage} [options]`), own.stdout);
    for (const option of [...command.options, { name: 'threads' }]) assert.ok(own.stdout.includes(`--${option.name}`), option.name);
  }
  const version = await qkv('--version');
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
  const none = await qkv();
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^InvalidArgumentError: no command given\n\nqkv /);
});

test('generate streams the prompt and the continuation model.generate gives, the progress bar and speed on stderr', async () => {
  const prompt = 'Once upon a time';
  const model = await loadModel(folder('llama-tiny'));
  let greedy = '';
  for await (const { text } of model.generate(prompt, { max_new_tokens: 10 })) greedy += text;
  let sampled = '';
  for await (const { text } of model.generate(prompt, { max_new_tokens: 10, temperature: 0.7, top_k: 40, top_p: 0.9, seed: 3 })) sampled += text;
  model.dispose();

  const out = await qkv('generate', 'tests/fixtures/llama-tiny', prompt, '--max-new-tokens', '10');
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${prompt}${greedy}\n`);
  const [bar, stats] = out.stderr.trimEnd().split('\n');
  assert.equal(bar, 'model.safetensors [########################] 100%  16.7 MB / 16.7 MB');
  const [, tokens, rate, ttft, promptTokens] = stats.match(/^(\d+) tokens, ([\d.]+) tok\/s, time to first token ([\d.]+) ms \(prompt (\d+) tokens\)$/)
    ?? assert.fail(stats);
  assert.deepEqual([Number(tokens), Number(promptTokens)], [10, 5]); // <s> Once upon a time
  assert.ok(Number(rate) > 0 && Number(ttft) > 0);

  const quiet = await qkv('generate', 'tests/fixtures/llama-tiny', prompt, '--max-new-tokens', '10',
    '--temperature', '0.7', '--top-k', '40', '--top-p', '0.9', '--seed', '3', '--quiet');
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stdout, `${prompt}${sampled}\n`);
  assert.equal(quiet.stderr, '');
});

test("generate --temperature 0 prints PyTorch's greedy continuation, even with --top-k and --seed", async () => {
  const prompt = reference('gpt2-tiny').prompts[0];
  const out = await qkv('generate', 'tests/fixtures/gpt2-tiny', prompt.text, '--max-new-tokens', String(prompt.greedy.new_tokens),
    '--temperature', '0', '--top-k', '40', '--seed', '9', '--quiet');
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${prompt.text}${prompt.greedy.text}\n`);
});

test('generate --kv-dtype and --context give what loadModel\'s kvDtype and contextLength give', async () => {
  const prompt = 'Once upon a time';
  const model = await loadModel(folder('llama-tiny'), { kvDtype: 'f16', contextLength: 12 });
  let expected = '';
  for await (const { text } of model.generate(prompt, { max_new_tokens: 20 })) expected += text;
  model.dispose();
  const out = await qkv('generate', 'tests/fixtures/llama-tiny', prompt, '--max-new-tokens', '20',
    '--kv-dtype', 'f16', '--context', '12', '--quiet');
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${prompt}${expected}\n`);
  // The context ran out before --max-new-tokens: said on stderr, even with --quiet.
  assert.equal(out.stderr, '[stopped: the context of 12 positions is full]\n');
  const budget = await qkv('generate', 'tests/fixtures/llama-tiny', prompt, '--max-new-tokens', '3', '--context', '12', '--quiet');
  assert.equal(budget.stderr, '');
  const tooLong = await qkv('generate', 'tests/fixtures/llama-tiny', prompt, '--context', '129');
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /^InvalidArgumentError: a context of 129 positions exceeds the model's 128 \(max_position_embeddings\)$/m);
});

test('embed prints the cosine matrix of model.embed\'s vectors, or the vectors with --json', async () => {
  const sentences = ['The cat sat on the mat.', 'A cat was sitting on a rug.', 'Stocks fell sharply.'];
  const model = await loadModel(folder('bert-tiny'));
  const { data, dims } = await model.embed(sentences, { pooling: 'cls', normalize: true });
  model.dispose();
  const vector = (i) => data.subarray(i * dims[1], (i + 1) * dims[1]);

  const [table, json] = await Promise.all([
    qkv('embed', 'tests/fixtures/bert-tiny', ...sentences, '--pooling', 'cls', '--quiet'),
    qkv('embed', 'tests/fixtures/bert-tiny', ...sentences, '--pooling', 'cls', '--json', '--quiet'),
  ]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  sentences.forEach((s, i) => assert.equal(lines[i], `[${i + 1}] ${s}`));
  assert.equal(lines[sentences.length + 1], 'cosine similarity (cls pooling, normalized):');
  const matrix = lines.slice(sentences.length + 3).map((l) => l.replace(/^\[\d+\]/, '').trim().split(/\s+/).map(Number));
  assert.equal(matrix.length, sentences.length);
  matrix.forEach((row, i) => row.forEach((value, j) => {
    assert.equal(value, matrix[j][i]);
    assert.ok(Math.abs(value - cosine(vector(i), vector(j))) <= 5e-4, `[${i}][${j}]`);
  }));
  assert.deepEqual(matrix.map((row, i) => row[i]), [1, 1, 1]);

  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout);
  assert.deepEqual(parsed.dims, dims);
  assert.deepEqual(parsed.embeddings.flat(), Array.from(data)); // JSON round-trips float32 values exactly
});

test('inspect reports the fixture\'s real numbers: config.json\'s shapes, the headers\' parameter count, dtype, memory, runtime', async () => {
  const llama = config('llama-tiny');
  const out = await qkv('inspect', 'tests/fixtures/llama-tiny');
  assert.equal(out.code, 0, out.stderr);
  const row = (label) => out.stdout.match(new RegExp(`^${label} +(.+)$`, 'm'))?.[1] ?? assert.fail(`no ${label} in\n${out.stdout}`);
  const parameters = headerParameters(join(folder('llama-tiny'), 'model.safetensors'));
  assert.equal(row('architecture'), `${llama.architectures[0]} (generate)`);
  assert.equal(row('parameters'), `4.17M (${parameters.toLocaleString('en-US')})`);
  assert.equal(row('layers'), String(llama.num_hidden_layers));
  assert.equal(row('heads'), `${llama.num_attention_heads} (head dim ${llama.head_dim}, ${llama.num_key_value_heads} key/value heads)`);
  assert.equal(row('width'), `${llama.hidden_size} (feed-forward ${llama.intermediate_size})`);
  assert.equal(row('vocab'), `${llama.vocab_size} (tokenizer.json: ${llama.vocab_size})`);
  assert.equal(row('context'), `${llama.max_position_embeddings} positions`);
  assert.equal(row('dtype'), 'f32 in memory (checkpoint F32)');
  assert.match(row('weights'), /^16\.7 MB in wasm memory \(files 16\.7 MB\)$/);
  const cores = Math.min(availableParallelism(), 8);
  assert.match(row('runtime'), new RegExp(`^${flavourFor(cores)}, ${cores} thread\\(s\\) of ${cores} started, SIMD \\w+$`));
  // Node.js 20 without --experimental-wasm-relaxed-simd has none.
  assert.equal(row('relaxed SIMD'), relaxedExpected ? 'yes' : 'no: this engine lacks WebAssembly relaxed SIMD');

  // Sharded f16 checkpoint, q8 in memory, one thread; the progress bar totals both shards.
  const gpt2 = config('gpt2-tiny');
  const sharded = await qkv('inspect', 'tests/fixtures/gpt2-tiny-sharded', '--json', '--dtype', 'q8', '--threads', '1');
  assert.equal(sharded.code, 0, sharded.stderr);
  const facts = JSON.parse(sharded.stdout);
  assert.deepEqual(
    [facts.architecture, facts.capabilities, facts.layers, facts.heads, facts.width, facts.ffnWidth, facts.vocab, facts.context],
    [gpt2.architectures[0], ['generate'], gpt2.n_layer, gpt2.n_head, gpt2.n_embd, 4 * gpt2.n_embd, gpt2.vocab_size, gpt2.n_positions]);
  assert.equal(facts.parameters, headerParameters(join(folder('gpt2-tiny'), 'model.safetensors')));
  assert.deepEqual([facts.dtype, facts.checkpointDtypes, facts.flavour, facts.relaxedSimd, facts.threads], ['q8', ['F16'], flavourFor(1), relaxedExpected, 1]);
  assert.ok(facts.weightBytes > 0 && facts.weightBytes < facts.fileBytes, 'q8 holds less than the f16 files');
  const bars = sharded.stderr.trimEnd().split('\n');
  assert.equal(bars.length, 2);
  assert.match(bars[1], /^model-00002-of-00002\.safetensors \[#+\] 100% .* \(total 3\.3 MB \/ 3\.3 MB\)$/);

  // Without --dtype the checkpoint's is kept (bf16 is held as f16); transformers.js's names work too.
  for (const [fixture, args, held, stored] of [['gpt2-tiny-bf16', [], 'f16', 'BF16'], ['gpt2-tiny-f16', [], 'f16', 'F16'],
    ['gpt2-tiny-f16', ['--dtype', 'fp32'], 'f32', 'F16'], ['gpt2-tiny', ['--dtype', 'fp16'], 'f16', 'F32']]) {
    const run = await qkv('inspect', `tests/fixtures/${fixture}`, '--json', '--quiet', ...args);
    assert.equal(run.code, 0, run.stderr);
    const { dtype, checkpointDtypes } = JSON.parse(run.stdout);
    assert.deepEqual([dtype, checkpointDtypes], [held, [stored]], `${fixture} ${args.join(' ')}`);
  }

  const bert = JSON.parse((await qkv('inspect', 'tests/fixtures/bert-tiny', '--json', '--quiet')).stdout);
  assert.deepEqual([bert.capabilities, bert.layers, bert.heads, bert.width, bert.parameters],
    [['encode'], 2, 4, 64, headerParameters(join(folder('bert-tiny'), 'model.safetensors'))]);

  // Qwen3's head_dim is its config's (32), not width / heads (16); SmolLM3's is implied. The
  // fixtures are ids only: a copy gets a tokenizer.json naming every id.
  for (const [name, headDim] of [['qwen3-tiny', 32], ['smollm3-tiny', 16]]) {
    const c = config(name);
    const dir = mkdtempSync(join(tmpdir(), `qkv-inspect-${name}-`));
    try {
      for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(folder(name), file), join(dir, file));
      writeFileSync(join(dir, 'tokenizer.json'), idNamingTokenizer(c.vocab_size));
      const run = await qkv('inspect', dir, '--json', '--quiet');
      assert.equal(run.code, 0, run.stderr);
      const f = JSON.parse(run.stdout);
      assert.deepEqual([f.architecture, f.capabilities, f.layers, f.heads, f.kvHeads, f.headDim, f.width, f.vocab, f.parameters],
        [c.architectures[0], ['generate'], c.num_hidden_layers, c.num_attention_heads, c.num_key_value_heads, headDim,
          c.hidden_size, c.vocab_size, headerParameters(join(folder(name), 'model.safetensors'))]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('inspect reads a model from an http URL (a plain server without Range requests) as from its folder', async () => {
  const server = await startFixtureServer();
  try {
    const url = `${server.url}/gpt2-tiny-sharded`;
    const [remote, local] = await Promise.all([
      qkv('inspect', url, '--json', '--threads', '1'),
      qkv('inspect', 'tests/fixtures/gpt2-tiny-sharded', '--json', '--threads', '1', '--quiet'),
    ]);
    assert.equal(remote.code, 0, remote.stderr);
    const strip = ({ model, loadMs, ...facts }) => facts;
    assert.deepEqual(strip(JSON.parse(remote.stdout)), strip(JSON.parse(local.stdout)));
    assert.equal(JSON.parse(remote.stdout).model, url);
    // loadModel's sizes from HEAD requests: the total is known from the first shard on.
    assert.match(remote.stderr, /^model-00001-of-00002\.safetensors .* \(total 3\.2 MB \/ 3\.3 MB\)$/m);
  } finally {
    await server.close();
  }
});

test('bench prints the load time and positive prefill and decode rates (encode for encoders)', async () => {
  const [decoder, encoder, json] = await Promise.all([
    qkv('bench', 'tests/fixtures/llama-tiny', '--tokens', '16', '--runs', '1', '--threads', '1'),
    qkv('bench', 'tests/fixtures/bert-tiny', '--tokens', '200', '--runs', '1'),
    qkv('bench', 'tests/fixtures/gpt2-tiny', '--tokens', '8', '--runs', '2', '--json', '--quiet'),
  ]);
  assert.equal(decoder.code, 0, decoder.stderr);
  assert.match(decoder.stdout, new RegExp(`^runtime +${flavourFor(1)}, 1 thread\\(s\\), SIMD \\w+$`, 'm'));
  assert.match(decoder.stdout, new RegExp(`^relaxed SIMD +${relaxedExpected ? 'yes' : 'no: '}`, 'm'));
  assert.match(decoder.stdout, /^load +[\d.]+ m?s$/m);
  for (const phase of ['prefill', 'decode']) {
    const [, rate] = decoder.stdout.match(new RegExp(`^${phase} +16 tokens: ([\\d.]+) tok/s \\(median of 1 run\\)$`, 'm'))
      ?? assert.fail(decoder.stdout);
    assert.ok(Number(rate) > 0, phase);
  }
  assert.equal(encoder.code, 0, encoder.stderr);
  assert.match(encoder.stderr, /--tokens 200 capped to 128/);
  assert.ok(Number(encoder.stdout.match(/^encode +128 tokens: ([\d.]+) tok\/s/m)?.[1]) > 0, encoder.stdout);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  assert.equal(result.relaxedSimd, relaxedExpected);
  assert.ok(result.prefillTokensPerSecond > 0 && result.decodeTokensPerSecond > 0 && result.loadMs > 0, json.stdout);
});

test('--relaxed-simd off forces the SIMD128 build; on requires relaxed SIMD; other values are refused', async () => {
  const [off, on, bad] = await Promise.all([
    qkv('inspect', 'tests/fixtures/gpt2-tiny', '--json', '--quiet', '--threads', '2', '--relaxed-simd', 'off'),
    qkv('inspect', 'tests/fixtures/gpt2-tiny', '--json', '--quiet', '--threads', '1', '--relaxed-simd', 'on'),
    qkv('inspect', 'tests/fixtures/gpt2-tiny', '--relaxed-simd', 'maybe'),
  ]);
  assert.equal(off.code, 0, off.stderr);
  const facts = JSON.parse(off.stdout);
  assert.deepEqual([facts.flavour, facts.relaxedSimd, facts.relaxedSimdReason, facts.threads],
    ['qkv-simd-threads', false, 'env.wasm.relaxedSimd is false', 2]);
  if (relaxedExpected) {
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual([JSON.parse(on.stdout).flavour, JSON.parse(on.stdout).relaxedSimd], ['qkv-relaxed', true]);
  } else {
    assert.equal(on.code, 1);
    assert.match(on.stderr, /^UnsupportedError: env\.wasm\.relaxedSimd is true, but this engine lacks WebAssembly relaxed SIMD; set it to 'auto'/);
  }
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--relaxed-simd/);
  assert.match(bad.stderr, /auto, on, off|auto.*on.*off/);
});

test('every model command names a path that is no model folder in one shape, without ENOENT / ENOTDIR', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'qkv-cli-'));
  try {
    writeFileSync(join(empty, 'config.json'), '{}');
    const shape = 'expects a model folder with config\\.json and model\\.safetensors \\(or shards with model\\.safetensors\\.index\\.json\\); ';
    const paths = [
      ['tests/fixtures/no-such-model', 'no such folder: tests/fixtures/no-such-model'],
      ['package.json', 'got a file: package.json'],
      ['package.json/inner', 'no such folder: package.json/inner'],
      [empty, `${empty} has no model.safetensors`],
    ];
    for (const command of ['generate', 'embed', 'inspect', 'bench']) {
      const extra = command === 'generate' || command === 'embed' ? ['Hi'] : [];
      for (const [path, problem] of paths) {
        const { code, stderr } = await qkv(command, path, ...extra, '--quiet');
        assert.equal(code, 1, stderr);
        const escaped = problem.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        assert.match(stderr, new RegExp(`^InvalidArgumentError: qkv ${command}: ${shape}${escaped}\n$`));
        assert.doesNotMatch(stderr, /ENOENT|ENOTDIR/);
      }
    }
    // The library says the same to loadModel's callers.
    await assert.rejects(loadModel(empty), (e) => e.name === 'InvalidArgumentError'
      && new RegExp(`^loadModel: ${shape}`).test(e.message) && e.message.endsWith('has no model.safetensors'));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('--threads above the cores (or 8) is capped with one line on stderr', async () => {
  const { code, stdout, stderr } = await qkv('inspect', 'tests/fixtures/llama-tiny', '--json', '--threads', '99', '--quiet');
  assert.equal(code, 0, stderr);
  const cap = Math.min(availableParallelism(), 8);
  assert.equal(stderr, `qkv: 99 threads asked for but ${cap < 8 ? `this machine has ${cap} core(s)` : 'qkv uses at most 8'}; using ${cap}.\n`);
  assert.equal(JSON.parse(stdout).threads, cap);
});

test('errors print "ErrorClass: message" without a stack and exit with status 1', async () => {
  const broken = mkdtempSync(join(tmpdir(), 'qkv-cli-'));
  try {
    copyFileSync(join(folder('gpt2-tiny'), 'config.json'), join(broken, 'config.json'));
    copyFileSync(join(folder('gpt2-tiny'), 'tokenizer.json'), join(broken, 'tokenizer.json'));
    writeFileSync(join(broken, 'model.safetensors'), 'this is not a safetensors file');
    const cases = [
      [['generate', 'tests/fixtures/no-such-model', 'Hi'], /^InvalidArgumentError: qkv generate: expects a model folder with config\.json .*; no such folder: tests\/fixtures\/no-such-model$/],
      [['generate', 'tests/fixtures/llama-tiny', 'Hi', '--dtype', 'f64'], /^InvalidArgumentError: qkv generate: --dtype must be one of auto, f32, f16, q8, q4, fp32, fp16, got 'f64'$/],
      [['generate', 'tests/fixtures/llama-tiny', 'Hi', '--max-new-tokens', 'lots'], /^InvalidArgumentError: qkv generate: --max-new-tokens must be a whole number >= 0, got 'lots'$/],
      [['generate', 'tests/fixtures/llama-tiny', 'Hi', '--top-p', '1.5'], /^InvalidArgumentError: qkv generate: --top-p must be a number > 0 and <= 1/],
      [['generate', 'tests/fixtures/llama-tiny'], /^InvalidArgumentError: qkv generate: expected <model> "<prompt>", got 1 argument/],
      [['inspect', 'tests/fixtures/llama-tiny', '--colour'], /^InvalidArgumentError: qkv inspect: unknown option --colour/],
      [['transcribe', 'x'], /^InvalidArgumentError: qkv: unknown command 'transcribe' \(commands: generate, chat, embed, classify, rerank, ner, zero-shot, qa, fill-mask, translate, summarize, inspect, download, bench/],
      [['--threads', '2', 'bench', 'x'], /^InvalidArgumentError: qkv: expected a command first/],
      [['generate', 'tests/fixtures/bert-tiny', 'Hi', '--quiet'], /^UnsupportedError: model\.generate\(\): BertModel cannot 'generate'; it can 'encode' \(embed\(\)\)$/],
      [['embed', 'tests/fixtures/llama-tiny', 'one', 'two', '--quiet'], /^UnsupportedError: model\.embed\(\): LlamaForCausalLM cannot 'encode'; it can 'generate' \(generate\(\), forward\(\)\)$/],
      [['inspect', broken, '--quiet'], /^FormatError: /],
      [['bench', broken, '--quiet'], /^FormatError: /],
    ];
    const results = await Promise.all(cases.map(([args]) => qkv(...args)));
    results.forEach(({ code, stdout, stderr }, i) => {
      const [args, pattern] = cases[i];
      assert.equal(code, 1, args.join(' '));
      // One line: the error, no stack trace (and no progress bar: nothing was loaded, or --quiet).
      assert.equal(stderr.split('\n').length, 2, stderr);
      assert.match(stderr.trimEnd(), pattern, args.join(' '));
      assert.equal(stdout, '', args.join(' '));
    });
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});
