// One configuration in a fresh Chromium page (Debian's, headless, cross-origin
// isolated so threads work), the model fetched from the repository's test
// server. Prints one JSON line.
//   node bench/relaxed/chromium.mjs <gpt2-small|llama-100m|qwen3-0.6b> <f32|f16|q8> <threads> <simd|relaxed>
import { inBenchPage } from '../chromium/page.mjs';

const [name, dtype, threads, flavour] = process.argv.slice(2);
if (!name || !dtype || !(Number(threads) >= 1) || !['simd', 'relaxed'].includes(flavour)) {
  throw new Error('usage: chromium.mjs <model folder name under bench/out> <dtype> <threads> <simd|relaxed>');
}
await inBenchPage('/isolated/bench/relaxed/page.html', async (page, browser) => {
  const result = await page.evaluate(async (args) => {
    const qkv = await import('/isolated/dist/index.js');
    const { measureDecoder } = await import('/isolated/bench/relaxed/measure.mjs');
    return measureDecoder(qkv, { ...args, model: new URL(`/isolated/bench/out/${args.name}/`, location.href).href });
  }, { name, dtype, threads: Number(threads), relaxed: flavour === 'relaxed' });
  console.log(JSON.stringify({ engine: `chromium-${browser.version()}`, ...result }));
});
