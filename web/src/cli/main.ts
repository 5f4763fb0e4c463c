/**
 * The qkv command line: picks the command, parses its arguments against
 * its declared options, runs it, and turns errors into one line on stderr
 * and exit status 1. qkv.ts is the executable that calls it.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../index.js';
import { parseArgs } from './args.js';
import { benchCommand } from './bench.js';
import type { Command } from './command.js';
import { chatCommand } from './chat.js';
import { classifyCommand } from './classify.js';
import { embedCommand } from './embed.js';
import { describeError } from './format.js';
import { fillMaskCommand } from './fill-mask.js';
import { generateCommand } from './generate.js';
import { downloadCommand } from './download.js';
import { commandHelp, mainHelp } from './help.js';
import { inspectCommand } from './inspect.js';
import { nerCommand } from './ner.js';
import { zeroShotCommand } from './zero-shot.js';
import { qaCommand } from './qa.js';
import { rerankCommand } from './rerank.js';
import { summarizeCommand, translateCommand } from './text2text.js';
import { isGgufSource } from './inspect-gguf.js';
import { checkLocalModel, COMMON_OPTIONS } from './load.js';

export const COMMANDS: readonly Command[] = [
  generateCommand, chatCommand, embedCommand, classifyCommand, rerankCommand, nerCommand, zeroShotCommand, qaCommand,
  fillMaskCommand, translateCommand, summarizeCommand, inspectCommand, downloadCommand, benchCommand,
];

function version(): string {
  // dist/cli/main.js -> the package root, in the repository and when installed.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Runs the CLI on argv (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await dispatch(argv);
    return 0;
  } catch (e) {
    process.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new InvalidArgumentError(`no command given\n\n${mainHelp(COMMANDS, version())}`);
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : find(topic);
    process.stdout.write(`${command === undefined ? mainHelp(COMMANDS, version()) : commandHelp(command)}\n`);
    return;
  }
  if (first === '--version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (first.startsWith('-')) {
    throw new InvalidArgumentError(`qkv: expected a command first (${COMMANDS.map((c) => c.name).join(', ')}), got ${first}; options go after it`);
  }
  const command = find(first);
  const context = `qkv ${command.name}`;
  const args = parseArgs(rest, [...command.options, ...COMMON_OPTIONS], context);
  if (args.flag('help')) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return;
  }
  const n = args.positionals.length;
  if (n < command.positionals.min || n > command.positionals.max) {
    throw new InvalidArgumentError(
      `${context}: expected ${command.usage}, got ${n} argument${n === 1 ? '' : 's'} (see ${context} --help)`);
  }
  // Every command that loads a model names a bad folder the same way, before any work; a GGUF file (or a
  // Hub id with --file / --quant) is no folder.
  const gguf = isGgufSource(args.positionals[0]!, args);
  if (command.name === 'download' && (args.has('file') || args.has('quant'))) {
    throw new InvalidArgumentError(`${context}: --file and --quant choose a GGUF to load or inspect; download fetches a whole repository`);
  }
  if (command.name !== 'download' && !gguf) await checkLocalModel(args.positionals[0]!, context);
  await command.run(args);
}

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    throw new InvalidArgumentError(`qkv: unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see qkv --help)`);
  }
  return command;
}
