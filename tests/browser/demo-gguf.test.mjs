// The demo page with GGUF files, in Chromium: a .gguf dropped on the page or
// picked with the GGUF file input shows what its header holds (checked
// against the fixture writer's account, tests/fixtures/gguf/NAME.json); a
// split model's parts dropped in any order are read in order; a file that is
// no GGUF is named next to the control that was used.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { useDemoPage } from './demo-page.mjs';

const fixtures = fileURLToPath(new URL('../fixtures/gguf/', import.meta.url));
const manifest = (name) => JSON.parse(readFileSync(`${fixtures}${name}.json`, 'utf8'));
let page;
let errors;
useDemoPage({ onReady: (d) => {
  ({ page, errors } = d);
} });

/** Drops Files built in the page from [name, bytes-as-array] pairs on the drop zone. */
function dropFiles(files) {
  return page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const [name, bytes] of list) dt.items.add(new File([new Uint8Array(bytes)], name));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files.map(([name, bytes]) => [name, [...bytes]]));
}

const summaryShown = () => page.waitForFunction(() => !document.getElementById('gguf-summary').hidden, null, { timeout: 20_000 });

test('a dropped .gguf shows its version, architecture, tokenizer, chat template, every key and every tensor', async () => {
  const m = manifest('tokenizer-v2');
  await dropFiles([['tokenizer-v2.gguf', readFileSync(`${fixtures}tokenizer-v2.gguf`)]]);
  await summaryShown();
  const text = await page.textContent('#gguf-summary');
  const meta = (key) => m.metadata.find((e) => e.key === key).value;
  assert.match(text, /^file +tokenizer-v2\.gguf \(/m);
  assert.match(text, new RegExp(`^format +GGUF version ${m.version}, alignment ${m.alignment}`, 'm'));
  assert.match(text, new RegExp(`^architecture +${meta('general.architecture')}$`, 'm'));
  assert.match(text, new RegExp(`^tokenizer +${meta('tokenizer.ggml.model')}, ${meta('tokenizer.ggml.tokens').length} tokens, ${meta('tokenizer.ggml.merges').length} merges`, 'm'));
  assert.match(text, new RegExp(`^chat template +yes \\(${meta('tokenizer.chat_template').length} characters\\)$`, 'm'));
  for (const e of m.metadata) assert.ok(text.includes(` ${e.key} `), e.key);
  for (const t of m.tensors) assert.match(text, new RegExp(`${t.type_name} +${t.name.replaceAll('.', '\\.')} +\\[${t.dims.join(', ')}\\] +${t.nbytes} B`), t.name);
  assert.equal(await page.getAttribute('#gguf-summary', 'data-architecture'), meta('general.architecture'));
  assert.equal(await page.isHidden('#load-error'), true);
  assert.deepEqual(errors, []);
});

test('the GGUF file input: the fixture of every tensor type; then a file that is no GGUF is named by the input', async () => {
  const m = manifest('all-types');
  await page.setInputFiles('#gguf-input', `${fixtures}all-types.gguf`);
  await page.waitForFunction(() => document.getElementById('gguf-summary').textContent.includes('all-types.gguf'), null, { timeout: 20_000 });
  const text = await page.textContent('#gguf-summary');
  assert.match(text, new RegExp(`^Tensors \\(${m.tensors.length}\\):$`, 'm'));
  for (const type of new Set(m.tensors.map((t) => t.type_name))) assert.match(text, new RegExp(`^  ${type} +\\d+ tensors?`, 'm'), type);

  const cut = readFileSync(`${fixtures}values-v3.gguf`).subarray(0, 100);
  await dropFiles([['cut.gguf', cut]]);
  await page.waitForFunction(() => !document.getElementById('load-error').hidden, null, { timeout: 20_000 });
  assert.match(await page.textContent('#load-error'), /^Could not read the GGUF file: cut\.gguf: /);
  assert.equal(await page.isHidden('#gguf-summary'), true);
  // The page still works: a good file afterwards is shown.
  await dropFiles([['values-v3.gguf', readFileSync(`${fixtures}values-v3.gguf`)]]);
  await summaryShown();
  assert.match(await page.textContent('#gguf-summary'), /^architecture +llama/m);
});
