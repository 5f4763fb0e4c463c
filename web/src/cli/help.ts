/** The --help texts, built from the commands' declarations so they cannot drift from what is parsed. */
import { formatOptions } from './args.js';
import type { Command } from './command.js';
import { COMMON_OPTIONS } from './load.js';

const MODEL_LINE = [
  "<model> is a Hugging Face Hub id ('org/name', downloaded once into the cache shared with Python's",
  'huggingface_hub), a folder holding config.json, model.safetensors (or shards with',
  'model.safetensors.index.json) and tokenizer.json as on the Hub, or the http(s) URL of such a folder.',
  'A path that exists is a folder, even when it looks like an id.',
];

export function mainHelp(commands: readonly Command[], version: string): string {
  const heads = commands.map((c) => `${c.name} ${c.usage}`);
  const width = Math.max(...heads.map((h) => h.length));
  return [
    `qkv ${version}: small Transformer models (GPT-2, LLaMA family, BERT) on a WebAssembly SIMD core`,
    '',
    'Usage: qkv <command> <model> [arguments] [options]',
    '',
    'Commands:',
    ...commands.map((c, i) => `  ${heads[i]!.padEnd(width)}  ${c.summary}`),
    '',
    ...MODEL_LINE,
    '',
    'Options for every command:',
    ...formatOptions(COMMON_OPTIONS),
    '',
    "Run 'qkv <command> --help' for a command's own options, 'qkv --version' for the version.",
    'Errors are printed as "ErrorClass: message" and exit with status 1.',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: qkv ${command.name} ${command.usage} [options]`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    ...command.details,
    '',
    ...MODEL_LINE,
    '',
    'Options:',
    ...formatOptions([...command.options, ...COMMON_OPTIONS]),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
  ].join('\n');
}
