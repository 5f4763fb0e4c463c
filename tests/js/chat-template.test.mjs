// Chat templates: the real templates of tests/fixtures/chat-templates rendered by qkv
// (tokenizer.apply_chat_template, @huggingface/jinja) must equal what Python's Jinja2
// renders under transformers' settings (goldens.json, from gen_goldens.py), and the
// errors must be named. Loading: tokenizer_config.json / generation_config.json from a
// folder and from ModelFiles.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { folder, reference } from './fixtures.mjs';
import { createTokenizer, FormatError, InvalidArgumentError, loadModel } from '../../dist/index.js';

const dir = new URL('../fixtures/chat-templates/', import.meta.url);
const templates = JSON.parse(readFileSync(new URL('templates.json', dir), 'utf8'));
const goldens = JSON.parse(readFileSync(new URL('goldens.json', dir), 'utf8'));
const tokenizerJson = (name) => JSON.parse(readFileSync(join(folder(name), 'tokenizer.json'), 'utf8'));

/** A tokenizer.json of `name` with the tokenizer_config.json of a template entry. */
function tokenizerWith(entry, name = 'qwen2-tokenizer') {
  const config = { chat_template: entry.chat_template };
  if (entry.bos_token !== null) config.bos_token = entry.bos_token;
  if (entry.eos_token !== null) config.eos_token = { content: entry.eos_token, lstrip: false }; // AddedToken form
  return createTokenizer(tokenizerJson(name), config);
}

test('every template x conversation renders as transformers renders it (Jinja2 goldens)', () => {
  assert.ok(goldens.cases.length >= 60);
  let rendered = 0;
  const tokenizers = new Map(templates.map((t) => [t.name, tokenizerWith(t)]));
  for (const c of goldens.cases) {
    const tokenizer = tokenizers.get(c.template);
    const options = {
      add_generation_prompt: c.add_generation_prompt, tokenize: false, ...c.extra, ...(c.tools ? { tools: goldens.tools } : {}),
    };
    const label = `${c.template} / ${c.conversation} / add_generation_prompt ${c.add_generation_prompt}${c.tools ? ' / tools' : ''}`;
    const messages = goldens.conversations[c.conversation];
    if (c.error !== undefined) {
      // raise_exception's message reaches the caller in a FormatError that names the chat template.
      assert.throws(() => tokenizer.apply_chat_template(messages, options),
        (e) => e instanceof FormatError && e.message === `chat template: ${c.error}`, label);
    } else {
      assert.equal(tokenizer.apply_chat_template(messages, options), c.text, label);
      rendered++;
    }
  }
  assert.ok(rendered >= 50, `${rendered} rendered`);
});

test('tokenize (the default) encodes the rendered text without adding special tokens again', () => {
  const c = goldens.cases.find((x) => x.template === 'qwen2.5' && x.conversation === 'non_ascii' && x.add_generation_prompt);
  const qwen = tokenizerWith(templates.find((t) => t.name === 'qwen2.5'));
  const ids = qwen.apply_chat_template(goldens.conversations.non_ascii, { add_generation_prompt: true });
  assert.deepEqual(ids, qwen.encode(c.text, { add_special_tokens: false }));
  assert.deepEqual(qwen.apply_chat_template(goldens.conversations.non_ascii, { add_generation_prompt: true, return_dict: true }), { input_ids: ids });
  // <|im_start|> and <|im_end|> are single added tokens, not spelled out.
  const imStart = qwen.encode('<|im_start|>', { add_special_tokens: false });
  assert.equal(imStart.length, 1);
  assert.equal(ids[0], imStart[0]);

  // LLaMA's post-processor adds <s>; the Zephyr and Mistral templates write it themselves: one <s>, not two.
  const mistral = tokenizerWith(templates.find((t) => t.name === 'mistral'), 'llama-tokenizer');
  const text = mistral.apply_chat_template(goldens.conversations.multi_turn, { tokenize: false });
  const llamaIds = mistral.apply_chat_template(goldens.conversations.multi_turn);
  assert.deepEqual(llamaIds, mistral.encode(text, { add_special_tokens: false }));
  const bos = mistral.encode('', { add_special_tokens: true });
  assert.equal(bos.length, 1);
  assert.equal(llamaIds[0], bos[0]);
  assert.notEqual(llamaIds[1], bos[0]);
});

