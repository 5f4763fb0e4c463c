// One configuration in a fresh Chromium page (Debian's, headless, cross-origin
// isolated so threads work), the model fetched from the repository's test
// server. Prints one JSON line.
//   node bench/relaxed/chromium.mjs <gpt2-small|llama-100m|qwen3-0.6b> <f32|f16|q8> <threads> <simd|relaxed>
import { launchChromium } from '../../tests/browser/chromium.mjs';
import { startServer } from '../../tests/browser/server.mjs';

const [name, dtype, threads, flavour] = process.argv.slice(2);
if (!name || !dtype || !(Number(threads) >= 1) || !['simd', 'relaxed'].includes(flavour)) {
  throw new Error('usage: chromium.mjs <model folder name under bench/out> <dtype> <threads> <simd|relaxed>');
}
const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  // Optional model files (generation_config.json, ...) that are absent log 404s: not errors here.
  page.on('console', (m) => m.type() === 'error' && !/status of 404/.test(m.text()) && console.error(`page: ${m.text()}`));
  await page.goto(`${server.url}/isolated/bench/relaxed/page.html`);
  const result = await page.evaluate(async (args) => {
    const qkv = await import('/isolated/dist/index.js');
    const { measureDecoder } = await import('/isolated/bench/relaxed/measure.mjs');
    return measureDecoder(qkv, { ...args, model: new URL(`/isolated/bench/out/${args.name}/`, location.href).href });
  }, { name, dtype, threads: Number(threads), relaxed: flavour === 'relaxed' });
  console.log(JSON.stringify({ engine: `chromium-${browser.version()}`, ...result }));
} finally {
  await browser.close();
  await server.close();
}
