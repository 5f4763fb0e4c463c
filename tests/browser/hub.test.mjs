// Models by Hub id in Chromium, against the loopback fake Hub on other
// origins: a page loads a gated model by id with a token the CDN never
// sees, hashing the weights in wasm; the second load is served by the
// browser cache (commit-pinned), as are loads offline; a corrupted download
// is an IntegrityError and a later load succeeds. Then the demo page: an id
// typed into its field loads, generates, and loads again offline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeHub } from '../js/fake-hub.mjs';
import { folder, reference, referenceLogits } from '../js/fixtures.mjs';
import { fixtureRepo, weightRequests } from '../js/hub-support.mjs';
import { useServerAndBrowser } from './chromium.mjs';

const live = useServerAndBrowser();
let hub;

before(async () => {
  hub = await startFakeHub();
  hub.tokens.add('hf_page');
});

after(async () => {
  await hub?.close();
});

/** PyTorch's logits of the first reference prompt's last position, and that prompt's ids. */
function firstReferenceRow() {
  const ref = reference('gpt2-tiny');
  const block = ref.logits.blocks[0];
  const vocab = ref.logits.vocab_size;
  const position = block.positions.at(-1);
  const index = block.positions.length - 1;
  const all = referenceLogits('gpt2-tiny');
  return { ids: ref.prompts[block.prompt].ids, position, vocab,
    want: all.subarray(block.offset / 4 + index * vocab, block.offset / 4 + (index + 1) * vocab) };
}

/** Loads `id` in the page with `settings` applied to env; resolves to the error's name/reason/message or the logits row. */
function loadInPage(page, id, settings, row) {
  return page.evaluate(async ({ id, settings, row }) => {
    const { env, loadModel } = await import('/isolated/dist/index.js');
    Object.assign(env, settings);
    try {
      const model = await loadModel(id, settings.accessToken ? { accessToken: settings.accessToken } : {});
      const { logits } = await model.forward(row.ids);
      model.dispose();
      return { logits: Array.from(logits.subarray(row.position * row.vocab, (row.position + 1) * row.vocab)) };
    } catch (e) {
      return { error: { name: e.name, reason: e.reason, message: e.message } };
    }
  }, { id, settings, row: { ids: row.ids, position: row.position, vocab: row.vocab } });
}

test('a page loads a gated model by id: PyTorch\'s logits, the token never sent to the CDN, then from the cache and offline', async () => {
  const id = 'org/page-gated';
  hub.addRepo(id, fixtureRepo('gpt2-tiny'), { gated: true });
  const page = await live.browser.newPage();
  try {
    await page.goto(`${live.server.url}/isolated/tests/browser/pages/blank.html`);
    const row = firstReferenceRow();
    const settings = { remoteHost: hub.url, accessToken: 'hf_page' };

    const refused = await loadInPage(page, id, { remoteHost: hub.url }, row);
    assert.equal(refused.error?.name, 'HubError');
    assert.equal(refused.error.reason, 'GatedRepo');

    hub.resetRequests();
    const first = await loadInPage(page, id, settings, row);
    assert.equal(first.error, undefined, JSON.stringify(first.error));
    const maxAbs = first.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - row.want[i])), 0);
    assert.ok(maxAbs <= 1e-4, `max |logit error| ${maxAbs}`);
    const cdn = hub.requests.filter((r) => r.origin === 'cdn' && r.method === 'GET');
    assert.ok(cdn.length > 0);
    assert.ok(cdn.every((r) => r.headers.authorization === undefined), 'the CDN never sees the token');
    const hubGets = hub.requests.filter((r) => r.origin === 'hub' && r.method === 'GET' && !r.path.startsWith('/api/resolve-cache'));
    assert.ok(hubGets.every((r) => r.headers.authorization === 'Bearer hf_page'));

    hub.resetRequests();
    const cached = await loadInPage(page, id, settings, row);
    assert.deepEqual(cached.logits, first.logits);
    assert.deepEqual(weightRequests(hub), [], 'the second load is served by the browser cache');

    hub.resetRequests();
    const offline = await loadInPage(page, id, { ...settings, allowRemoteModels: false }, row);
    assert.deepEqual(offline.logits, first.logits);
    assert.deepEqual(hub.requests, [], 'offline: no request');
    const absent = await loadInPage(page, 'org/never-loaded', { allowRemoteModels: false }, row);
    assert.equal(absent.error?.reason, 'NotCached');
    assert.match(absent.error.message, /org\/never-loaded/);

    // The network gone: the Hub cannot be reached, so the cached revision is used.
    await page.context().setOffline(true);
    try {
      const unreachable = await loadInPage(page, id, { ...settings, allowRemoteModels: true }, row);
      assert.deepEqual(unreachable.logits, first.logits);
    } finally {
      await page.context().setOffline(false);
    }
  } finally {
    await page.close();
  }
});

