// Streams a continuation of a prompt to stdout as the tokens arrive, then one
// line on stderr with the speed: tokens after the first per second, and the
// time to the first token (tokenizing + the prompt pass + the first sample).
// Greedy unless --temperature is given.
//
// Run (after `npm run build`):
//   node examples/node/generate.mjs tests/fixtures/llama-tiny "Once upon a time" --max-new-tokens 16
//   node examples/node/generate.mjs <folder or URL> "<prompt>" [--max-new-tokens N] [--temperature T] [--seed S] [--dtype auto|f32|f16|q8|q4]
import { parseArgs } from 'node:util';
import { loadModel } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/generate.mjs <model folder or URL> "<prompt>" ' +
  '[--max-new-tokens N] [--temperature T] [--seed S] [--dtype auto|f32|f16|q8|q4]';

async function main() {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nStreams a continuation of the prompt to stdout, then the speed on stderr. Greedy unless --temperature is given.\n  --max-new-tokens N   tokens to generate (default 64)\n  --temperature T      sample at temperature T\n  --seed S             seed for sampling\n  --dtype D            weights in memory: auto (default, the checkpoint's), f32, f16, q8 or q4`);
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'max-new-tokens': { type: 'string', default: '64' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
      dtype: { type: 'string', default: 'auto' },
    },
  });
  if (positionals.length !== 2) throw new TypeError(USAGE);
  const [source, prompt] = positionals;

  const model = await loadModel(source, { dtype: values.dtype });
  // qkv checks the numbers: a bad one becomes an InvalidArgumentError naming the option.
  const options = { max_new_tokens: Number(values['max-new-tokens']) };
  if (values.temperature !== undefined) options.temperature = Number(values.temperature);
  if (values.seed !== undefined) options.seed = Number(values.seed);

  process.stdout.write(prompt);
  const start = performance.now();
  let first = start;
  let tokens = 0;
  for await (const { token, text } of model.generate(prompt, options)) {
    if (token >= 0 && tokens++ === 0) first = performance.now();  // -1: held-back text only
    process.stdout.write(text);
  }
  const end = performance.now();
  process.stdout.write('\n');
  const rate = tokens > 1 ? ((tokens - 1) * 1000) / (end - first) : 0;
  console.error(`${tokens} tokens, ${rate.toFixed(1)} tok/s, time to first token ${(first - start).toFixed(1)} ms`);
  model.dispose();
}

main().catch((e) => {
  // qkv's errors name the problem; their class and message are all a user needs.
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
