// The README's "Use a model from the Hub" section, run as a reader would copy
// it: its JavaScript block as a Node.js script and its shell line as the qkv
// command, against the local fake Hub (HF_ENDPOINT) serving a fixture under the
// id the README names. Only the import specifier 'qkv' is pointed at this
// checkout's dist/ (an installed package resolves it by name); nothing else
// in the snippets is changed, so a README edit that breaks them fails here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { startFakeHub } from './fake-hub.mjs';
import { fixtureRepo, freshCache } from './hub-support.mjs';
import { folder } from './fixtures.mjs';
import { env, loadModel } from '../../dist/index.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(repo, 'dist', 'cli', 'qkv.js');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const chatTemplate = JSON.parse(readFileSync(new URL('../fixtures/chat-templates/templates.json', import.meta.url), 'utf8'))
  .find((t) => t.name === 'smollm2').chat_template;

/** The fenced code blocks of one `## ` section of the README, as { lang, code }. */
function sectionBlocks(heading) {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
}

const blocks = sectionBlocks('Use a model from the Hub');
const js = blocks.find((b) => b.lang === 'js')?.code ?? assert.fail('no js block');
const sh = blocks.find((b) => b.lang === 'sh')?.code.trim() ?? assert.fail('no sh block');
const id = js.match(/loadModel\('([^']+)'/)?.[1] ?? assert.fail('the js block loads no Hub id');

let hub;
let dir;
let variables;
env.wasm.numThreads = 1;

before(async () => {
  hub = await startFakeHub();
  // A chat model under the README's id: llama-tiny with SmolLM2's own chat template.
  // Its context is raised from 128 to 512 positions (RoPE has no table to outgrow) so that the README's
  // two chat turns of up to 60 tokens fit, as they do in the real model's 8192.
  const files = fixtureRepo('llama-tiny');
  const config = JSON.parse(new TextDecoder().decode(files['config.json']));
  hub.addRepo(id, {
    ...files,
    'config.json': JSON.stringify({ ...config, max_position_embeddings: 512 }),
    'tokenizer_config.json': JSON.stringify({ chat_template: chatTemplate, eos_token: '</s>' }),
  });
  dir = mkdtempSync(join(tmpdir(), 'qkv-readme-'));
  variables = { ...process.env, HF_ENDPOINT: hub.url, HF_HUB_CACHE: freshCache(), HF_TOKEN: '' };
});
after(async () => {
  await hub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the README's Hub snippet runs as written and prints the model's reply", async () => {
  assert.match(js, /^import \{[^}]*\} from 'qkv';$/m);
  const script = join(dir, 'snippet.mjs');
  writeFileSync(script, js.replace(/from 'qkv';/, `from '${pathToFileURL(join(repo, 'dist', 'index.js')).href}';`));
  const { stdout } = await run(process.execPath, [script], { env: variables, cwd: dir });

  // The same call through the API, on the same files: the reply the README's reader gets.
  const model = await loadModel({
    config: join(folder('llama-tiny'), 'config.json'),
    weights: join(folder('llama-tiny'), 'model.safetensors'),
    tokenizer: join(folder('llama-tiny'), 'tokenizer.json'),
    tokenizerConfig: new TextEncoder().encode(JSON.stringify({ chat_template: chatTemplate, eos_token: '</s>' })),
  }, { dtype: 'q8' });
  try {
    // The snippet's own conversation literal (README text, evaluated as the snippet evaluates it).
    const literal = js.match(/const messages = (\[.*\]);/)?.[1] ?? assert.fail('no messages in the snippet');
    const messages = new Function(`return ${literal};`)();
    let reply = '';
    for await (const { text } of model.generate(messages, { max_new_tokens: 40 })) reply += text;
    assert.ok(reply.length > 0);
    assert.equal(stdout, reply);
  } finally {
    model.dispose();
  }
  // It came from the Hub: the weights were fetched once, at a commit.
  assert.ok(hub.requests.some((r) => /model\.safetensors/.test(r.path)), 'no weight request reached the fake Hub');
});

test("the README's chat snippet runs as written: two turns, the second from the cache", async () => {
  const chatBlock = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes('model.chat('))
    ?? assert.fail('no chat snippet in the README');
  assert.equal(chatBlock.match(/loadModel\('([^']+)'/)?.[1], id, 'the chat snippet uses the same repository');
  const script = join(dir, 'chat.mjs');
  writeFileSync(script, chatBlock.replace(/from 'qkv';/, `from '${pathToFileURL(join(repo, 'dist', 'index.js')).href}';`));
  const { stdout } = await run(process.execPath, [script], { env: variables, cwd: dir });
  const reuse = [...stdout.matchAll(/\((\d+) of (\d+) prompt tokens from the cache\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(reuse.length, 2, stdout);
  assert.equal(reuse[0][0], 0, 'a fresh model has nothing cached');
  assert.ok(reuse[1][0] > reuse[0][1], `the second turn reuses the first turn's prompt and more: ${JSON.stringify(reuse)}`);
  assert.match(stdout, /\n5\n$/);
});

test("the README's qkv command runs as written (npx qkv = this checkout's dist/cli/qkv.js)", async () => {
  assert.match(sh, /^npx qkv /);
  const args = [...sh.slice('npx qkv '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  assert.equal(args[1], id);
  const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--quiet'], { env: variables, cwd: dir });
  const prompt = args[2];
  assert.ok(stdout.startsWith(prompt), `stdout starts with the prompt: ${JSON.stringify(stdout.slice(0, 80))}`);
  assert.ok(stdout.length > prompt.length, 'and continues it');
  assert.doesNotMatch(stderr, /Error/);
});
