/**
 * qkv generate: the prompt and its continuation streamed to stdout as the
 * tokens arrive, then the speed on stderr (kept off stdout so the text can be
 * piped as it is).
 */
import type { FinishReason } from '../index.js';
import { requireTokenizer } from '../tokenizers/id-only.js';
import type { Command } from './command.js';
import { formatMs, formatRate } from './format.js';
import { openModel, SESSION_OPTIONS } from './load.js';
import { generationOptionsOf, SAMPLING_OPTIONS, withTerminalLength } from './sampling.js';

export const generateCommand: Command = {
  name: 'generate',
  usage: '<model> "<prompt>"',
  summary: 'stream a continuation of the prompt (decoders: GPT-2, LLaMA family)',
  details: [
    'Prints the prompt, then the generated text as it streams, to stdout; then one line on stderr:',
    'tokens generated, decode speed (tokens after the first, per second) and time to first token',
    '(tokenizing, the prompt pass and the first sample). Sampling follows the checkpoint\'s',
    'generation_config.json (do_sample, temperature, top_k, top_p, repetition_penalty, max_new_tokens)',
    'where the options leave it; without that file, greedy unless a sampling option is given.',
  ],
  positionals: { min: 2, max: 2 },
  options: [
    ...SAMPLING_OPTIONS,
    ...SESSION_OPTIONS,
  ],
  examples: [
    'qkv generate tests/fixtures/llama-tiny "Once upon a time" --max-new-tokens 16',
    'qkv generate ./my-model "The cat" --temperature 0.8 --top-p 0.95 --seed 1 --dtype q8',
  ],
  async run(args) {
    const [source, prompt] = args.positionals as [string, string];
    const { model } = await openModel(source, args);
    try {
      const options = withTerminalLength(generationOptionsOf(args), model);
      const promptTokens = requireTokenizer(model.tokenizer, 'qkv generate').encode(prompt).length;
      const start = performance.now();
      let first = start;
      let tokens = 0;
      // The prompt is echoed with the first token, so a refused request (an encoder, a
      // bad option) leaves stdout empty and only the error on stderr.
      let echo = prompt;
      let reason: FinishReason | undefined;
      for await (const { token, text, finishReason } of model.generate(prompt, options)) {
        if (token >= 0 && tokens++ === 0) first = performance.now();  // -1: held-back text only
        process.stdout.write(echo + text);
        echo = '';
        reason = finishReason;
      }
      process.stdout.write(echo);
      const end = performance.now();
      process.stdout.write('\n');
      // An end of sequence or the --max-new-tokens asked for is the natural end; a full context is not.
      if (reason === 'context') {
        process.stderr.write(`[stopped: the context of ${model.info.nCtx} positions is full]\n`);
      }
      if (!args.flag('quiet')) {
        const speed = tokens > 1 ? formatRate(((tokens - 1) * 1000) / (end - first)) : 'n/a tok/s';
        const ttft = tokens > 0 ? formatMs(first - start) : 'n/a';
        process.stderr.write(`${tokens} tokens, ${speed}, time to first token ${ttft} (prompt ${promptTokens} tokens)\n`);
      }
    } finally {
      model.dispose();
    }
  },
};
