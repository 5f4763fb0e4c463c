// Chat that keeps its KV cache: each turn reuses the cached prefix of the rendered
// conversation and computes only the rest, and still generates exactly the tokens of
// a fresh session given the whole conversation (greedy), in-process and in a worker.
// The reference is a second model instance with cache_prompt: false, so nothing of
// the first one's cache can leak into it; usage.cachedTokens is checked against the
// common prefix the test computes itself from the rendered ids.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { folder, idsOnlyFiles } from './fixtures.mjs';
import { Chat, env, InvalidArgumentError, loadModel, WorkerEngine } from '../../dist/index.js';

env.wasm.numThreads = 1;
const zephyr = JSON.parse(readFileSync(new URL('../fixtures/chat-templates/templates.json', import.meta.url), 'utf8'))
  .find((t) => t.name === 'zephyr').chat_template;
const files = {
  config: join(folder('llama-tiny'), 'config.json'),
  weights: join(folder('llama-tiny'), 'model.safetensors'),
  tokenizer: join(folder('llama-tiny'), 'tokenizer.json'),
  tokenizerConfig: new TextEncoder().encode(JSON.stringify({ chat_template: zephyr, bos_token: '<s>', eos_token: '</s>' })),
};
const greedy = { max_new_tokens: 6, do_sample: false };
const turns = ['The cat sat', 'On the mat?', 'Why?'];
let model;
let fresh;

before(async () => {
  model = await loadModel(files);
  fresh = await loadModel(files);
});
after(() => {
  model?.dispose();
  fresh?.dispose();
});

async function collect(stream) {
  const tokens = [];
  let text = '';
  let last;
  for await (const step of stream) {
    if (step.token >= 0) tokens.push(step.token);
    text += step.text;
    last = step;
  }
  return { tokens, text, usage: last.usage, finishReason: last.finishReason };
}

const commonPrefix = (a, b) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

test('each chat turn equals a fresh generation on the whole conversation, computing only the new tokens', async () => {
  const chat = model.chat({ system: 'You are terse.', generation: greedy });
  assert.ok(chat instanceof Chat);
  let inCache = []; // what the cache holds after a turn: its prompt and the tokens sampled, but the last
  for (const [i, content] of turns.entries()) {
    const prompt = model.tokenizer.apply_chat_template([...chat.messages, { role: 'user', content }], { add_generation_prompt: true });
    const reference = await collect(fresh.generate([...chat.messages, { role: 'user', content }], { ...greedy, cache_prompt: false }));
    const turn = await collect(chat.send(content));
    assert.deepEqual(turn.tokens, reference.tokens, `turn ${i + 1}`);
    assert.equal(turn.text, reference.text);
    assert.equal(reference.usage.cachedTokens, 0, 'cache_prompt: false computes the whole prompt');
    // The cache's tokens that the new rendering starts with, but never the last prompt token (its logits are needed).
    const expected = Math.min(commonPrefix(inCache, prompt), prompt.length - 1);
    assert.deepEqual(turn.usage, { promptTokens: prompt.length, cachedTokens: expected, generatedTokens: turn.tokens.length });
    if (i > 0) assert.ok(expected > prompt.length / 2, `turn ${i + 1} reuses most of its ${prompt.length} tokens (${expected})`);
    assert.deepEqual(chat.messages.slice(-2), [{ role: 'user', content }, { role: 'assistant', content: turn.text }]);
    inCache = [...prompt, ...turn.tokens.slice(0, turn.finishReason === 'eos' ? undefined : -1)];
  }
  assert.equal(chat.messages.length, 1 + 2 * turns.length);
});

