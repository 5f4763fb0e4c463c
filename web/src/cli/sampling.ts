/**
 * The generation options of the commands that generate (generate, chat):
 * declared once, read into GenerationOptions once.
 */
import type { GenerationOptions, Model } from '../index.js';
import type { OptionSpec, ParsedArgs } from './args.js';

export const SAMPLING_OPTIONS: readonly OptionSpec[] = [
  { name: 'max-new-tokens', type: 'integer', min: 0, placeholder: 'N', description: 'tokens to generate at most (default: generation_config.json\'s, else 64)' },
  { name: 'temperature', type: 'number', min: 0, placeholder: 'T', description: 'sample with this softmax temperature (0: greedy)' },
  { name: 'top-k', type: 'integer', min: 0, placeholder: 'K', description: 'sample from the K most likely tokens only' },
  { name: 'top-p', type: 'number', min: 0, minInclusive: false, max: 1, placeholder: 'P', description: 'sample from the smallest set of tokens whose probability reaches P' },
  { name: 'repetition-penalty', type: 'number', min: 0, minInclusive: false, placeholder: 'R', description: '> 1 discourages tokens already present' },
  { name: 'greedy', type: 'boolean', description: 'take the most likely token, whatever generation_config.json says' },
  { name: 'seed', type: 'integer', min: 0, placeholder: 'S', description: 'seed of the sampler (the same seed gives the same text)' },
];

/** The options given on the command line; the model's generation_config.json fills in the rest (generate() does). */
export function generationOptionsOf(args: ParsedArgs): GenerationOptions {
  const options: Record<string, number | boolean> = {};
  const numbers = {
    max_new_tokens: args.number('max-new-tokens'),
    temperature: args.number('temperature'),
    top_k: args.number('top-k'),
    top_p: args.number('top-p'),
    repetition_penalty: args.number('repetition-penalty'),
    seed: args.number('seed'),
  };
  for (const [key, value] of Object.entries(numbers)) if (value !== undefined) options[key] = value;
  if (args.flag('greedy')) options.do_sample = false;
  return options as GenerationOptions;
}

/** The checkpoint's length limit when it has one, else 64 (more than the library's 20, for a terminal). */
export function withTerminalLength(options: GenerationOptions, model: Model): GenerationOptions {
  const own = model.info.generation ?? {};
  if (options.max_new_tokens !== undefined || own.max_new_tokens !== undefined || own.max_length !== undefined) return options;
  return { ...options, max_new_tokens: 64 };
}
