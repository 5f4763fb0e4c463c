// qkv chat: user turns from a pipe, one per line, answered as model.chat() answers
// them through the API (greedy, so the replies are the model's, not chance), with the
// cache reuse reported on stderr; /reset, a model without a chat template, an encoder.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { folder } from './fixtures.mjs';
import { env, loadModel } from '../../dist/index.js';

env.wasm.numThreads = 1;
const repo = fileURLToPath(new URL('../..', import.meta.url));
const zephyr = JSON.parse(readFileSync(new URL('../fixtures/chat-templates/templates.json', import.meta.url), 'utf8'))
  .find((t) => t.name === 'zephyr').chat_template;

// llama-tiny with a chat template: a chat model as a folder.
const chatFolder = mkdtempSync(join(tmpdir(), 'qkv-chat-'));
for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(join(folder('llama-tiny'), f), join(chatFolder, f));
writeFileSync(join(chatFolder, 'tokenizer_config.json'), JSON.stringify({ chat_template: zephyr, bos_token: '<s>', eos_token: '</s>' }));
after(() => rmSync(chatFolder, { recursive: true, force: true }));

/** Runs qkv with `input` on stdin (a pipe, not a terminal). */
function qkv(args, input) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli/qkv.js', ...args], { cwd: repo });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('each line is a turn; the replies equal model.chat() through the API, and later turns come from the cache', async () => {
  const turns = ['Hello there', 'How are you?', 'And then?'];
  const out = await qkv(['chat', chatFolder, '--max-new-tokens', '5', '--greedy', '--system', 'Be brief.', '--threads', '1'],
    `${turns[0]}\n\n${turns[1]}\n/reset\n${turns[2]}\n/exit\nnever read\n`);
  assert.equal(out.code, 0, out.stderr);

  const model = await loadModel(chatFolder);
  try {
    const chat = model.chat({ system: 'Be brief.', generation: { max_new_tokens: 5, do_sample: false } });
    const expected = [];
    const usages = [];
    for (const [i, content] of turns.entries()) {
      if (i === 2) chat.reset();
      let text = '';
      for await (const step of chat.send(content)) {
        text += step.text;
        if (step.usage) usages.push(step.usage);
      }
      expected.push(text);
    }
    assert.equal(out.stdout, expected.map((t) => `${t}\n`).join(''));
    const notes = out.stderr.split('\n').filter((l) => l.startsWith('[5 tokens'));
    assert.equal(notes.length, 3, out.stderr);
    for (const [i, usage] of usages.entries()) {
      assert.match(notes[i], new RegExp(`, ${usage.cachedTokens} of ${usage.promptTokens} prompt tokens from the cache\\]$`));
    }
    assert.ok(usages[1].cachedTokens > usages[0].promptTokens / 2, 'the second turn reuses the first');
    assert.match(out.stderr, /^\[conversation reset\]$/m);
  } finally {
    model.dispose();
  }
});

test('a model without a chat template, an encoder and a refused turn are named errors (exit 1)', async () => {
  const plain = await qkv(['chat', 'tests/fixtures/llama-tiny', '--quiet'], 'Hi\n');
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /^InvalidArgumentError: qkv chat: tests\/fixtures\/llama-tiny cannot chat: .*no chat template.*; qkv generate continues plain text$/m);
  assert.equal(plain.stdout, '');
  const encoder = await qkv(['chat', 'tests/fixtures/bert-tiny', '--quiet'], 'Hi\n');
  assert.equal(encoder.code, 1);
  assert.match(encoder.stderr, /cannot chat|cannot 'generate'/);
  // A turn longer than the context (128 positions): from a pipe, the command fails with the error.
  const long = await qkv(['chat', chatFolder, '--quiet', '--greedy'], `${'word '.repeat(200)}\n`);
  assert.equal(long.code, 1);
  assert.match(long.stderr, /^InvalidArgumentError: generate: your prompt is \d+ tokens; this model reads at most 128/m);
});

test('--chat-template-kwargs reaches the template (Qwen3 enable_thinking); bad JSON is named', async () => {
  const qwen3 = JSON.parse(readFileSync(new URL('../fixtures/chat-templates/templates.json', import.meta.url), 'utf8'))
    .find((t) => t.name === 'qwen3').chat_template;
  const dir = mkdtempSync(join(tmpdir(), 'qkv-chat-qwen3-'));
  try {
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(join(folder('llama-tiny'), f), join(dir, f));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: qwen3, eos_token: '</s>' }));
    const args = ['chat', dir, '--max-new-tokens', '5', '--greedy', '--threads', '1'];
    const off = await qkv([...args, '--chat-template-kwargs', '{"enable_thinking": false}'], 'Hello there\n');
    const on = await qkv(args, 'Hello there\n');
    assert.equal(off.code, 0, off.stderr);
    const model = await loadModel(dir);
    try {
      const reply = async (kwargs) => {
        let text = '';
        for await (const step of model.generate([{ role: 'user', content: 'Hello there' }],
          { max_new_tokens: 5, do_sample: false, cache_prompt: false, ...kwargs })) text += step.text;
        return `${text}\n`;
      };
      assert.equal(off.stdout, await reply({ chat_template_kwargs: { enable_thinking: false } }));
      assert.equal(on.stdout, await reply({}));
      // The prompts differ by the empty think block, so the flag was read (the notes count its tokens).
      const promptTokens = (out) => Number(/of (\d+) prompt tokens/.exec(out.stderr)?.[1]);
      assert.ok(promptTokens(off) > promptTokens(on), `${off.stderr} / ${on.stderr}`);
    } finally {
      model.dispose();
    }
    const bad = await qkv([...args, '--chat-template-kwargs', '{enable_thinking: false}'], 'Hi\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^InvalidArgumentError: qkv chat: --chat-template-kwargs is not JSON/m);
    const reserved = await qkv([...args, '--chat-template-kwargs', '{"add_generation_prompt": false}'], 'Hi\n');
    assert.equal(reserved.code, 1);
    assert.match(reserved.stderr, /chat_template_kwargs may not set add_generation_prompt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
