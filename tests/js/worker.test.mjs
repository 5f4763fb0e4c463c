// WorkerEngine in Node.js: qkv in a worker_threads Worker driven with the
// same calls as the main-thread API. Results are checked against the PyTorch
// references of tests/fixtures, as the main-thread suites do, plus what only
// a worker has: aborts crossing threads, errors keeping their class, early
// exits from a stream, terminate(), a worker that fails to start, and an idle
// engine not keeping the process alive. (Chromium: tests/browser/worker.test.mjs.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createTestServer } from './http-server.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { compareLogits, cosine, folder, maxAttentionError, reference } from './fixtures.mjs';
import {
  InvalidArgumentError,
  QkvError,
  UnsupportedError,
  WorkerEngine,
  WorkerModel,
} from '../../dist/index.js';
import { flavourFor } from './flavours.mjs';

const gpt2 = reference('gpt2-tiny');
const sotuFolder = new URL('../../examples/models/sotu-llama/', import.meta.url).pathname;
let engine;
let model;

before(async () => {
  engine = await WorkerEngine.create({ numThreads: 1 });
  model = await engine.loadModel(folder('gpt2-tiny'));
});
after(() => engine?.terminate());

async function generated(m, prompt, options) {
  const tokens = [];
  let text = '';
  for await (const step of m.generate(prompt, options)) {
    tokens.push(step.token);
    text += step.text;
  }
  return { tokens, text };
}

test('the worker runs the one-thread build and reports it', async () => {
  const info = await engine.backendInfo();
  assert.equal(info.flavour, flavourFor(1));
  assert.equal(info.numThreads, 1);
  assert.ok(model instanceof WorkerModel);
  assert.equal(model.info.architecture, 'GPT2LMHeadModel');
  assert.equal(model.info.dtype, 'f32');
});

test("gpt2-tiny in a worker: greedy text, logits and attention equal PyTorch's", async () => {
  for (const prompt of gpt2.prompts) {
    assert.deepEqual(await model.tokenizer.encode(prompt.text), prompt.ids);
    const { tokens, text } = await generated(model, prompt.text, { max_new_tokens: prompt.greedy.new_tokens });
    assert.deepEqual(tokens, prompt.greedy.ids, prompt.text);
    assert.equal(text, prompt.greedy.text);
    assert.equal(await model.tokenizer.decode(prompt.greedy.ids), prompt.greedy.text);
  }
  // The reason the stream ended crosses the worker boundary.
  const [prompt] = gpt2.prompts;
  const last = async (options) => {
    let step;
    for await (step of model.generate(prompt.text, options));
    return step;
  };
  assert.equal((await last({ max_new_tokens: 3 })).finishReason, 'max_new_tokens');
  // With its usage: the same prompt as the call before, so all but its last token come from the cache.
  assert.deepEqual(await last({ max_new_tokens: 20, eos_token_id: prompt.greedy.ids[2] }), {
    token: -1, text: '', finishReason: 'eos',
    usage: { promptTokens: prompt.ids.length, cachedTokens: prompt.ids.length - 1, generatedTokens: 2 },
  });
  assert.equal((await last({ max_new_tokens: 20, stop: prompt.greedy.text.slice(5, 9) })).finishReason, 'stop');
  const { maxAbs, rows, agree } = await compareLogits(model, 'gpt2-tiny');
  assert.ok(rows >= 20 && agree === rows && maxAbs <= 1e-4, `max |logit error| ${maxAbs}, top-1 ${agree}/${rows}`);
  const att = await model.attention(gpt2.prompts[gpt2.attention.prompt].text);
  const [nLayer, nHead, n] = gpt2.attention.shape;
  assert.equal(att.layers.length, nLayer);
  assert.deepEqual(att.dims, [nHead, n, n]);
  assert.ok(att.layers.every((layer) => layer instanceof Float32Array));
  const maxProb = maxAttentionError(att.layers, gpt2.attention.probs, n);
  assert.ok(maxProb <= 1e-5, `max |attention error| ${maxProb}`);
});