test('no template, a bad template, bad arguments: named errors', () => {
  const plain = createTokenizer(tokenizerJson('qwen2-tokenizer'));
  const messages = [{ role: 'user', content: 'hi' }];
  assert.equal(plain.chat_template, undefined);
  assert.throws(() => plain.apply_chat_template(messages), (e) => e instanceof InvalidArgumentError && /no chat template/.test(e.message));
  // A template given in the call works without tokenizer_config.json.
  assert.equal(plain.apply_chat_template(messages, { chat_template: '{{ messages[0].content }}!', tokenize: false }), 'hi!');
  assert.throws(() => plain.apply_chat_template(messages, { chat_template: '{% for m in messages %}{{ m.content }', tokenize: false }),
    (e) => e instanceof FormatError && /chat template/.test(e.message));
  assert.throws(() => plain.apply_chat_template(messages, { chat_template: "{{ raise_exception('no system role') }}" }),
    (e) => e instanceof FormatError && e.message === 'chat template: no system role');
  assert.throws(() => plain.apply_chat_template('hi', { chat_template: 'x' }), InvalidArgumentError);
  assert.throws(() => plain.apply_chat_template(messages, { chat_template: 'x', tokenize: 'no' }), InvalidArgumentError);
  assert.throws(() => createTokenizer(tokenizerJson('qwen2-tokenizer'), { chat_template: 42 }),
    (e) => e instanceof FormatError && /tokenizer_config\.json/.test(e.message));
});

test('a list of named templates: "default" is used, others by name', () => {
  const tokenizer = createTokenizer(tokenizerJson('qwen2-tokenizer'), {
    chat_template: [{ name: 'default', template: 'D:{{ messages[0].content }}' }, { name: 'tool_use', template: 'T:{{ tools | length }}' }],
  });
  const messages = [{ role: 'user', content: 'hi' }];
  assert.equal(tokenizer.apply_chat_template(messages, { tokenize: false }), 'D:hi');
  assert.equal(tokenizer.apply_chat_template(messages, { tokenize: false, chat_template: 'tool_use', tools: [{}, {}] }), 'T:2');
  // Extra options are template variables, special tokens too (strings or AddedToken objects).
  const withTokens = createTokenizer(tokenizerJson('qwen2-tokenizer'), {
    chat_template: '{{ bos_token }}|{{ eos_token }}|{{ who }}', bos_token: '<s>', eos_token: { content: '</s>' },
  });
  assert.equal(withTokens.apply_chat_template(messages, { tokenize: false, who: 'me' }), '<s>|</s>|me');
});

test('loadModel reads tokenizer_config.json and generation_config.json from a folder; malformed ones are named', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'qkv-chat-'));
  try {
    cpSync(folder('llama-tiny'), scratch, { recursive: true });
    let model = await loadModel(scratch);
    assert.equal(model.tokenizer.chat_template, undefined); // neither file: as before
    model.dispose();
    const zephyr = templates.find((t) => t.name === 'zephyr');
    writeFileSync(join(scratch, 'tokenizer_config.json'), JSON.stringify({ chat_template: zephyr.chat_template, eos_token: '</s>', bos_token: '<s>' }));
    // PyTorch's greedy continuation of a prompt; its 4th token becomes the stop id.
    const prompt = reference('llama-tiny').prompts[0];
    const stopAt = prompt.greedy.ids.findIndex((id, i) => i >= 2 && !prompt.greedy.ids.slice(0, i).includes(id));
    writeFileSync(join(scratch, 'generation_config.json'), JSON.stringify({ eos_token_id: [prompt.greedy.ids[stopAt]] }));
    model = await loadModel(scratch);
    try {
      assert.equal(model.tokenizer.chat_template, zephyr.chat_template);
      const golden = goldens.cases.find((c) => c.template === 'zephyr' && c.conversation === 'system_user' && c.add_generation_prompt);
      assert.equal(model.tokenizer.apply_chat_template(goldens.conversations.system_user, { add_generation_prompt: true, tokenize: false }), golden.text);
      // generation_config.json's eos_token_id replaces config.json's (2): greedy decoding stops before it.
      const tokens = [];
      for await (const { token } of model.generate(prompt.ids, { max_new_tokens: 12 })) if (token >= 0) tokens.push(token);
      assert.deepEqual(tokens, prompt.greedy.ids.slice(0, stopAt));
      // An explicit eos_token_id still wins.
      const free = [];
      for await (const { token } of model.generate(prompt.ids, { max_new_tokens: 12, eos_token_id: [] })) if (token >= 0) free.push(token);
      assert.deepEqual(free, prompt.greedy.ids.slice(0, 12));
    } finally {
      model.dispose();
    }
    writeFileSync(join(scratch, 'generation_config.json'), '{ nope');
    await assert.rejects(loadModel(scratch), (e) => e instanceof FormatError && /generation_config\.json is not valid JSON/.test(e.message));
    writeFileSync(join(scratch, 'generation_config.json'), '{}');
    writeFileSync(join(scratch, 'tokenizer_config.json'), '{"chat_template": ');
    await assert.rejects(loadModel(scratch), (e) => e instanceof FormatError && /tokenizer_config\.json is not valid JSON/.test(e.message));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
