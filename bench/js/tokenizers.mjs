// encode() and encodeWithOffsets() throughput of the fixture tokenizers, in MB of UTF-16 text a second.
// The text: llama.cpp's tokenizer test texts plus generated sentences with accents, CJK and emoji
// (one encode call each, as a classifier sees them). With several dist folders (e.g. main's and a
// branch's), their runs alternate in one process and each keeps its best, so that a busy machine
// slows both alike.
//   node bench/js/tokenizers.mjs [dist folder ...]   (default ./dist)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dists = (process.argv.length > 2 ? process.argv.slice(2) : ['dist']).map((d) => resolve(d));
const builds = await Promise.all(dists.map(async (d) => (await import(pathToFileURL(`${d}/index.js`).href)).createTokenizer));
const fixtures = new URL('../../tests/fixtures/', import.meta.url);
const WORDS = ['the', 'quick', 'Brown', 'fox', 'café', 'naïve', 'jumps', 'über', '東京', '日本語', '😀', 'emoji', '3.14',
  "don't", 'Tokenization', 'unbelievable', 'straße', 'İstanbul', ',', '.', '!', 'Hello', 'world', 'résumé'];
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const sentences = [];
for (let i = 0; i < 4000; i++) {
  sentences.push(Array.from({ length: 8 + Math.floor(random() * 20) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '));
}
for (const vocab of ['llama-spm', 'qwen2', 'bert-bge']) {
  const inp = readFileSync(new URL(`tokenizer-goldens/ggml-vocab-${vocab}.gguf.inp`, fixtures), 'utf8');
  sentences.push(...inp.split('\n__ggml_vocab_test__\n').filter((t) => t.length > 0));
}
const chars = sentences.reduce((n, s) => n + s.length, 0);

/** MB/s of each function, runs alternating between them, best of `runs` each. */
function rates(fns, runs = 8) {
  for (const fn of fns) for (const s of sentences) fn(s); // warm up (and fill the word caches)
  const best = fns.map(() => Infinity);
  for (let run = 0; run < runs; run++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      for (const s of sentences) fn(s);
      best[i] = Math.min(best[i], performance.now() - t0);
    });
  }
  return best.map((ms) => (chars / 1e6) / (ms / 1e3));
}

console.log(`${sentences.length} sentences, ${(chars / 1e3).toFixed(0)}k UTF-16 units`);
console.log(`| tokenizer | ${dists.map((d) => `encode MB/s (${d})`).join(' | ')} | encodeWithOffsets MB/s |`);
console.log(`|---|${dists.map(() => '---:|').join('')}---:|`);
for (const name of ['bert-tokenizer', 'gpt2-tokenizer', 'llama-tokenizer', 'qwen2-tokenizer', 'unigram-tokenizer']) {
  const json = readFileSync(new URL(`${name}/tokenizer.json`, fixtures), 'utf8');
  const toks = builds.map((create) => create(JSON.parse(json)));
  const plain = rates(toks.map((tok) => (s) => tok.encode(s)));
  const last = toks[toks.length - 1];
  const withOffsets = typeof last.encodeWithOffsets === 'function' ? rates([(s) => last.encodeWithOffsets(s)], 3)[0].toFixed(2) : '–';
  console.log(`| ${name} | ${plain.map((r) => r.toFixed(2)).join(' | ')} | ${withOffsets} |`);
}