for (const dtype of ['f16', 'q8']) test(`${dtype} weights: each turn on the reused cache equals a fresh session (kv_session_test bounds the logits)`, async () => {
  const half = await loadModel(files, { dtype });
  const other = await loadModel(files, { dtype });
  try {
    const chat = half.chat({ system: 'You are terse.', generation: greedy });
    for (const content of turns) {
      const reference = await collect(other.generate([...chat.messages, { role: 'user', content }], { ...greedy, cache_prompt: false }));
      const turn = await collect(chat.send(content));
      assert.deepEqual(turn.tokens, reference.tokens);
    }
    // A prompt in two pieces (the second after the cached first) picks the top token of one forward pass.
    const ids = half.tokenizer.encode('The cat sat on the mat and looked at the dog who was sleeping');
    const whole = (await other.forward(ids)).logits.subarray((ids.length - 1) * half.info.nVocab);
    for await (const _ of half.generate(ids.slice(0, 6), { max_new_tokens: 0 })); // eslint-disable-line no-unused-vars
    let first;
    for await (const step of half.generate(ids, { max_new_tokens: 1, do_sample: false })) first ??= step;
    assert.equal(first.token, whole.indexOf(Math.max(...whole)));
  } finally {
    half.dispose();
    other.dispose();
  }
});

test('an edited conversation rolls back to where its tokens part, and still equals a fresh generation', async () => {
  const chat = model.chat({ system: 'You are terse.', generation: greedy });
  for (const content of turns.slice(0, 2)) await collect(chat.send(content));
  // Edit the first user message: the cache is good only up to it.
  const edited = chat.messages.map((m, i) => (i === 1 ? { ...m, content: 'The dog sat' } : m));
  const prompt = model.tokenizer.apply_chat_template([...edited, { role: 'user', content: 'Why?' }], { add_generation_prompt: true });
  const previous = model.tokenizer.apply_chat_template(chat.messages.slice(0, 3), { add_generation_prompt: false });
  const reference = await collect(fresh.generate([...edited, { role: 'user', content: 'Why?' }], { ...greedy, cache_prompt: false }));
  const run = await collect(model.generate([...edited, { role: 'user', content: 'Why?' }], greedy));
  assert.deepEqual(run.tokens, reference.tokens);
  assert.ok(run.usage.cachedTokens > 0 && run.usage.cachedTokens <= commonPrefix(previous, prompt),
    `kept ${run.usage.cachedTokens}, at most the ${commonPrefix(previous, prompt)} tokens before the edit`);
});

test('plain prompts reuse too: the same prompt again, a longer one, one after forward() and attention()', async () => {
  const ids = model.tokenizer.encode('Once upon a time there was a cat');
  const first = await collect(model.generate(ids, greedy));
  const again = await collect(model.generate(ids, greedy));
  assert.deepEqual(again.tokens, first.tokens);
  assert.equal(again.usage.cachedTokens, ids.length - 1, 'everything but the last prompt token');
  const longer = [...ids, ...first.tokens.slice(0, 3)];
  const extended = await collect(model.generate(longer, greedy));
  assert.deepEqual(extended.tokens, (await collect(fresh.generate(longer, { ...greedy, cache_prompt: false }))).tokens);
  assert.equal(extended.usage.cachedTokens, longer.length - 1);
  // forward() and attention() replace what the cache holds; a generation after them is still exact.
  await model.forward(model.tokenizer.encode('Something else entirely'));
  const afterForward = await collect(model.generate(ids, greedy));
  assert.deepEqual(afterForward.tokens, first.tokens);
  assert.equal(afterForward.usage.cachedTokens, 1, 'only <s> is shared with the forward() input');
  await model.attention(ids);
  const afterAttention = await collect(model.generate(ids, greedy));
  assert.deepEqual(afterAttention.tokens, first.tokens);
  assert.equal(afterAttention.usage.cachedTokens, ids.length - 1);
});