test('chat in a worker: apply_chat_template and generate(messages) pass through', async () => {
  const template = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
  const dir = folder('gpt2-tiny');
  const chat = await engine.loadModel({
    config: `${dir}/config.json`, weights: `${dir}/model.safetensors`, tokenizer: `${dir}/tokenizer.json`,
    tokenizerConfig: new TextEncoder().encode(JSON.stringify({ chat_template: template })),
  });
  try {
    const messages = [{ role: 'user', content: 'The cat sat' }];
    const text = await chat.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
    assert.equal(text, '<|user|>The cat sat<|assistant|>');
    const ids = await chat.tokenizer.apply_chat_template(messages, { add_generation_prompt: true });
    assert.deepEqual(ids, await chat.tokenizer.encode(text, { add_special_tokens: false }));
    const fromMessages = await generated(chat, messages, { max_new_tokens: 5 });
    assert.deepEqual(fromMessages, await generated(chat, ids, { max_new_tokens: 5 }));
    // Errors keep their class: the gpt2-tiny model of `model` has no template.
    await assert.rejects(model.tokenizer.apply_chat_template(messages), (e) => e instanceof InvalidArgumentError && /chat template/.test(e.message));
  } finally {
    chat.dispose();
  }
});

test('load progress events arrive from the worker; dtype is applied there', async () => {
  const events = [];
  const q8 = await engine.loadModel(folder('gpt2-tiny-sharded'), { dtype: 'q8', onProgress: (e) => events.push(e) });
  try {
    assert.equal(q8.info.dtype, 'q8');
    const done = events.filter((e) => e.status === 'done').map((e) => e.file);
    assert.ok(done.length >= 2, `one 'done' per shard: ${JSON.stringify(done)}`);
    assert.ok(events.every((e) => e.loaded <= e.total));
  } finally {
    q8.dispose();
  }
});

test('bert-tiny in a worker: embeddings equal PyTorch\'s; encoder errors keep their class', async () => {
  const bert = await engine.loadModel(folder('bert-tiny'));
  try {
    const ref = reference('bert-tiny');
    const { data, dims } = await bert.embed(ref.texts.map((t) => t.text), { pooling: 'mean', normalize: true });
    assert.deepEqual(dims, [ref.texts.length, bert.info.nEmbd]);
    ref.texts.forEach((t, r) => {
      const got = data.subarray(r * dims[1], (r + 1) * dims[1]);
      assert.ok(cosine(got, t.mean_pooled_normalized) >= 0.9999, t.text);
    });
    await assert.rejects(generated(bert, 'hello'), (e) => e instanceof UnsupportedError && /cannot 'generate'; it can 'encode'/.test(e.message));
  } finally {
    bert.dispose();
  }
});

test('an abort stops generation in the worker; the model stays usable', async () => {
  // sotu-llama (256 positions): gpt2-tiny's 64 positions can all be generated before the abort reaches the
  // worker, which then ends the stream ('context') instead of rejecting.
  const sotu = await engine.loadModel(sotuFolder);
  try {
    const prompt = 'My fellow citizens,';
    const greedy = { max_new_tokens: 5, do_sample: false };
    // What the model gives before any abort, computed without the prompt cache.
    const want = (await generated(sotu, prompt, { ...greedy, cache_prompt: false })).tokens;
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(async () => {
      for await (const { token } of sotu.generate(prompt, { max_new_tokens: 1000, signal: controller.signal, eos_token_id: [] })) {
        if (token >= 0 && ++seen === 3) controller.abort();
      }
    }, (e) => e.name === 'AbortError');
    assert.ok(seen >= 3 && seen < 1000, `stopped after ${seen} tokens`);
    // An already aborted signal rejects before anything is sent.
    await assert.rejects(generated(sotu, prompt, { signal: AbortSignal.abort() }), (e) => e.name === 'AbortError');
    const { tokens } = await generated(sotu, prompt, greedy);
    assert.deepEqual(tokens, want);
  } finally {
    sotu.dispose();
  }
  // gpt2-tiny against its PyTorch reference: still right after another model's abort.
  const ref = gpt2.prompts[0];
  assert.deepEqual((await generated(model, ref.ids, { max_new_tokens: 5 })).tokens, ref.greedy.ids.slice(0, 5));
});

