// GPT-2 through the public API (loadModel, forward, generate, attention,
// tokenizer), against the PyTorch references in tests/fixtures written by
// gen_gpt2.py, for every checkpoint dtype, every in-memory dtype and every
// kind of source; then the named errors, after which the model still works.
// Run by gpt2-threads.test.mjs and gpt2-single.test.mjs, once per wasm build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTestServer } from './http-server.mjs';
import { after, before, test } from 'node:test';
import { compareLogits, fixtures, folder, maxAttentionError, reference } from './fixtures.mjs';
import {
  FormatError, InvalidArgumentError, QkvError, UnsupportedError, backendInfo, env, loadModel, pipeline,
} from '../../dist/index.js';

export function gpt2Suite({ numThreads, flavour }) {
  before(async () => {
    env.wasm.numThreads = numThreads;
    assert.equal((await backendInfo()).flavour, flavour);
  });

  for (const name of ['gpt2-tiny', 'gpt2-tiny-f16', 'gpt2-tiny-bf16', 'gpt2-tiny-sharded']) {
    test(`${name}: logits, greedy text and attention equal PyTorch's`, async () => {
      const model = await loadModel(folder(name));
      try {
        const ref = reference(name);
        assert.equal(model.info.architecture, 'GPT2LMHeadModel');
        const { maxAbs, rows, agree } = await compareLogits(model, name);
        assert.ok(rows >= 20);
        assert.ok(maxAbs <= 1e-4, `max |logit error| ${maxAbs}`);
        assert.equal(agree, rows);
        for (const prompt of ref.prompts) {
          // generate(text) tokenizes exactly as tokenizer.encode does, then decodes with the KV cache.
          assert.deepEqual(model.tokenizer.encode(prompt.text), prompt.ids);
          const tokens = [];
          let text = '';
          for await (const step of model.generate(prompt.text, { max_new_tokens: prompt.greedy.new_tokens })) {
            tokens.push(step.token);
            text += step.text;
          }
          assert.deepEqual(tokens, prompt.greedy.ids, prompt.text);
          assert.equal(text, prompt.greedy.text);
        }
        const att = await model.attention(ref.prompts[ref.attention.prompt].text);
        const [nLayer, nHead, n] = ref.attention.shape;
        assert.equal(att.layers.length, nLayer);
        assert.deepEqual(att.dims, [nHead, n, n]);
        assert.equal(att.tokens.length, n);
        const maxProb = maxAttentionError(att.layers, ref.attention.probs, n);
        assert.ok(maxProb <= 1e-5, `max |attention error| ${maxProb}`);
      } finally {
        model.dispose();
      }
    });
  }

  test("dtype 'q8' keeps the top token on >= 90 % of positions (weights and activations in q8 blocks); 'f16' on all", async () => {
    for (const [dtype, bound] of [['q8', 1.0], ['f16', 0.05]]) {
      const model = await loadModel(folder('gpt2-tiny'), { dtype });
      const { maxAbs, rows, agree } = await compareLogits(model, 'gpt2-tiny');
      model.dispose();
      assert.ok(agree * 100 >= rows * (dtype === 'q8' ? 90 : 100), `${dtype}: top-1 ${agree}/${rows}`);
      assert.ok(maxAbs <= bound, `${dtype}: max |logit error| ${maxAbs}`);
      assert.equal(model.info.dtype, dtype);
    }
  });

  let server;
  let baseUrl;
  before(async () => {
    server = createTestServer((req, res) => {
      // /slow/... sends the file in 4 KB pieces, one per 20 ms, so a test can abort mid-download.
      const slow = req.url.startsWith('/slow/');
      let body;
      try {
        body = readFileSync(new URL(`.${decodeURIComponent(slow ? req.url.slice(5) : req.url)}`, fixtures));
      } catch {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Length': body.length });
      if (!slow) {
        res.end(body);
        return;
      }
      let at = 0;
      const timer = setInterval(() => {
        if (at >= body.length || res.destroyed) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(body.subarray(at, at + 4096));
        at += 4096;
      }, 20);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  test('a base URL (sharded, streamed over HTTP), Blobs and ArrayBuffers load the same model', async () => {
    const events = [];
    const fromUrl = await loadModel(`${baseUrl}/gpt2-tiny-sharded/`, { onProgress: (e) => events.push(e) });
    const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    for (const file of files) {
      const done = events.filter((e) => e.file === file && e.status === 'done');
      assert.equal(done.length, 1, file);
      const progress = events.filter((e) => e.file === file && e.status === 'progress').map((e) => e.loaded);
      assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'loaded only grows');
      assert.equal(done[0].loaded, done[0].total);
    }
    const read = (name) => readFileSync(new URL(`gpt2-tiny/${name}`, fixtures));
    const fromBlobs = await loadModel({
      config: new Blob([read('config.json')]),
      weights: [new Blob([read('model.safetensors')])],
      tokenizer: new Blob([read('tokenizer.json')]),
    });
    const bytes = read('model.safetensors');
    const fromBuffers = await loadModel({
      config: read('config.json'),
      weights: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      tokenizer: read('tokenizer.json'),
    });
    const ids = reference('gpt2-tiny').prompts[1].ids;
    const a = (await fromBlobs.forward(ids)).logits;
    assert.deepEqual((await fromBuffers.forward(ids)).logits, a);
    const s = (await fromUrl.forward(ids)).logits;
    assert.equal(s.length, a.length);
    for (const m of [fromUrl, fromBlobs, fromBuffers]) m.dispose();
  });

  test('bad inputs are named errors and leave the model usable', async () => {
    const model = await loadModel(folder('gpt2-tiny'));
    const read = (name) => readFileSync(new URL(`gpt2-tiny/${name}`, fixtures));
    const weights = read('model.safetensors');
    const files = (changes) => ({ config: read('config.json'), weights, tokenizer: read('tokenizer.json'), ...changes });

    await assert.rejects(loadModel(folder('gpt2-tiny'), { dtype: 'int4' }), (e) => e instanceof InvalidArgumentError && /dtype/.test(e.message));
    await assert.rejects(loadModel(folder('no-such-model')), (e) => e instanceof QkvError && /no-such-model/.test(e.message));
    await assert.rejects(loadModel(files({ weights: weights.subarray(0, weights.length - 100) })),
      (e) => e instanceof FormatError && /truncated|past the end/.test(e.message));
    await assert.rejects(loadModel(files({ weights: new Uint8Array(16) })), (e) => e instanceof FormatError);
    const bart = JSON.stringify({ ...JSON.parse(read('config.json')), architectures: ['WhisperForConditionalGeneration'] });
    await assert.rejects(loadModel(files({ config: new TextEncoder().encode(bart) })),
      (e) => e instanceof UnsupportedError && /WhisperForConditionalGeneration.*GPT2LMHeadModel.*LlamaForCausalLM.*BertModel/.test(e.message));
    await assert.rejects(loadModel(files({ config: new TextEncoder().encode('{') })), FormatError);
    await assert.rejects(loadModel(`${baseUrl}/gpt2-tiny-missing/`), (e) => e instanceof QkvError && /404/.test(e.message));

    await assert.rejects(model.forward([1, 50257]), (e) => e instanceof InvalidArgumentError && /token id 50257 at position 1/.test(e.message));
    await assert.rejects(model.forward(new Array(65).fill(1)), (e) => e instanceof InvalidArgumentError && /context of 64/.test(e.message));
    const consume = async (it) => { for await (const _ of it) { /* drain */ } };
    await assert.rejects(consume(model.generate('Hi', { temperature: -1 })), (e) => e instanceof InvalidArgumentError && /temperature/.test(e.message));
    await assert.rejects(consume(model.generate('Hi', { max_tokens: 3 })), (e) => e instanceof InvalidArgumentError && /unknown option 'max_tokens'/.test(e.message));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(consume(model.generate('Hi', { signal: controller.signal })), (e) => e.name === 'AbortError');
    await assert.rejects(loadModel(folder('gpt2-tiny'), { signal: controller.signal }), (e) => e.name === 'AbortError');

    // A config that disagrees with the weights: the missing tensors and the mismatched shape are named.
    const config = JSON.parse(read('config.json'));
    const encode = (c) => new TextEncoder().encode(JSON.stringify(c));
    await assert.rejects(loadModel(files({ config: encode({ ...config, n_layer: 3 }) })),
      (e) => e instanceof FormatError && /lacks 12 tensor\(s\).*h\.2\.ln_1\.weight/.test(e.message));
    await assert.rejects(loadModel(files({ config: encode({ ...config, n_embd: 64 }) })),
      (e) => e instanceof FormatError && /has shape \[96\], but config\.json implies \[192\]/.test(e.message));

    // Abort in the middle of a download: the load stops with an AbortError.
    const controller2 = new AbortController();
    let seen = 0;
    await assert.rejects(loadModel(`${baseUrl}/slow/gpt2-tiny/`, {
      signal: controller2.signal,
      onProgress: (e) => {
        if (e.file === 'model.safetensors' && e.status === 'progress' && ++seen === 3) controller2.abort();
      },
    }), (e) => e.name === 'AbortError');
    assert.equal(seen, 3, 'aborted after the third progress event, before the end');

    // Still usable: the same greedy continuation as PyTorch.
    const prompt = reference('gpt2-tiny').prompts[0];
    const tokens = [];
    for await (const { token } of model.generate(prompt.ids, { max_new_tokens: 5 })) tokens.push(token);
    assert.deepEqual(tokens, prompt.greedy.ids.slice(0, 5));
    model.dispose();
    await assert.rejects(model.forward([1]), /disposed/);
  });

  test("temperature 0 is greedy (as transformers.js): PyTorch's greedy continuation, also through the pipeline", async () => {
    const model = await loadModel(folder('gpt2-tiny'));
    try {
      for (const prompt of reference('gpt2-tiny').prompts.slice(0, 2)) {
        const n = prompt.greedy.new_tokens;
        // Whatever else asks for sampling, a temperature of 0 takes the most likely token.
        for (const options of [{ temperature: 0 }, { temperature: 0, do_sample: true, top_k: 40, top_p: 0.9, seed: 5 }]) {
          const tokens = [];
          let text = '';
          for await (const step of model.generate(prompt.text, { max_new_tokens: n, ...options })) {
            tokens.push(step.token);
            text += step.text;
          }
          assert.deepEqual(tokens, prompt.greedy.ids, JSON.stringify(options));
          assert.equal(text, prompt.greedy.text);
        }
      }
    } finally {
      model.dispose();
    }
    const generator = await pipeline('text-generation', folder('gpt2-tiny'));
    const prompt = reference('gpt2-tiny').prompts[0];
    const [out] = await generator(prompt.text, { max_new_tokens: prompt.greedy.new_tokens, temperature: 0, do_sample: true });
    assert.equal(out.generated_text, prompt.text + prompt.greedy.text);
    await generator.dispose();
  });

  test('the last item of a stream says why it ended: max_new_tokens, eos, context, stop', async () => {
    const prompt = reference('gpt2-tiny').prompts[0];
    const items = async (model, options) => {
      const list = [];
      for await (const step of model.generate(prompt.text, options)) list.push(step);
      // Only the last carries a reason.
      assert.ok(list.slice(0, -1).every((step) => step.finishReason === undefined), JSON.stringify(options));
      return list;
    };
    const model = await loadModel(folder('gpt2-tiny'));
    try {
      const full = await items(model, { max_new_tokens: 20 });
      assert.deepEqual(full.map((s) => s.token), prompt.greedy.ids);
      assert.equal(full.at(-1).finishReason, 'max_new_tokens');
      // With its usage: the prompt of the call before, so all but its last token come from the cache.
      assert.deepEqual(await items(model, { max_new_tokens: 0 }), [{
        token: -1, text: '', finishReason: 'max_new_tokens',
        usage: { promptTokens: prompt.ids.length, cachedTokens: prompt.ids.length - 1, generatedTokens: 0 },
      }]);

      // The first token greedy produces a second time, named the end of sequence.
      const at = prompt.greedy.ids.findIndex((id, i) => prompt.greedy.ids.indexOf(id) !== i);
      const eos = prompt.greedy.ids[at];
      const first = prompt.greedy.ids.indexOf(eos);
      const ended = await items(model, { max_new_tokens: 20, eos_token_id: eos });
      assert.deepEqual(ended.map((s) => s.token), [...prompt.greedy.ids.slice(0, first), -1]);
      assert.equal(ended.at(-1).finishReason, 'eos');
      assert.equal(ended.map((s) => s.text).join(''), model.tokenizer.decode(prompt.greedy.ids.slice(0, first)));

      const stop = prompt.greedy.text.slice(5, 9);
      const stopped = await items(model, { max_new_tokens: 20, stop });
      assert.equal(stopped.at(-1).finishReason, 'stop');
      assert.equal(stopped.map((s) => s.text).join(''), prompt.greedy.text.slice(0, prompt.greedy.text.indexOf(stop)));
    } finally {
      model.dispose();
    }
    // A context of prompt + 3 positions holds the prompt and three new tokens, so the fourth is the last.
    const small = await loadModel(folder('gpt2-tiny'), { contextLength: prompt.ids.length + 3 });
    try {
      const cut = await items(small, { max_new_tokens: 20 });
      assert.deepEqual(cut.map((s) => s.token), prompt.greedy.ids.slice(0, 4));
      assert.equal(cut.at(-1).finishReason, 'context');
      // A budget spent on the same token is the budget's end.
      assert.equal((await items(small, { max_new_tokens: 4 })).at(-1).finishReason, 'max_new_tokens');
    } finally {
      small.dispose();
    }
  });

  test("a prompt longer than the context is named in tokens and contextLength; truncation: 'left' keeps its end", async () => {
    const prompt = reference('gpt2-tiny').prompts[1]; // 15+ tokens
    const n = prompt.ids.length;
    const model = await loadModel(folder('gpt2-tiny'), { contextLength: n - 2 });
    const ids = async (input, options) => {
      const out = [];
      for await (const step of model.generate(input, { max_new_tokens: 1, ...options })) out.push(step.token);
      return out;
    };
    try {
      await assert.rejects(ids(prompt.text), (e) => e instanceof InvalidArgumentError && e.message.startsWith(
        `generate: your prompt is ${n} tokens; this model reads at most ${n - 2} (contextLength): shorten it, ` +
        `load with a larger contextLength, or pass truncation: 'left' to keep its last ${n - 2} tokens`));
      await assert.rejects(ids('', {}), (e) => e instanceof InvalidArgumentError && /^generate: the prompt has no tokens to process/.test(e.message));
      await assert.rejects(ids(prompt.text, { truncation: 'right' }), /truncation must be 'left', got "right"/);
      // Its last n - 2 tokens, as if given alone.
      const kept = await ids(prompt.ids.slice(2));
      assert.equal(kept.length, 1);
      assert.deepEqual(await ids(prompt.text, { truncation: 'left' }), kept);
      assert.deepEqual(await ids(prompt.ids, { truncation: 'left' }), kept);
    } finally {
      model.dispose();
    }
  });

  test('sampling with a seed is reproducible and stop strings cut the text', async () => {
    const model = await loadModel(folder('gpt2-tiny'));
    const run = async (options) => {
      let text = '';
      for await (const step of model.generate('Hello', options)) text += step.text;
      return text;
    };
    const a = await run({ max_new_tokens: 15, temperature: 0.9, top_k: 40, top_p: 0.95, seed: 7 });
    assert.equal(await run({ max_new_tokens: 15, temperature: 0.9, top_k: 40, top_p: 0.95, seed: 7 }), a);
    const greedy = await run({ max_new_tokens: 20 });
    const stop = greedy.slice(5, 9);
    const cut = await run({ max_new_tokens: 20, stop });
    assert.equal(cut, greedy.slice(0, greedy.indexOf(stop)));
    model.dispose();
  });
}