test('sliding-window layers: a prefix whose keys the window dropped is computed again, with the same tokens', async () => {
  // Every layer over a window of 8 keys (Mistral's sliding_window). A windowed layer keeps room for its
  // window and one prefill chunk (128 positions) and drops older keys only past that: with the context
  // raised from 128 to 400 (RoPE has no table to outgrow), 30 prompt tokens and 150 steps get there.
  const files = () => {
    const f = idsOnlyFiles('mistral-window-tiny')();
    const config = JSON.parse(new TextDecoder().decode(f.config));
    return { ...f, config: new TextEncoder().encode(JSON.stringify({ ...config, max_position_embeddings: 400 })) };
  };
  const windowed = await loadModel(files());
  const reference = await loadModel(files());
  try {
    const long = Array.from({ length: 30 }, (_, i) => 100 + i * 7);
    const first = await collect(windowed.generate(long, { ...greedy, max_new_tokens: 150, eos_token_id: [] }));
    // A prompt sharing only its first few tokens with the cache: their keys left the window long ago.
    const other = [...long.slice(0, 4), ...Array.from({ length: 20 }, (_, i) => 900 + i)];
    const run = await collect(windowed.generate(other, greedy));
    assert.deepEqual(run.tokens, (await collect(reference.generate(other, { ...greedy, cache_prompt: false }))).tokens);
    assert.equal(run.usage.cachedTokens, 0, 'the window dropped them: nothing reused');
    // The same prompt again: its last positions are all still in the window.
    const again = await collect(windowed.generate(other, greedy));
    assert.deepEqual(again.tokens, run.tokens);
    assert.equal(again.usage.cachedTokens, other.length - 1);
    assert.equal(first.tokens.length, 150);
  } finally {
    windowed.dispose();
    reference.dispose();
  }
});

test('a turn that is aborted, fails or is left early leaves the conversation as it was; one turn at a time', async () => {
  const chat = model.chat({ generation: greedy });
  await collect(chat.send('Hello'));
  const before = structuredClone(chat.messages);
  const controller = new AbortController();
  await assert.rejects(async () => {
    for await (const step of chat.send('Go on', { signal: controller.signal })) if (step.token >= 0) controller.abort();
  }, { name: 'AbortError' });
  assert.deepEqual(chat.messages, before);
  for await (const _ of chat.send('Go on')) break; // eslint-disable-line no-unused-vars
  assert.deepEqual(chat.messages, before);
  // on_abort: 'finish' ends the stream instead: the reply as far as it got joins the conversation.
  const stopping = new AbortController();
  let partial = '';
  for await (const step of chat.send('Go on', { signal: stopping.signal, on_abort: 'finish' })) {
    partial += step.text;
    if (step.token >= 0) stopping.abort();
    else assert.equal(step.finishReason, 'abort');
  }
  assert.deepEqual(chat.messages.slice(before.length), [{ role: 'user', content: 'Go on' }, { role: 'assistant', content: partial }]);
  chat.messages.splice(before.length);
  await assert.rejects(collect(chat.send('x', { top_k: -1 })), InvalidArgumentError);
  assert.deepEqual(chat.messages, before);
  const streaming = chat.send('One');
  await streaming.next();
  await assert.rejects(collect(chat.send('Two')), /the previous turn is still streaming/);
  await collect(streaming);
  assert.equal(chat.messages.length, before.length + 2);
  chat.reset();
  assert.deepEqual(chat.messages, []);
  assert.throws(() => model.chat({ system: 3 }), /chat: system must be a string, got number/);
  assert.throws(() => model.chat({ messages: [{ role: 'user' }] }), /chat: messages must be an array of \{ role, content \}/);
});

test('a chat through WorkerEngine gives the same turns and the same reuse', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const remote = await engine.loadModel(files);
    const own = await loadModel(files); // as fresh as the worker's: the same cache contents turn by turn
    const local = own.chat({ system: 'You are terse.', generation: greedy });
    const chat = remote.chat({ system: 'You are terse.', generation: greedy });
    for (const content of turns) {
      const expected = await collect(local.send(content));
      const got = await collect(chat.send(content));
      assert.deepEqual(got.tokens, expected.tokens);
      assert.deepEqual(got.usage, expected.usage);
    }
    assert.deepEqual(chat.messages, local.messages);
    remote.dispose();
    own.dispose();
  } finally {
    engine.terminate();
  }
});