test("with on_abort 'finish' the worker ends the stream with finishReason 'abort' and sends that item", async () => {
  // sotu-llama (256 positions, ~5M parameters): slow enough that the abort reaches the worker long before the context is full.
  const sotu = await engine.loadModel(sotuFolder);
  try {
    const greedy = { max_new_tokens: 200, do_sample: false, eos_token_id: [] };
    const controller = new AbortController();
    const items = [];
    for await (const item of sotu.generate('My fellow citizens,', { ...greedy, signal: controller.signal, on_abort: 'finish' })) {
      items.push(item);
      if (items.length === 3) controller.abort();
    }
    const last = items.at(-1);
    assert.equal(last.finishReason, 'abort', JSON.stringify(last));
    assert.equal(last.token, -1);
    assert.ok(items.slice(0, -1).every((s) => s.finishReason === undefined && s.token >= 0));
    const tokens = items.slice(0, -1).map((s) => s.token);
    assert.ok(tokens.length >= 3 && tokens.length < 200, `stopped after ${tokens.length} tokens`);
    // What arrived is the greedy run's beginning, and its text all of it.
    const full = await generated(sotu, 'My fellow citizens,', greedy);
    assert.deepEqual(tokens, full.tokens.slice(0, tokens.length));
    assert.equal(items.map((s) => s.text).join(''), await sotu.tokenizer.decode(tokens));
    // Aborted before the call: the page ends the stream the same way (the worker never hears of it).
    const before = [];
    for await (const item of sotu.generate('Hi', { signal: AbortSignal.abort(), on_abort: 'finish' })) before.push(item);
    assert.deepEqual(before, [{ token: -1, text: '', finishReason: 'abort' }]);
    // An option value the worker refuses keeps its class.
    await assert.rejects(generated(sotu, 'Hi', { on_abort: 'later' }), InvalidArgumentError);
  } finally {
    sotu.dispose();
  }
});

test('leaving a stream early (break) stops the worker, and the next call is right', async () => {
  const prompt = gpt2.prompts[1];
  for await (const step of model.generate(prompt.ids, { max_new_tokens: 1000, eos_token_id: [] })) {
    if (step.token >= 0) break;
  }
  const { tokens } = await generated(model, prompt.ids, { max_new_tokens: prompt.greedy.new_tokens });
  assert.deepEqual(tokens, prompt.greedy.ids);
});

test('bad inputs reject with the error class they have on the main thread', async () => {
  await assert.rejects(generated(model, 'hi', { temperature: -1 }), InvalidArgumentError);
  await assert.rejects(model.forward([gpt2.config.vocab_size + 5]), (e) => e instanceof InvalidArgumentError && /vocabulary/.test(e.message));
  await assert.rejects(model.embed('hi'), (e) => e instanceof UnsupportedError && /cannot 'encode'; it can 'generate'/.test(e.message));
  // An option that cannot be sent to a worker is named, not a bare DataCloneError.
  await assert.rejects(generated(model, 'hi', { stop: () => 'x' }), (e) => e instanceof InvalidArgumentError && /worker/.test(e.message));
  await assert.rejects(engine.loadModel(folder('no-such-model')), (e) => e instanceof QkvError && /no-such-model/.test(e.message));
  await assert.rejects(engine.loadModel(folder('gpt2-tiny'), { dtype: 'int3' }), InvalidArgumentError);
  // Still fine afterwards.
  const { tokens } = await generated(model, gpt2.prompts[0].ids, { max_new_tokens: 3 });
  assert.deepEqual(tokens, gpt2.prompts[0].greedy.ids.slice(0, 3));
});

