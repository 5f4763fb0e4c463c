// An abort as a finish reason: with on_abort: 'finish' an aborted generation
// ends like any other, its last item carrying finishReason 'abort' (and the
// text held back for stop strings), and the pipeline returns the text so far
// with finish_reason 'abort'. Without it an abort still throws an AbortError
// (tests/js/hostile-inputs.test.mjs and the model suites keep asserting that).
// Tokens are checked against PyTorch's greedy references of tests/fixtures.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { folder, reference } from './fixtures.mjs';
import { InvalidArgumentError, TextStreamer, loadModel, pipeline } from '../../dist/index.js';

const prompt = reference('gpt2-tiny').prompts[0];
let model;

before(async () => { model = await loadModel(folder('gpt2-tiny')); });
after(() => model?.dispose());

/**
 * Every item of a stream; `onItem(item, items)` runs as each arrives. The last item's usage is checked
 * against the items (its tokens generated) and then left out, so the items compare as plain objects.
 */
async function items(stream, onItem = () => {}) {
  const list = [];
  for await (const item of stream) {
    list.push(item);
    onItem(item, list);
  }
  const { usage, ...last } = list.at(-1);
  assert.equal(usage.generatedTokens, list.filter((s) => s.token >= 0).length);
  assert.ok(usage.promptTokens >= 1 && usage.cachedTokens < usage.promptTokens, JSON.stringify(usage));
  list[list.length - 1] = last;
  return list;
}

const tokensOf = (list) => list.filter((s) => s.token >= 0).map((s) => s.token);

test("on_abort 'finish': an abort mid-way ends the stream with finishReason 'abort' and the text so far", async () => {
  const controller = new AbortController();
  const list = await items(model.generate(prompt.ids, {
    max_new_tokens: prompt.greedy.new_tokens, signal: controller.signal, on_abort: 'finish',
  }), (item, all) => { if (tokensOf(all).length === 3) controller.abort(); });
  assert.deepEqual(tokensOf(list), prompt.greedy.ids.slice(0, 3));
  assert.deepEqual(list.at(-1), { token: -1, text: list.at(-1).text, finishReason: 'abort' });
  assert.ok(list.slice(0, -1).every((s) => s.finishReason === undefined), 'only the last item carries a reason');
  assert.equal(list.map((s) => s.text).join(''), model.tokenizer.decode(prompt.greedy.ids.slice(0, 3)));
  // The model goes on as usual: PyTorch's greedy continuation.
  assert.deepEqual(tokensOf(await items(model.generate(prompt.ids, { max_new_tokens: prompt.greedy.new_tokens }))),
    prompt.greedy.ids);
});

test('text held back for a stop string is released by the abort item, not lost', async () => {
  // A stop string that never matches but is long: every step holds back its length - 1 characters.
  const stop = '\u0000'.repeat(40);
  const controller = new AbortController();
  const list = await items(model.generate(prompt.ids, {
    max_new_tokens: prompt.greedy.new_tokens, stop, signal: controller.signal, on_abort: 'finish',
  }), (item, all) => { if (tokensOf(all).length === 5) controller.abort(); });
  assert.deepEqual(tokensOf(list), prompt.greedy.ids.slice(0, 5));
  const whole = model.tokenizer.decode(prompt.greedy.ids.slice(0, 5));
  assert.ok(whole.length > 0 && whole.length < 40, `${whole.length} characters, all held back before the abort`);
  assert.equal(list.slice(0, -1).map((s) => s.text).join(''), '', 'nothing was released before the end');
  assert.deepEqual(list.at(-1), { token: -1, text: whole, finishReason: 'abort' });
});

test("on_abort 'finish' before the first token, with a reason, and while queued: one 'abort' item, nothing thrown", async () => {
  const early = new AbortController();
  const it = model.generate(prompt.ids, { max_new_tokens: 5, signal: early.signal, on_abort: 'finish' });
  early.abort();
  assert.deepEqual(await items(it), [{ token: -1, text: '', finishReason: 'abort' }]);
  // The signal's own reason is not thrown either.
  const withReason = new AbortController();
  withReason.abort(new Error('user pressed stop'));
  assert.deepEqual(await items(model.generate('Hi', { signal: withReason.signal, on_abort: 'finish' })),
    [{ token: -1, text: '', finishReason: 'abort' }]);
  // Aborted while waiting behind another call: that call is untouched.
  const queued = new AbortController();
  const first = items(model.generate(prompt.ids, { max_new_tokens: prompt.greedy.new_tokens }));
  const second = items(model.generate(prompt.ids, { max_new_tokens: 5, signal: queued.signal, on_abort: 'finish' }));
  queued.abort();
  assert.deepEqual(tokensOf(await first), prompt.greedy.ids);
  assert.deepEqual(await second, [{ token: -1, text: '', finishReason: 'abort' }]);
});

test("the default (and on_abort 'throw') still throws the AbortError", async () => {
  for (const options of [{}, { on_abort: 'throw' }]) {
    const controller = new AbortController();
    const got = [];
    await assert.rejects(items(model.generate(prompt.ids, { max_new_tokens: 10, signal: controller.signal, ...options }),
      (item, all) => { got.push(item.token); if (all.length === 2) controller.abort(); }), (e) => e.name === 'AbortError');
    assert.deepEqual(got, prompt.greedy.ids.slice(0, 2), JSON.stringify(options));
  }
  await assert.rejects(items(model.generate('Hi', { on_abort: 'ignore' })),
    (e) => e instanceof InvalidArgumentError && /on_abort must be 'throw' or 'finish', got "ignore"/.test(e.message));
});

test("the pipeline: finish_reason on every output; on_abort 'finish' returns the text so far with 'abort'", async () => {
  const generator = await pipeline('text-generation', folder('gpt2-tiny'));
  try {
    const [done] = await generator(prompt.text, { max_new_tokens: prompt.greedy.new_tokens });
    assert.deepEqual(done, { generated_text: prompt.text + prompt.greedy.text, finish_reason: 'max_new_tokens' });
    const stop = prompt.greedy.text.slice(5, 9);
    const [stopped] = await generator(prompt.text, { max_new_tokens: 20, stop, return_full_text: false });
    assert.deepEqual(stopped, { generated_text: prompt.greedy.text.slice(0, prompt.greedy.text.indexOf(stop)), finish_reason: 'stop' });
    const [ended] = await generator(prompt.text, { max_new_tokens: 20, eos_token_id: prompt.greedy.ids[2], return_full_text: false });
    assert.equal(ended.finish_reason, 'eos');

    // Stopped from the streamer's callback after a few pieces of text.
    const run = async (options) => {
      const controller = new AbortController();
      const pieces = [];
      const streamer = new TextStreamer(generator.tokenizer, {
        skip_prompt: true, callback_function: (t) => { pieces.push(t); if (pieces.length === 3) controller.abort(); },
      });
      const out = generator(prompt.text, { max_new_tokens: prompt.greedy.new_tokens, streamer, signal: controller.signal, ...options });
      return { out, pieces };
    };
    const finishing = await run({ on_abort: 'finish' });
    const [aborted] = await finishing.out;
    assert.equal(aborted.finish_reason, 'abort');
    assert.equal(aborted.generated_text, prompt.text + finishing.pieces.join(''));
    assert.ok(prompt.greedy.text.startsWith(finishing.pieces.join('')) && finishing.pieces.join('').length < prompt.greedy.text.length);
    const throwing = await run({});
    await assert.rejects(throwing.out, (e) => e.name === 'AbortError');
  } finally {
    await generator.dispose();
  }
});
