/**
 * The options every command shares (--dtype, --threads, --quiet) and model
 * loading with the progress bar on stderr.
 */
import { env, loadModel, type Model } from '../index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { LoadProgress } from './progress.js';

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'dtype', type: 'string', choices: ['f32', 'f16', 'q8'], description: 'weights in memory (default f32; f16 halves them, q8 quarters them)' },
  { name: 'threads', type: 'integer', min: 0, placeholder: 'N', description: 'kernel threads (default 0 = one per core, at most 8; 1 = the single-threaded build)' },
  { name: 'quiet', type: 'boolean', description: 'no progress bar or timing lines on stderr' },
  { name: 'help', type: 'boolean', description: 'show this help' },
];

export type Dtype = 'f32' | 'f16' | 'q8';

export function dtypeOf(args: ParsedArgs): Dtype {
  return (args.string('dtype') ?? 'f32') as Dtype; // the parser checked the choices
}

/** Must run before the runtime starts: the thread count is fixed when it does. */
export function applyThreads(args: ParsedArgs): void {
  const threads = args.number('threads');
  if (threads !== undefined) env.wasm.numThreads = threads;
}

export interface Loaded {
  model: Model;
  /** Wall time of loadModel, runtime start-up included on first use. */
  loadMs: number;
}

export async function openModel(source: string, args: ParsedArgs): Promise<Loaded> {
  applyThreads(args);
  const progress = args.flag('quiet') ? undefined : new LoadProgress(process.stderr);
  const start = performance.now();
  try {
    const model = await loadModel(source, {
      dtype: dtypeOf(args),
      ...(progress === undefined ? {} : { onProgress: progress.update.bind(progress) }),
    });
    return { model, loadMs: performance.now() - start };
  } finally {
    progress?.end();
  }
}
