// The demo page says why each generation ended, in its status line under the
// numbers: "Stopped: end of sequence" / "reached max new tokens" / "context full
// (N tokens)" / "stop string" / "aborted" — each provoked for real: the demo
// model's end-of-speech line (its end-of-sequence token is the clear favourite
// after it), a token budget, gpt2-tiny's 64 positions, a stop string typed in the
// form, and Stop (the worker ends the stream with finishReason 'abort').
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { settledPage, stopOnFirstToken, useDemoPage } from './demo-page.mjs';

const gpt2Positions = JSON.parse(readFileSync(new URL('../fixtures/gpt2-tiny/config.json', import.meta.url), 'utf8')).n_positions;
let page;
let errors;

useDemoPage({ viewport: { width: 1000, height: 1300 }, onReady: (d) => {
  ({ page, errors } = d);
} });

const settled = () => settledPage(page);

async function loadListed(id) {
  await page.selectOption('#bundled-model', id);
  await page.click('#load-bundled');
  await settled();
  assert.match(await page.textContent('#current-model'), new RegExp(`^Loaded: ${id} `));
}

/** Greedy generation (no repetition penalty) with these form values; returns the status line's parts. */
async function generate({ prompt, max, stop = '' }) {
  await page.fill('#prompt', prompt);
  await page.setChecked('input[name=do_sample]', false);
  await page.fill('input[name=repetition_penalty]', '1');
  await page.fill('input[name=max_new_tokens]', String(max));
  await page.fill('input[name=stop]', stop);
  await page.click('#generate');
  await settled();
  return statusLine();
}

async function statusLine() {
  const status = await page.textContent('#generate-status');
  const [, tokens, why] = /^Done: (\d+) tokens in [\d.]+ s \(seed \d+\)\. Stopped: (.+)\.$/.exec(status) ?? [];
  assert.ok(why !== undefined, `status line: ${status}`);
  assert.equal(await page.textContent('#count'), tokens, 'the numbers line counts the same tokens');
  return { tokens: Number(tokens), why, reason: await page.$eval('#generate-status', (p) => p.dataset.finishReason) };
}

test('the context is full: "context full (N tokens)", N the model\'s positions', { timeout: 60_000 }, async () => {
  await loadListed('gpt2-tiny');
  const { tokens, why, reason } = await generate({ prompt: 'Hello', max: 200 });
  assert.equal(why, `context full (${gpt2Positions} tokens)`);
  assert.equal(reason, 'context');
  // "Hello" is one token: the rest of the positions, and the last token (sampled, not stored).
  assert.equal(tokens, gpt2Positions);
});

test('the budget: "reached max new tokens"', { timeout: 60_000 }, async () => {
  await loadListed('sotu-llama');
  const { tokens, why, reason } = await generate({ prompt: 'My fellow citizens, ', max: 5 });
  assert.deepEqual([tokens, why, reason], [5, 'reached max new tokens', 'max_new_tokens']);
});

test('an end-of-sequence token: "end of sequence"', { timeout: 60_000 }, async () => {
  // The demo model learnt that a speech ends after this line.
  const { tokens, why, reason } = await generate({ prompt: 'Thank you, God bless you, and God bless the United States of America.', max: 20 });
  assert.deepEqual([tokens, why, reason], [0, 'end of sequence', 'eos']);
});

test('a stop string from the form: "stop string", the text cut before it', { timeout: 60_000 }, async () => {
  const prompt = 'My fellow citizens, ';
  const free = await generate({ prompt, max: 20 });
  assert.equal(free.why, 'reached max new tokens');
  const text = await page.textContent('#output .generated');
  const stop = text.slice(8, 12);
  assert.ok(stop.trim().length > 0, JSON.stringify(text));
  const { why, reason } = await generate({ prompt, max: 20, stop });
  assert.deepEqual([why, reason], ['stop string', 'stop']);
  assert.equal(await page.textContent('#output .generated'), text.slice(0, text.indexOf(stop)));
});

test('Stop: "aborted", after the tokens that arrived, nothing lost and nothing after', { timeout: 60_000 }, async () => {
  const most = 230;
  const stopped = stopOnFirstToken(page);
  await page.fill('#prompt', 'My fellow citizens, ');
  await page.fill('input[name=max_new_tokens]', String(most));
  await page.fill('input[name=stop]', '');
  await page.click('#generate');
  await stopped;
  await settled();
  const { tokens, why, reason } = await statusLine();
  assert.deepEqual([why, reason], ['aborted', 'abort']);
  assert.ok(tokens >= 1 && tokens < most, `stopped after ${tokens} of ${most} tokens`);
  // The greedy run of the same length shows the same text: what streamed before Stop is all there.
  const shown = await page.textContent('#output .generated');
  const again = await generate({ prompt: 'My fellow citizens, ', max: tokens });
  assert.equal(again.why, 'reached max new tokens');
  assert.equal(await page.textContent('#output .generated'), shown);
  assert.deepEqual(errors, []);
});