test('a corrupted download in a page is an IntegrityError from the wasm hash; nothing is cached; the next load succeeds', async () => {
  const id = 'org/page-corrupt';
  hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  const page = await live.browser.newPage();
  try {
    await page.goto(`${live.server.url}/isolated/tests/browser/pages/blank.html`);
    const row = firstReferenceRow();
    hub.fail({ match: /model\.safetensors/, origin: 'cdn', kind: 'corrupt', times: 1 });
    const corrupt = await loadInPage(page, id, { remoteHost: hub.url, allowRemoteModels: true }, row);
    assert.equal(corrupt.error?.name, 'IntegrityError', JSON.stringify(corrupt.error));
    assert.match(corrupt.error.message, /model\.safetensors/);
    assert.equal(corrupt.error.message.match(/[0-9a-f]{64}/g)?.length, 2);
    hub.resetRequests();
    const good = await loadInPage(page, id, { remoteHost: hub.url }, row);
    assert.equal(good.error, undefined, JSON.stringify(good.error));
    assert.ok(weightRequests(hub).length > 0, 'the corrupt file was not served from the cache');
  } finally {
    await page.close();
  }
});

// As the README's reader would: on a phone-sized window and on a desktop one.
for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
  test(`the demo page at ${viewport.width} px loads a model by Hub id, generates, and loads it again offline`, async () => {
    const id = `org/demo-gpt2-${viewport.width}`;
    hub.addRepo(id, fixtureRepo('gpt2-tiny'));
    const page = await live.browser.newPage({ viewport });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${live.server.url}/isolated/examples/browser/index.html?hub=${encodeURIComponent(hub.url)}&id=${id}`);
      await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
      // A page that never settles fails with what it was doing (its state and status line).
      const settled = () => page.waitForFunction(() => ['ready', 'idle'].includes(document.body.dataset.state), null, { timeout: 60_000 })
        .catch(async (e) => {
          const where = await page.evaluate(() => `${document.body.dataset.state}: ${document.getElementById('load-status').textContent}`);
          throw new Error(`the demo page did not settle (${where})`, { cause: e });
        });
      assert.equal(await page.inputValue('#model-id'), id);
      await page.click('#load-id');
      await settled();
      assert.match(await page.textContent('#load-status'), new RegExp(`^${id}: GPT2LMHeadModel, `));
      await page.fill('#prompt', 'Hello');
      await page.fill('input[name=max_new_tokens]', '4');
      await page.click('#generate');
      await settled();
      assert.match(await page.textContent('#generate-status'), /^Done: 4 tokens/);

      hub.resetRequests();
      await page.click('.hub-settings summary');
      await page.check('#hub-offline');
      await page.click('#load-id');
      await settled();
      assert.match(await page.textContent('#load-status'), new RegExp(`^${id}: GPT2LMHeadModel, `));
      assert.deepEqual(hub.requests, []);
      await page.fill('#model-id', 'org/not-cached');
      await page.click('#load-id');
      await settled();
      // The error shows beside the Hub id row (demo-notes.test.mjs tests its styling); the status says no model.
      assert.match(await page.textContent('#load-error'), /^Could not load org\/not-cached: .*not in the cache/);
      assert.equal(await page.textContent('#load-status'), 'No model loaded.');
      assert.deepEqual(errors, []);
      // Nothing scrolls sideways, at either width.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'horizontal scroll');
    } finally {
      await page.close();
    }
  });
}

test("a page's env.allowLocalModels looks under env.localModelPath first, as transformers.js does", async () => {
  const page = await live.browser.newPage();
  try {
    await page.goto(`${live.server.url}/isolated/tests/browser/pages/blank.html`);
    const row = firstReferenceRow();
    hub.resetRequests();
    const local = await loadInPage(page, 'gpt2-tiny', {
      remoteHost: hub.url, allowLocalModels: true, localModelPath: '/isolated/tests/fixtures/',
    }, row);
    assert.equal(local.error, undefined, JSON.stringify(local.error));
    const maxAbs = local.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - row.want[i])), 0);
    assert.ok(maxAbs <= 1e-4, `max |logit error| ${maxAbs}`);
    assert.deepEqual(hub.requests, [], 'found locally: the Hub is not asked');
    // Not there locally: the Hub is asked (and knows no such model).
    const remote = await loadInPage(page, 'org/not-local', { allowLocalModels: true, localModelPath: '/isolated/tests/fixtures/' }, row);
    assert.equal(remote.error?.reason, 'RepoNotFound');
    // A fresh page's defaults: no local lookup, and transformers.js's '/models/' as the folder.
    const fresh = await live.browser.newPage();
    await fresh.goto(`${live.server.url}/isolated/tests/browser/pages/blank.html`);
    const defaults = await fresh.evaluate(async () => {
      const { env } = await import('/isolated/dist/index.js');
      return { allowLocalModels: env.allowLocalModels, localModelPath: env.localModelPath, remoteHost: env.remoteHost };
    });
    await fresh.close();
    assert.deepEqual(defaults, { allowLocalModels: false, localModelPath: '/models/', remoteHost: 'https://huggingface.co' });
  } finally {
    await page.close();
  }
});
