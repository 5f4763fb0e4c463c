/** What a CLI command declares, so the dispatcher can parse, check and document every command alike. */
import type { OptionSpec, ParsedArgs } from './args.js';

export interface Command {
  name: string;
  /** The positional part of the usage line, e.g. '<model> "<prompt>"'. */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** Further help paragraphs (what is printed, where). */
  details: readonly string[];
  /** Positional arguments: at least min, at most max (Infinity for a list). */
  positionals: { min: number; max: number };
  /** Command-specific options; the common ones are added by the dispatcher. */
  options: readonly OptionSpec[];
  /** Example invocations for the help. */
  examples: readonly string[];
  run(args: ParsedArgs): Promise<void>;
}
