// The demo page's chat mode, for a model with a chat template (the bundled
// llama-tiny-chat: llama-tiny with the Zephyr template; sotu-llama with it from a
// local folder). The replies are checked against model.chat() run here in Node
// on the same files with the same greedy settings, the cache line against that
// chat's usage; Stop keeps the partial reply (the beginning of Node's full one),
// New chat starts again, a too-long message shows its error beside the input
// and leaves the transcript as it was, and another load starts a new chat.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assertScrolledToEnd, clickOnFirstText, contrast, settledPage, useDemoPage } from './demo-page.mjs';
import { env, loadModel } from '../../dist/index.js';

env.wasm.numThreads = 1;
const path = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const templateConfig = readFileSync(path('../fixtures/chat-templates/zephyr-tokenizer_config.json'));
const llamaChat = {
  config: readFileSync(path('../fixtures/llama-tiny/config.json')),
  weights: readFileSync(path('../fixtures/llama-tiny/model.safetensors')),
  tokenizer: readFileSync(path('../fixtures/llama-tiny/tokenizer.json')),
  tokenizerConfig: templateConfig,
};
const system = 'You are terse.';
const turns = ['The cat sat', 'On the mat?', 'Why?'];
const MAX = 8;
const greedy = { do_sample: false, repetition_penalty: 1, max_new_tokens: MAX };

let page;
let errors;
useDemoPage({ viewport: { width: 1100, height: 1300 }, onReady: (d) => {
  ({ page, errors } = d);
} });
const settled = () => settledPage(page);

