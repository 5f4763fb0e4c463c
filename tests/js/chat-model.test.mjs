// Chat end to end on a fixture model: generate(messages) equals generate() of the
// apply_chat_template ids, and pipeline('text-generation') returns transformers.js's
// shape for a conversation ({ generated_text: [...messages, { role: 'assistant', content }] }).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { folder } from './fixtures.mjs';
import { env, loadModel, pipeline, WorkerEngine } from '../../dist/index.js';

env.wasm.numThreads = 1;
const qwen = JSON.parse(readFileSync(new URL('../fixtures/chat-templates/templates.json', import.meta.url), 'utf8'))
  .find((t) => t.name === 'qwen2.5');
const files = (name) => ({
  config: join(folder(name), 'config.json'),
  weights: join(folder(name), 'model.safetensors'),
  tokenizer: join(folder(name), 'tokenizer.json'),
  tokenizerConfig: new TextEncoder().encode(JSON.stringify({ chat_template: qwen.chat_template, eos_token: '<|endoftext|>' })),
});
const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'The cat sat on the' },
];
let model;

before(async () => { model = await loadModel(files('gpt2-tiny')); });
after(() => model?.dispose());

async function run(m, prompt, options) {
  const tokens = [];
  let text = '';
  for await (const step of m.generate(prompt, options)) {
    if (step.token >= 0) tokens.push(step.token);
    text += step.text;
  }
  return { tokens, text };
}

test('generate(messages) is generate() of the chat template ids with the generation prompt', async () => {
  const ids = model.tokenizer.apply_chat_template(messages, { add_generation_prompt: true });
  const text = model.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
  assert.ok(text.endsWith('<|im_start|>assistant\n'), JSON.stringify(text));
  const fromMessages = await run(model, messages, { max_new_tokens: 8 });
  const fromIds = await run(model, ids, { max_new_tokens: 8 });
  assert.equal(fromMessages.tokens.length, 8);
  assert.deepEqual(fromMessages, fromIds);
  // Not the same as the plain text of the last message: the template is applied.
  assert.notDeepEqual(ids, model.tokenizer.encode(messages[1].content));
});

test("pipeline('text-generation') takes messages and returns them with the assistant's reply", async () => {
  const generator = await pipeline('text-generation', files('gpt2-tiny'));
  try {
    const out = await generator(messages, { max_new_tokens: 8 });
    const expected = await run(model, messages, { max_new_tokens: 8 });
    // 8 tokens (the test above): the budget ended it.
    assert.equal(expected.tokens.length, 8);
    assert.deepEqual(out, [{ generated_text: [...messages, { role: 'assistant', content: expected.text }], finish_reason: 'max_new_tokens' }]);
    const batch = await generator([messages, messages.slice(1)], { max_new_tokens: 3 });
    assert.equal(batch.length, 2);
    assert.deepEqual(batch[1][0].generated_text.slice(0, 1), messages.slice(1));
    assert.equal(batch[1][0].generated_text[1].role, 'assistant');
    // Strings keep their old shape.
    const [{ generated_text }] = await generator('Hello', { max_new_tokens: 2 });
    assert.equal(typeof generated_text, 'string');
  } finally {
    await generator.dispose();
  }
});

// Qwen3's real template thinks unless the call says enable_thinking: false.
const qwen3 = JSON.parse(readFileSync(new URL('../fixtures/chat-templates/templates.json', import.meta.url), 'utf8'))
  .find((t) => t.name === 'qwen3');
const qwen3Files = {
  ...files('gpt2-tiny'),
  tokenizerConfig: new TextEncoder().encode(JSON.stringify({ chat_template: qwen3.chat_template, eos_token: '<|endoftext|>' })),
};

test('chat_template_kwargs reach the template: generate, pipeline and Chat (Qwen3 enable_thinking)', async () => {
  const m = await loadModel(qwen3Files);
  const generator = await pipeline('text-generation', qwen3Files);
  try {
    const kwargs = { chat_template_kwargs: { enable_thinking: false } };
    const thinking = m.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
    const direct = m.tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false, enable_thinking: false });
    // The empty think block is the only difference (chat-template.test.mjs checks both against Jinja2).
    assert.equal(direct, `${thinking}<think>\n\n</think>\n\n`);
    const ids = m.tokenizer.encode(direct, { add_special_tokens: false });
    const expected = await run(m, ids, { max_new_tokens: 6 });
    assert.deepEqual(await run(m, messages, { max_new_tokens: 6, ...kwargs }), expected);
    // Without the option: the other prompt, so (sensitivity) the option is what made them equal.
    const withoutIds = m.tokenizer.encode(thinking, { add_special_tokens: false });
    assert.deepEqual(await run(m, messages, { max_new_tokens: 6, cache_prompt: false }), await run(m, withoutIds, { max_new_tokens: 6 }));
    assert.notDeepEqual(withoutIds, ids);

    const [{ generated_text }] = await generator(messages, { max_new_tokens: 6, ...kwargs });
    assert.deepEqual(generated_text.at(-1), { role: 'assistant', content: expected.text });

    const chat = m.chat({ system: messages[0].content, generation: { max_new_tokens: 6, ...kwargs } });
    let reply = '';
    for await (const step of chat.send(messages[1].content)) reply += step.text;
    assert.equal(reply, expected.text);

    const engine = await WorkerEngine.create({ numThreads: 1 });
    try {
      const remote = await engine.loadModel(qwen3Files);
      assert.deepEqual(await run(remote, messages, { max_new_tokens: 6, ...kwargs }), expected);
    } finally {
      await engine.terminate();
    }
  } finally {
    await generator.dispose();
    m.dispose();
  }
});

test('chat_template_kwargs: named errors, and the model stays usable', async () => {
  const bad = [
    [messages, { chat_template_kwargs: 'enable_thinking=false' }, /chat_template_kwargs must be an object/],
    [messages, { chat_template_kwargs: [] }, /chat_template_kwargs must be an object/],
    [messages, { chat_template_kwargs: { add_generation_prompt: false } }, /may not set add_generation_prompt/],
    [messages, { chat_template_kwargs: { tokenize: false, return_dict: true } }, /may not set tokenize, return_dict/],
    ['The cat', { chat_template_kwargs: { enable_thinking: false } }, /applies to a conversation .* a string/],
    [[1, 2, 3], { chat_template_kwargs: {} }, /applies to a conversation .* token ids/],
  ];
  for (const [prompt, options, message] of bad) {
    await assert.rejects(run(model, prompt, options), (e) => e.name === 'InvalidArgumentError' && message.test(e.message),
      JSON.stringify(options));
  }
  const generator = await pipeline('text-generation', files('gpt2-tiny'));
  try {
    await assert.rejects(generator(messages, { chat_template_kwargs: { tokenize: true } }), /may not set tokenize/);
    await assert.rejects(generator('The cat', { chat_template_kwargs: {} }), /applies to a conversation/);
  } finally {
    await generator.dispose();
  }
  assert.equal((await run(model, messages, { max_new_tokens: 2 })).tokens.length, 2);
});
