/**
 * The CLI's own argument parser: `--name value`, `--name=value`, boolean
 * `--flag`, `-h`, and `--` to end options. Values are checked against the
 * option's declared type here, so every command gets typed values or an
 * InvalidArgumentError naming the option (kept free of argument-parsing
 * packages so the installed CLI has no dependencies).
 */
import { InvalidArgumentError } from '../errors.js';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean';

export interface OptionSpec {
  /** Long name without dashes, e.g. 'max-new-tokens'. */
  name: string;
  type: OptionType;
  /** Shown in help, e.g. 'N'. */
  placeholder?: string;
  description: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** Smallest allowed value of a number or integer option. */
  min?: number;
  /** Numbers only: whether min itself is allowed (default true). */
  minInclusive?: boolean;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** String options only: may be given several times, each value kept (ParsedArgs.strings). */
  repeatable?: boolean;
}

export type OptionValue = string | number | boolean;
type StoredValue = OptionValue | readonly string[];

/** Parsed arguments with typed getters for the options the spec declared. */
export class ParsedArgs {
  readonly positionals: readonly string[];
  private readonly values: ReadonlyMap<string, StoredValue>;

  constructor(positionals: string[], values: Map<string, StoredValue>) {
    this.positionals = positionals;
    this.values = values;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  number(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  /** Every value of a repeatable option, in the order given (none: empty). */
  strings(name: string): readonly string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
}

/**
 * Parses argv (without the node and script paths) against `specs`. `-h` is
 * an alias of `--help`, which must be among the specs to be accepted.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], context: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const positionals: string[] = [];
  const values = new Map<string, StoredValue>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A lone '-' or a negative number is a value, not an option.
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg === '-h') {
      name = 'help';
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      throw new InvalidArgumentError(`${context}: unknown option ${arg} (options are --long-names; see --help)`);
    }
    const spec = byName.get(name);
    if (spec === undefined) {
      throw new InvalidArgumentError(`${context}: unknown option --${name} (see ${context} --help)`);
    }
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new InvalidArgumentError(`${context}: --${name} takes no value, got '${inline}'`);
      values.set(name, true);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      // The next word is the value even if it starts with '-', so `--temperature -1` reports the bad number.
      if (i + 1 >= argv.length) throw new InvalidArgumentError(`${context}: --${name} needs a value (${describe(spec)})`);
      raw = argv[++i]!;
    }
    const value = convert(raw, spec, context);
    const earlier = values.get(name);
    values.set(name, spec.repeatable === true ? [...(Array.isArray(earlier) ? earlier : []), String(value)] : value);
  }
  return new ParsedArgs(positionals, values);
}

function describe(spec: OptionSpec): string {
  if (spec.choices !== undefined) return `one of ${spec.choices.join(', ')}`;
  const bound = spec.min === undefined ? '' : ` ${spec.minInclusive === false ? '>' : '>='} ${spec.min}`;
  const top = spec.max === undefined ? '' : ` and <= ${spec.max}`;
  if (spec.type === 'integer') return `a whole number${bound}${top}`;
  if (spec.type === 'number') return `a number${bound}${top}`;
  return spec.placeholder ?? 'a value';
}

function convert(raw: string, spec: OptionSpec, context: string): OptionValue {
  const bad = (): never => {
    throw new InvalidArgumentError(`${context}: --${spec.name} must be ${describe(spec)}, got '${raw}'`);
  };
  if (spec.type === 'string') {
    if (spec.choices !== undefined && !spec.choices.includes(raw)) bad();
    return raw;
  }
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) bad();
  const value = Number(raw);
  if (!Number.isFinite(value)) bad();
  if (spec.type === 'integer' && !Number.isSafeInteger(value)) bad();
  if (spec.min !== undefined && (spec.minInclusive === false ? value <= spec.min : value < spec.min)) bad();
  if (spec.max !== undefined && value > spec.max) bad();
  return value;
}

/** Help lines for options: '  --name PLACEHOLDER   description', aligned. */
export function formatOptions(specs: readonly OptionSpec[]): string[] {
  const heads = specs.map((s) => {
    const long = `--${s.name}${s.type === 'boolean' ? '' : ` ${s.placeholder ?? (s.choices?.join('|') ?? 'VALUE')}`}`;
    return s.name === 'help' ? `-h, ${long}` : long;
  });
  const width = Math.max(...heads.map((h) => h.length));
  return specs.map((s, i) => `  ${heads[i]!.padEnd(width)}  ${s.description}${s.repeatable === true ? ' (repeatable)' : ''}`);
}
