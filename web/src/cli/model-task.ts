/**
 * What the commands that run a model share: the body (open the model named first on the command
 * line, check it can do the task, run it, print the result as JSON with --json or else as lines,
 * and dispose of the model whatever happens) and the options several of them declare alike.
 */
import { requireCapability, type Capability } from '../capabilities.js';
import type { Model } from '../index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { openModel } from './load.js';

/** --json: `what` is what it prints, e.g. 'the results'. */
export function jsonOption(what: string): OptionSpec {
  return { name: 'json', type: 'boolean', description: `print ${what} as JSON` };
}

/** --top-k N (a whole number >= 1); the description says what is counted and the default. */
export function topKOption(description: string): OptionSpec {
  return { name: 'top-k', type: 'integer', min: 1, placeholder: 'N', description };
}

/** A text option (--name TEXT); a repeatable one keeps every value given (ParsedArgs.strings). */
export function textOption(name: string, description: string, repeatable = false): OptionSpec {
  return { name, type: 'string', placeholder: 'TEXT', description, ...(repeatable ? { repeatable } : {}) };
}

/** `{ [key]: value }`, or nothing when value is undefined: an option given on the command line, spread into a call's options. */
export function given<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export interface ModelTask<R> {
  /** The command's name, which errors start with ('qkv <command>: …'). */
  command: string;
  /** What the model must be able to do; none for the commands that take any model (bench, embed). */
  capability?: Capability;
  /** The work; loadMs is loadModel's wall time. */
  run(model: Model, loadMs: number): Promise<R>;
  /** The result as stdout lines, without --json ([] when run() wrote them as they came). */
  lines(result: R): readonly string[];
  /** What --json prints (default: the result as one line of JSON). */
  json?(result: R): string;
}

export async function runModelTask<R>(args: ParsedArgs, task: ModelTask<R>): Promise<void> {
  const { model, loadMs } = await openModel(args.positionals[0]!, args);
  try {
    if (task.capability !== undefined) requireCapability(model.info, task.capability, `qkv ${task.command}`);
    const result = await task.run(model, loadMs);
    const out = args.flag('json') ? `${task.json?.(result) ?? JSON.stringify(result)}\n`
      : task.lines(result).map((line) => `${line}\n`).join('');
    // Nothing left to print when the command streamed its lines as they came (qkv translate).
    if (out !== '') process.stdout.write(out);
  } finally {
    model.dispose();
  }
}
