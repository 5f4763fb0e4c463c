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
