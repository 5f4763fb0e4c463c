/**
 * The options every command shares (--dtype, --threads, --quiet) and model
 * loading with the progress bar on stderr.
 */
import { DTYPE_NAMES, DTYPES, KV_DTYPES, isDtype, isKvDtype, parseDtype, type DtypeChoice } from '../dtype.js';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasHubIdForm } from '../hub/id.js';
import { downloadModel, env, InvalidArgumentError, loadModel, type Model } from '../index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { LoadProgress } from './progress.js';
import { checkModelFolder } from '../sources/local-folder.js';

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'dtype', type: 'string', choices: DTYPE_NAMES, description: "weights in memory: auto (default) keeps the checkpoint's (f32 stays f32, f16/bf16 become f16); f32, f16 (half of f32), q8 (a quarter) or q4 (about a fifth; embedding and LM head stay q8); fp32/fp16 as transformers.js names them" },
  { name: 'embedding-dtype', type: 'string', choices: DTYPES, description: "the token embedding's weights, apart from --dtype's rule (q4 keeps it q8)" },
  { name: 'lm-head-dtype', type: 'string', choices: DTYPES, description: "the LM head's weights (tied or not), apart from --dtype's rule (q4 keeps it q8)" },
  { name: 'threads', type: 'integer', min: 0, placeholder: 'N', description: 'kernel threads (default 0 = one per core, at most 8; 1 = the single-threaded build; more than the cores or 8 is capped with a warning)' },
  { name: 'relaxed-simd', type: 'string', choices: ['auto', 'on', 'off'], description: 'the relaxed-SIMD build (int8 dot products, fused multiply-add): auto (default) where this Node.js runs it correctly (22 and later), off = the SIMD128 build, on = relaxed or an error' },
  { name: 'revision', type: 'string', placeholder: 'REV', description: "a Hub id's branch, tag or commit (default main)" },
  { name: 'offline', type: 'boolean', description: 'Hub ids from the cache only, no network (as HF_HUB_OFFLINE=1)' },
  { name: 'file', type: 'string', placeholder: 'NAME', description: "a Hub id's GGUF file (for a split model, its first part)" },
  { name: 'quant', type: 'string', placeholder: 'TAG', description: "a Hub id's GGUF model by quant, e.g. Q4_K_M or q8_0 (case-insensitive), as llama.cpp's -hf repo:quant" },
  { name: 'quiet', type: 'boolean', description: 'no progress bar or timing lines on stderr' },
  { name: 'help', type: 'boolean', description: 'show this help' },
];

/** The KV cache's options, for the commands that generate. */
export const SESSION_OPTIONS: readonly OptionSpec[] = [
  { name: 'kv-dtype', type: 'string', choices: KV_DTYPES, description: 'KV cache storage (default f32; f16 holds twice the positions)' },
  { name: 'context', type: 'integer', min: 1, placeholder: 'N', description: "positions a generation may hold (default the model's); refused at load if its cache would not fit" },
];

export function dtypeOf(args: ParsedArgs): DtypeChoice {
  return parseDtype(args.string('dtype'), '--'); // the parser checked the choices
}

/** Must run before the runtime starts: the thread count and build are fixed when it does. --offline applies here too. */
export function applyThreads(args: ParsedArgs): void {
  const threads = args.number('threads');
  if (threads !== undefined) env.wasm.numThreads = threads;
  const relaxed = args.string('relaxed-simd');
  if (relaxed !== undefined) env.wasm.relaxedSimd = relaxed === 'auto' ? 'auto' : relaxed === 'on';
  if (args.flag('offline')) env.allowRemoteModels = false;
}

/** loadModel's and downloadModel's `revision`, when --revision gives one. */
export function revisionOf(args: ParsedArgs): { revision?: string } {
  const revision = args.string('revision');
  return revision === undefined ? {} : { revision };
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
    const kvDtype = args.string('kv-dtype');
    const context = args.number('context');
    const file = args.string('file');
    const quant = args.string('quant');
    const embeddingDtype = args.string('embedding-dtype');
    const lmHeadDtype = args.string('lm-head-dtype');
    const model = await loadModel(source, {
      dtype: dtypeOf(args),
      ...(isDtype(embeddingDtype) ? { embeddingDtype } : {}),
      ...(isDtype(lmHeadDtype) ? { lmHeadDtype } : {}),
      ...revisionOf(args),
      ...(file === undefined ? {} : { file }),
      ...(quant === undefined ? {} : { quant }),
      ...(isKvDtype(kvDtype) ? { kvDtype } : {}),
      ...(context === undefined ? {} : { contextLength: context }),
      ...(progress === undefined ? {} : { onProgress: progress.update.bind(progress) }),
    });
    return { model, loadMs: performance.now() - start };
  } finally {
    progress?.end();
  }
}

/**
 * For a model given as a path on disk (anything but an http(s) URL or a Hub
 * id no file has the name of): "<who>: expects a model folder with …; got a
 * file: x" unless it is one.
 */
export async function checkLocalModel(source: string, who: string): Promise<void> {
  // 'org/name' is a Hub id unless a file or folder has that name, or 'org' is a file (package.json/x).
  const first = source.split('/')[0]!;
  const onDisk = existsSync(source) || (existsSync(first) && !statSync(first).isDirectory());
  if (/^https?:/i.test(source) || (hasHubIdForm(source) && !onDisk)) return;
  await checkModelFolder(source.startsWith('file:') ? fileURLToPath(source) : source, who);
}

/**
 * A folder holding the model: `source` itself, or for a Hub id its snapshot
 * in the cache, downloaded first when needed (for commands that read the
 * checkpoint's files themselves, as inspect does).
 */
export async function modelFolder(source: string, args: ParsedArgs): Promise<string> {
  if (!hasHubIdForm(source) || existsSync(source)) return source;
  applyThreads(args);
  const progress = args.flag('quiet') ? undefined : new LoadProgress(process.stderr);
  try {
    const { folder } = await downloadModel(source, {
      ...revisionOf(args), ...(progress === undefined ? {} : { onProgress: progress.update.bind(progress) }),
    });
    if (folder === undefined) throw new InvalidArgumentError(`no cache folder for ${source}: set HF_HOME or HF_HUB_CACHE`);
    return folder;
  } finally {
    progress?.end();
  }
}
