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
 * A dtype option as loadModel and pipeline() take it: qkv's name or
 * transformers.js's. Its ONNX quantizations (int8, uint8, q4, q4f16, bnb4)
 * are other formats: refused, naming q8, qkv's 8-bit weights.
 */
export function parseDtype(value: unknown, where: string): Dtype {
  if (isDtype(value)) return value;
  if (typeof value === 'string' && ALIASES[value] !== undefined) return ALIASES[value];
  const hint = typeof value === 'string' && ['int8', 'uint8', 'q4', 'q4f16', 'bnb4'].includes(value)
    ? ` ('${value}' names one of transformers.js's ONNX quantizations; qkv's own 8-bit weights are 'q8')` : '';
  throw new InvalidArgumentError(`${where}dtype must be one of ${[...DTYPES, ...Object.keys(ALIASES)].join(', ')}, got ` +
    `${JSON.stringify(value)}${hint}`);
}

export const KV_DTYPES = ['f32', 'f16'] as const;

/** Storage of the KV cache: 'f32' or 'f16' (half the memory per position; the attention reads it as it is). */
export type KvDtype = (typeof KV_DTYPES)[number];

export function isKvDtype(value: unknown): value is KvDtype {
  return (KV_DTYPES as readonly unknown[]).includes(value);
}
