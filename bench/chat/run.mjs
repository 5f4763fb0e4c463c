// Chat turns with and without the prompt cache: the time to first token of
// the fifth turn of a conversation holding ~1000 tokens of history, reusing
// the KV cache (qkv's default) against computing the whole prompt
// (cache_prompt: false), side by side in one process, rounds alternating.
//
//   node bench/chat/run.mjs [MODEL_DIR] [--rounds N] [--dtype f32|f16|q8] [--threads N]
//
// MODEL_DIR defaults to bench/out/llama-100m (bench/llama-bert/make_models.py: random-weight LLaMA,
// 12 x 768, 32000 tokens, context 2048) with a Zephyr-style chat template. Every turn is greedy with
// a fixed reply length (eos ignored). Each line says whether the two modes' replies were identical:
// in f32 they are; in q8, tokens decoded one at a time (the q8 GEMV, activations rounded to 8 bits)
// leave slightly different keys and values than the same tokens prefilled (the f32 GEMM on dequantized
// weights), so a reply can part where two candidates are close. Prints one JSON line per round, then
// the medians and ratio.
import { join, resolve } from 'node:path';
import { env, loadModel } from '../../dist/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const rounds = Number(option('rounds', '3'));
const dtype = option('dtype', 'q8');
env.wasm.numThreads = Number(option('threads', '1'));
const dir = resolve(args[0] ?? 'bench/out/llama-100m');

const TEMPLATE = "{% for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] + eos_token + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";
const files = {
  config: join(dir, 'config.json'),
  weights: join(dir, 'model.safetensors'),
  tokenizer: join(dir, 'tokenizer.json'),
  tokenizerConfig: new TextEncoder().encode(JSON.stringify({ chat_template: TEMPLATE, bos_token: '<s>', eos_token: '</s>' })),
};
// As chats go, short questions and longer answers: each user message is ~45 tokens and each reply 200,
// so the four turns before the measured one hold ~1000 tokens.
const question = (i) => `Question ${i}: ${'Tell me more about the history of the city and its rivers, bridges and markets. '.repeat(2)}`;
const TURNS = 5;
const REPLY = 200;

async function conversation(model, cachePrompt) {
  const chat = model.chat({ system: 'You are a helpful assistant.', generation: { max_new_tokens: REPLY, do_sample: false, eos_token_id: [], cache_prompt: cachePrompt } });
  const replies = [];
  let last;
  for (let turn = 1; turn <= TURNS; turn++) {
    const start = performance.now();
    let first;
    let text = '';
    let usage;
    for await (const step of chat.send(question(turn))) {
      first ??= performance.now();
      text += step.text;
      usage = step.usage ?? usage;
    }
    replies.push(text);
    last = { ttftMs: first - start, promptTokens: usage.promptTokens, cachedTokens: usage.cachedTokens };
  }
  return { replies, last };
}

const model = await loadModel(files, { dtype });
const results = { reuse: [], none: [] };
let reference;
try {
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? ['reuse', 'none'] : ['none', 'reuse']) {
      const { replies, last } = await conversation(model, mode === 'reuse');
      reference ??= replies;
      const same = JSON.stringify(replies) === JSON.stringify(reference);
      results[mode].push(last.ttftMs);
      console.log(JSON.stringify({ round, mode, dtype, threads: env.wasm.numThreads, turn: TURNS, ...last,
        ttftMs: +last.ttftMs.toFixed(1), repliesAsFirstRun: same }));
    }
  }
} finally {
  model.dispose();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const reuse = median(results.reuse);
const none = median(results.none);
console.log(`turn ${TURNS} time to first token: reuse ${reuse.toFixed(1)} ms, no reuse ${none.toFixed(1)} ms, ` +
  `speed-up ${(none / reuse).toFixed(2)}x (medians of ${rounds})`);