test('an abort during a download stops the load in the worker; the next load works', async () => {
  // Serves gpt2-tiny but stalls model.safetensors after its first 64 KiB: only an abort ends that load.
  const server = createTestServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1);
    let bytes;
    try {
      bytes = readFileSync(`${folder('gpt2-tiny')}/${name}`);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': bytes.length });
    if (name === 'model.safetensors') res.write(bytes.subarray(0, 65536));
    else res.end(bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const controller = new AbortController();
    await assert.rejects(engine.loadModel(`http://127.0.0.1:${server.address().port}/`, {
      signal: controller.signal,
      onProgress: (e) => { if (e.file === 'model.safetensors') controller.abort(); },
    }), (e) => e.name === 'AbortError');
    const again = await engine.loadModel(folder('gpt2-tiny'));
    const { tokens } = await generated(again, gpt2.prompts[0].ids, { max_new_tokens: 3 });
    assert.deepEqual(tokens, gpt2.prompts[0].greedy.ids.slice(0, 3));
    again.dispose();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('dispose frees the model in the worker; later calls are named errors', async () => {
  const extra = await engine.loadModel(folder('gpt2-tiny'));
  extra.dispose();
  extra.dispose(); // twice is fine
  await assert.rejects(extra.forward([1]), (e) => e instanceof QkvError && e.code === 'disposed');
  await assert.rejects(generated(extra, 'hi'), /disposed/);
  await assert.rejects(extra.tokenizer.encode('hi'), /disposed/);
});

test('two threads in the worker, from its settings', async () => {
  const threaded = await WorkerEngine.create({ numThreads: 2 });
  try {
    const info = await threaded.backendInfo();
    assert.equal(info.flavour, flavourFor(2));
    assert.equal(info.numThreads, 2);
    const m = await threaded.loadModel(folder('gpt2-tiny'));
    const prompt = gpt2.prompts[0];
    const { tokens } = await generated(m, prompt.text, { max_new_tokens: prompt.greedy.new_tokens });
    assert.deepEqual(tokens, prompt.greedy.ids);
  } finally {
    threaded.terminate();
  }
});

test('terminate() rejects calls in flight and later ones', async () => {
  const doomed = await WorkerEngine.create({ numThreads: 1 });
  const m = await doomed.loadModel(folder('gpt2-tiny'));
  const inFlight = generated(m, gpt2.prompts[0].ids, { max_new_tokens: 1000, eos_token_id: [] });
  doomed.terminate();
  await assert.rejects(inFlight, (e) => e instanceof QkvError && e.code === 'terminated');
  await assert.rejects(doomed.loadModel(folder('gpt2-tiny')), /terminated/);
});

test('a worker that fails to start rejects every call with the reason', async () => {
  const broken = new WorkerEngine(new Worker('throw new Error("no qkv here")', { eval: true }));
  await assert.rejects(broken.backendInfo(), /qkv worker failed: no qkv here/);
  await assert.rejects(broken.loadModel(folder('gpt2-tiny')), /no qkv here/);
});

test('an idle engine does not keep Node.js running', () => {
  const script = `
    import { WorkerEngine } from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
    const engine = await WorkerEngine.create({ numThreads: 1 });
    const model = await engine.loadModel(${JSON.stringify(folder('gpt2-tiny'))});
    for await (const t of model.generate('Hello', { max_new_tokens: 2 })) process.stdout.write(String(t.token) + ' ');
    console.log('done');`;
  // A file, not --eval: worker threads inherit the parent's flags, and --input-type is refused there.
  const dir = mkdtempSync(join(tmpdir(), 'qkv-worker-'));
  writeFileSync(join(dir, 'idle.mjs'), script);
  const run = spawnSync(process.execPath, [join(dir, 'idle.mjs')], { encoding: 'utf8', timeout: 60_000 });
  rmSync(dir, { recursive: true });
  assert.equal(run.signal, null, 'the process had to be killed: the worker kept it alive');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /done\n$/);
});
