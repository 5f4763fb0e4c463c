import { InvalidArgumentError } from './errors.js';

/** The weight types a model can be held in, in wasm memory: the one definition every layer imports. */

export const DTYPES = ['f32', 'f16', 'q8'] as const;

/** Weight type in memory: 'f32', 'f16' (half the bytes) or 'q8' (a quarter). */
export type Dtype = (typeof DTYPES)[number];

export function isDtype(value: unknown): value is Dtype {
  return (DTYPES as readonly unknown[]).includes(value);
}

/** transformers.js's names for the same weight types. */
export type DtypeAlias = 'fp32' | 'fp16';

const ALIASES: Record<string, Dtype> = { fp32: 'f32', fp16: 'f16' };

/**
 * The dtype a load asks for: one of qkv's, or 'auto', the checkpoint's own
 * (f32 weights stay f32; f16 and bf16 weights are held as f16).
 */
export type DtypeChoice = Dtype | 'auto';

/**
 * A dtype option as loadModel and pipeline() take it: absent or 'auto' (the
 * checkpoint's), qkv's name or transformers.js's. Its ONNX quantizations
 * (int8, uint8, q4, q4f16, bnb4) are other formats: refused, naming q8,
 * qkv's 8-bit weights.
 */
/** Every name parseDtype accepts. */
export const DTYPE_NAMES: readonly string[] = ['auto', ...DTYPES, ...Object.keys(ALIASES)];

export function parseDtype(value: unknown, where: string): DtypeChoice {
  if (value === undefined || value === 'auto') return 'auto';
  if (isDtype(value)) return value;
  if (typeof value === 'string' && ALIASES[value] !== undefined) return ALIASES[value];
  const hint = typeof value === 'string' && ['int8', 'uint8', 'q4', 'q4f16', 'bnb4'].includes(value)
    ? ` ('${value}' names one of transformers.js's ONNX quantizations; qkv's own 8-bit weights are 'q8')` : '';
  throw new InvalidArgumentError(`${where}dtype must be one of ${DTYPE_NAMES.join(', ')}, got ` +
    `${JSON.stringify(value)}${hint}`);
}

export const KV_DTYPES = ['f32', 'f16'] as const;

/** Storage of the KV cache: 'f32' or 'f16' (half the memory per position; the attention reads it as it is). */
export type KvDtype = (typeof KV_DTYPES)[number];

export function isKvDtype(value: unknown): value is KvDtype {
  return (KV_DTYPES as readonly unknown[]).includes(value);
}
