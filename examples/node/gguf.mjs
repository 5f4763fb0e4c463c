// Loads a GGUF model (llama.cpp's format) and generates from it, greedy: what
// the file holds (architecture, ggml tensor types, the dtype qkv keeps its
// matrices in) on stderr, the prompt and its continuation on stdout. The file
// alone is enough: the tokenizer comes from its tokenizer.ggml.* metadata.
//
// Run (after `npm run build`):
//   node examples/node/gguf.mjs tests/fixtures/gguf/kquant/llama-kq-Q4_K_M.gguf "hello" --max-new-tokens 8
//   node examples/node/gguf.mjs tests/fixtures/gguf/kquant/split/llama-kq-Q4_K_M-00001-of-00003.gguf "hello"
//   node examples/node/gguf.mjs Qwen/Qwen3-0.6B-GGUF "The capital of France is" --quant Q8_0
import { parseArgs } from 'node:util';
import { loadModel } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/gguf.mjs <file.gguf, its URL, a split model\'s first part, or a Hub id> "<prompt>" '
  + '[--quant TAG | --file NAME] [--max-new-tokens N] [--dtype auto|f32|f16|q8]';

async function main() {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nLoads a GGUF model and streams a greedy continuation of the prompt to stdout.\n`
      + '  --quant TAG          a Hub id\'s GGUF model by quant (Q4_K_M, Q8_0, ...), as llama.cpp\'s -hf repo:quant\n'
      + '  --file NAME          a Hub id\'s GGUF file (a split model\'s first part)\n'
      + '  --max-new-tokens N   tokens to generate (default 32)\n'
      + '  --dtype D            weights in memory: auto (default: q8 for quantized files), f32, f16 or q8');
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quant: { type: 'string' },
      file: { type: 'string' },
      'max-new-tokens': { type: 'string', default: '32' },
      dtype: { type: 'string', default: 'auto' },
    },
  });
  if (positionals.length !== 2) throw new TypeError(USAGE);
  const [source, prompt] = positionals;
  const choice = { ...(values.quant !== undefined ? { quant: values.quant } : {}), ...(values.file !== undefined ? { file: values.file } : {}) };

  const model = await loadModel(source, { dtype: values.dtype, ...choice });
  try {
    const { architecture, nLayer, nEmbd, dtype, ggmlTypes } = model.info;
    const types = Object.entries(ggmlTypes ?? {}).map(([type, n]) => `${n} ${type}`).join(', ');
    console.error(`${architecture}: ${nLayer} layers, ${nEmbd} wide; tensors ${types}; held as ${dtype}`);
    process.stdout.write(prompt);
    for await (const { text } of model.generate(prompt, { max_new_tokens: Number(values['max-new-tokens']) })) {
      process.stdout.write(text);
    }
    process.stdout.write('\n');
  } finally {
    model.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