// sotu-llama with the same template, as a local folder (its 256 positions give Stop a long reply to cut).
const sotuFolder = mkdtempSync(join(tmpdir(), 'qkv-sotu-chat-'));
for (const name of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(path(`../../examples/models/sotu-llama/${name}`), join(sotuFolder, name));
writeFileSync(join(sotuFolder, 'tokenizer_config.json'), templateConfig);
after(() => rmSync(sotuFolder, { recursive: true, force: true }));

/** The replies (text) and usage of a chat run in Node on a freshly loaded model, turn by turn. */
async function nodeChat(files, messages, generation) {
  const model = await loadModel(files);
  try {
    const chat = model.chat({ system, generation });
    const out = [];
    for (const text of messages) {
      let reply = '';
      let usage;
      for await (const step of chat.send(text)) {
        reply += step.text;
        usage = step.usage ?? usage;
      }
      out.push({ reply, usage });
    }
    return out;
  } finally {
    model.dispose();
  }
}

let expected;
before(async () => {
  expected = await nodeChat(llamaChat, turns, greedy);
});

async function loadListed(id) {
  await page.selectOption('#bundled-model', id);
  await page.click('#load-bundled');
  await settled();
  assert.match(await page.textContent('#current-model'), new RegExp(`^Loaded: ${id} `));
}

async function setGreedy(max) {
  await page.setChecked('input[name=do_sample]', false);
  await page.fill('input[name=repetition_penalty]', '1');
  await page.fill('input[name=max_new_tokens]', String(max));
  await page.fill('input[name=stop]', '');
}

/** Types a message and sends it with Enter; returns the numbers line's data once the reply has ended. */
async function send(text) {
  await page.fill('#chat-input', text);
  await page.press('#chat-input', 'Enter');
  await page.waitForFunction(() => document.body.dataset.state === 'generating' || document.getElementById('chat-status').dataset.finishReason ||
    !document.getElementById('chat-error').hidden, null, { timeout: 10_000 });
  await settled();
  return page.$eval('#chat-status', (p) => ({ text: p.textContent, ...p.dataset }));
}

const bubbles = () => page.$$eval('#transcript .bubble', (list) => list.map((b) => ({
  role: b.classList.contains('user') ? 'user' : 'assistant', text: b.querySelector('.text').textContent,
})));
const visible = (selector) => page.$eval(selector, (el) => !el.hidden && el.getClientRects().length > 0);

test('a model without a chat template gets Generate only; one with a template opens in Chat', { timeout: 60_000 }, async () => {
  await loadListed('sotu-llama');
  assert.equal(await visible('#mode-tabs'), false);
  assert.equal(await visible('#generate-box'), true);
  assert.equal(await visible('#chat-box'), false);
  await loadListed('llama-tiny-chat');
  assert.equal(await visible('#mode-tabs'), true);
  assert.equal(await visible('#chat-box'), true);
  assert.equal(await visible('#generate-box'), false);
  assert.equal(await page.getAttribute('#mode-chat', 'aria-selected'), 'true');
  // The sampling settings serve both modes: in chat mode they sit under the message input.
  assert.equal(await page.$eval('#sampling', (f) => f.closest('#chat-box') !== null), true);
  // Generate is one click away, with the same form.
  await page.click('#mode-generate');
  assert.equal(await visible('#generate-box'), true);
  assert.equal(await page.$eval('#sampling', (f) => f.closest('#generate-box') !== null), true);
  await page.click('#mode-chat');
  assert.deepEqual(errors, []);
});

test('three turns: each reply is what model.chat() gives in Node, turns 2-3 read most of the prompt from the cache', { timeout: 120_000 }, async () => {
  // A fresh load: the worker's cache holds nothing of earlier generations, as the Node model's did not.
  await loadListed('llama-tiny-chat');
  await page.fill('#system', system);
  await setGreedy(MAX);
  for (const [i, text] of turns.entries()) {
    const numbers = await send(text);
    const { reply, usage } = expected[i];
    const shown = await bubbles();
    assert.equal(shown.length, 2 * (i + 1), JSON.stringify(shown));
    assert.deepEqual(shown.slice(-2), [{ role: 'user', text }, { role: 'assistant', text: reply }], `turn ${i + 1}`);
    assert.equal(Number(numbers.promptTokens), usage.promptTokens, `turn ${i + 1}: ${numbers.text}`);
    assert.equal(Number(numbers.cachedTokens), usage.cachedTokens, `turn ${i + 1}: ${numbers.text}`);
    assert.equal(Number(numbers.generatedTokens), usage.generatedTokens);
    if (i > 0) assert.ok(usage.cachedTokens > 0, `turn ${i + 1} reuses the cache (${usage.cachedTokens})`);
    assert.match(numbers.text, new RegExp(`^Reply: ${usage.generatedTokens} tokens in [\\d.]+ s \\(seed \\d+\\); ` +
      `time to first token \\d+ ms, ([\\d.]+|–) tokens/s\\. Stopped: (reached max new tokens|end of sequence)\\. ` +
      `${usage.cachedTokens} of ${usage.promptTokens} prompt tokens from the cache\\.$`));
    assert.equal(await page.inputValue('#chat-input'), '', 'the input empties once sent');
  }
  // The system message is the conversation's: fixed while it has turns.
  assert.equal(await page.$eval('#system', (t) => t.readOnly), true);
  assert.deepEqual(errors, []);
});

test('a message longer than the context: the error beside the input, the transcript as it was, the chat still usable', { timeout: 60_000 }, async () => {
  const before = await bubbles();
  const long = 'the cat sat on the mat '.repeat(40);
  await send(long);
  const error = await page.$eval('#chat-error', (p) => ({
    text: p.textContent, hidden: p.hidden, role: p.getAttribute('role'), isError: p.classList.contains('error'),
    // Beside the input: right after the Send row, inside the chat panel.
    afterSend: p.previousElementSibling?.contains(document.getElementById('send')) ?? false,
  }));
  assert.equal(error.hidden, false);
  assert.equal(error.role, 'alert');
  assert.equal(error.isError, true);
  assert.equal(error.afterSend, true);
  assert.match(error.text, /prompt is \d+ tokens; this model reads at most 128/);
  assert.deepEqual(await bubbles(), before);
  assert.equal(await page.inputValue('#chat-input'), long, 'the message stays in the input');
  // New chat clears the turns and the error; the first turn again gives Node's first reply, from a short prompt.
  await page.click('#new-chat');
  assert.deepEqual(await bubbles(), []);
  assert.equal(await page.$eval('#chat-error', (p) => p.hidden), true);
  assert.equal(await page.textContent('#chat-status'), '');
  assert.equal(await page.$eval('#system', (t) => t.readOnly), false);
  const numbers = await send(turns[0]);
  assert.deepEqual(await bubbles(), [{ role: 'user', text: turns[0] }, { role: 'assistant', text: expected[0].reply }]);
  assert.equal(Number(numbers.promptTokens), expected[0].usage.promptTokens, 'New chat started from the system message alone');
  assert.deepEqual(errors, []);
});

test('New chat with another system message: a new conversation with it', { timeout: 60_000 }, async () => {
  await page.click('#new-chat');
  await page.fill('#system', 'You are verbose.');
  const numbers = await send(turns[0]);
  // Node's reference with the page's new system message.
  const model = await loadModel(llamaChat);
  try {
    const chat = model.chat({ system: 'You are verbose.', generation: greedy });
    let reply = '';
    let usage;
    for await (const step of chat.send(turns[0])) {
      reply += step.text;
      usage = step.usage ?? usage;
    }
    assert.deepEqual(await bubbles(), [{ role: 'user', text: turns[0] }, { role: 'assistant', text: reply }]);
    assert.equal(Number(numbers.promptTokens), usage.promptTokens);
    assert.notEqual(usage.promptTokens, expected[0].usage.promptTokens, 'the system message is part of the prompt');
  } finally {
    model.dispose();
  }
});

test('reloading (another weight type) starts a new chat', { timeout: 60_000 }, async () => {
  assert.ok((await bubbles()).length > 0);
  await page.selectOption('#dtype', 'f32');
  await settled();
  assert.match(await page.textContent('#current-model'), /^Loaded: llama-tiny-chat \(f32 weights/);
  assert.deepEqual(await bubbles(), []);
  assert.equal(await page.textContent('#chat-status'), '');
  assert.equal(await visible('#chat-box'), true);
  await page.selectOption('#dtype', '');
  await settled();
});

test('Stop keeps the partial reply, the beginning of the full one; the next turn continues from it', { timeout: 120_000 }, async () => {
  const most = 200;
  const full = (await nodeChat({
    config: join(sotuFolder, 'config.json'), weights: join(sotuFolder, 'model.safetensors'),
    tokenizer: join(sotuFolder, 'tokenizer.json'), tokenizerConfig: templateConfig,
  }, ['My fellow citizens,'], { ...greedy, max_new_tokens: most, eos_token_id: [] }))[0];
  await page.setInputFiles('#folder-input', sotuFolder);
  await page.waitForFunction(() => document.body.dataset.state === 'loading', null, { timeout: 10_000 }).catch(() => {});
  await settled();
  assert.equal(await visible('#chat-box'), true, 'the folder\'s tokenizer_config.json has a chat template');
  await page.fill('#system', system);
  await setGreedy(most);
  const stopped = clickOnFirstText(page,
    { container: 'transcript', shown: '#transcript .bubble.assistant .text', button: 'chat-stop' });
  await page.fill('#chat-input', 'My fellow citizens,');
  await page.click('#send');
  await stopped;
  await settled();
  const numbers = await page.$eval('#chat-status', (p) => ({ text: p.textContent, ...p.dataset }));
  assert.equal(numbers.finishReason, 'abort', numbers.text);
  assert.match(numbers.text, /Stopped: aborted\./);
  const shown = await bubbles();
  assert.equal(shown.length, 2);
  const partial = shown[1].text;
  assert.ok(partial.length > 0 && partial.length < full.reply.length, `kept ${partial.length} of ${full.reply.length} characters`);
  assert.ok(full.reply.startsWith(partial), `${JSON.stringify(partial)} begins ${JSON.stringify(full.reply.slice(0, 80))}`);
  // The kept reply is part of the conversation: the next turn follows it and finds it in the cache.
  await setGreedy(4);
  const next = await send('Thank you.');
  assert.equal((await bubbles()).length, 4);
  assert.ok(Number(next.cachedTokens) > 0, next.text);
  assert.deepEqual(errors, []);
});

test('keys: Shift+Enter is a new line, Ctrl+Enter and Cmd+Enter send', { timeout: 60_000 }, async () => {
  await loadListed('llama-tiny-chat');
  await setGreedy(2);
  await page.fill('#chat-input', 'one');
  await page.press('#chat-input', 'Shift+Enter');
  await page.type('#chat-input', 'two');
  assert.equal(await page.inputValue('#chat-input'), 'one\ntwo');
  assert.deepEqual(await bubbles(), [], 'Shift+Enter sent nothing');
  for (const [i, key] of ['Control+Enter', 'Meta+Enter'].entries()) {
    await page.press('#chat-input', key);
    await settled();
    const shown = await bubbles();
    assert.equal(shown.length, 2 * (i + 1), key);
    assert.equal(shown.at(-2).text, i === 0 ? 'one\ntwo' : 'three');
    await page.fill('#chat-input', 'three');
  }
  assert.deepEqual(errors, []);
});

test('the transcript follows the reply as it streams, and stays where the user scrolled to', { timeout: 60_000 }, async () => {
  // A transcript a few lines high, so a reply overflows it.
  await page.addStyleTag({ content: '#transcript { min-height: 0 !important; max-height: 5em !important; }' });
  await page.click('#new-chat');
  await setGreedy(40);
  await send('The cat sat on the mat');
  await assertScrolledToEnd(page, '#transcript', 'the turns overflow the transcript');
  // Scrolled to the top mid-reply: it stays there while the reply goes on.
  const scrolledUp = page.evaluate(() => new Promise((resolve) => {
    const box = document.getElementById('transcript');
    const observer = new MutationObserver(() => {
      const reply = document.querySelector('#transcript .bubble.streaming .text');
      if (reply?.textContent) {
        observer.disconnect();
        box.scrollTop = 0;
        resolve(reply.textContent.length);
      }
    });
    observer.observe(box, { subtree: true, childList: true, characterData: true });
  }));
  await page.fill('#chat-input', 'The dog');
  await page.click('#send');
  const lengthThen = await scrolledUp;
  await settled();
  assert.ok((await bubbles()).at(-1).text.length > lengthThen, 'the reply kept coming after the scroll');
  assert.equal(await page.$eval('#transcript', (t) => t.scrollTop), 0);
  assert.deepEqual(errors, []);
});

test('the bubbles and tabs are readable in light and dark mode', { timeout: 60_000 }, async () => {
  assert.ok((await bubbles()).length >= 2);
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const c = await page.evaluate(() => {
      const css = (sel, prop = 'color') => getComputedStyle(document.querySelector(sel))[prop];
      return {
        panel: css('#generate-panel', 'backgroundColor'),
        user: css('.bubble.user .text'), userBg: css('.bubble.user', 'backgroundColor'),
        userWho: css('.bubble.user .who'),
        model: css('.bubble.assistant .text'), modelBg: css('.bubble.assistant', 'backgroundColor'),
        modelWho: css('.bubble.assistant .who'),
        tab: css('#mode-generate'), tabBg: css('#mode-generate', 'backgroundColor'),
        selected: css('#mode-chat'), selectedBg: css('#mode-chat', 'backgroundColor'),
      };
    });
    // A transparent tab shows the panel behind it.
    const tabBg = /rgba\(.*, 0\)$/.test(c.tabBg) ? c.panel : c.tabBg;
    for (const [what, ink, bg] of [['user', c.user, c.userBg], ['user label', c.userWho, c.userBg], ['reply', c.model, c.modelBg],
      ['reply label', c.modelWho, c.modelBg], ['Generate tab', c.tab, tabBg], ['Chat tab (selected)', c.selected, c.selectedBg]]) {
      assert.ok(contrast(ink, bg) >= 4.5, `${colorScheme}: ${what} ${ink} on ${bg}: ${contrast(ink, bg).toFixed(1)}`);
    }
  }
  await page.emulateMedia({ colorScheme: null });
  assert.deepEqual(errors, []);
});

test("Qwen3's thinking switch: shown for its template, off sends enable_thinking false, as model.chat() in Node", { timeout: 120_000 }, async () => {
  const qwen3 = JSON.parse(readFileSync(path('../fixtures/chat-templates/templates.json'), 'utf8')).find((t) => t.name === 'qwen3');
  const dir = mkdtempSync(join(tmpdir(), 'qkv-qwen3-chat-'));
  try {
    for (const name of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(path(`../fixtures/llama-tiny/${name}`), join(dir, name));
    const config = JSON.stringify({ chat_template: qwen3.chat_template, eos_token: '</s>' });
    writeFileSync(join(dir, 'tokenizer_config.json'), config);
    const files = { ...llamaChat, tokenizerConfig: new TextEncoder().encode(config) };
    const [thinking] = await nodeChat(files, ['The cat sat'], greedy);
    const [direct] = await nodeChat(files, ['The cat sat'], { ...greedy, chat_template_kwargs: { enable_thinking: false } });
    // (Sensitivity) the switch changes the prompt: the empty think block.
    assert.ok(direct.usage.promptTokens > thinking.usage.promptTokens);

    await loadListed('llama-tiny-chat');
    assert.equal(await visible('#thinking-row'), false, 'the Zephyr template has no thinking switch');
    await page.setInputFiles('#folder-input', dir);
    await page.waitForFunction(() => document.body.dataset.state === 'loading', null, { timeout: 10_000 }).catch(() => {});
    await settled();
    assert.equal(await visible('#thinking-row'), true);
    assert.equal(await page.isChecked('#thinking'), true, "Qwen3's default: it thinks");
    await page.fill('#system', system);
    await setGreedy(MAX);
    const on = await send('The cat sat');
    assert.equal(Number(on.promptTokens), thinking.usage.promptTokens, on.text);
    assert.equal((await bubbles())[1].text, thinking.reply);
    await page.click('#new-chat');
    await page.setChecked('#thinking', false);
    const off = await send('The cat sat');
    assert.equal(Number(off.promptTokens), direct.usage.promptTokens, off.text);
    assert.equal((await bubbles())[1].text, direct.reply);
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
