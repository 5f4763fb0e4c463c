import { InvalidArgumentError } from './errors.js';

/** The weight types a model can be held in, in wasm memory: the one definition every layer imports. */

export const DTYPES = ['f32', 'f16', 'q8', 'q4'] as const;

/**
 * Weight type in memory: 'f32', 'f16' (half the bytes), 'q8' (a quarter: 8-bit blocks) or 'q4' (4-bit
 * blocks, about a fifth; the token embedding and the LM head stay q8 unless `embeddingDtype` /
 * `lmHeadDtype` say otherwise).
 */
export type Dtype = (typeof DTYPES)[number];

/**
 * A weight matrix's type in memory (model.info.weightDtypes): a Dtype, 'q8k', in which a GGUF file's
 * Q5_K matrices keep ggml's values exactly at q8's size, 'q6k', in which its Q6_K matrices keep them at
 * Q6_K's size, 'q4k', in which its Q4_K matrices keep them at Q4_K's size, or 'q8h', in which its Q8_0
 * (and Q5_0, or under 'q8' Q4_0) matrices keep them with their f16 scales at Q8_0's size
 * (docs/GGML_QUANTS.md). 'q8k', 'q6k', 'q4k' and 'q8h' are what a load makes of those blocks, not dtypes
 * one asks for.
 */
export type HeldDtype = Dtype | 'q8k' | 'q6k' | 'q4k' | 'q8h';

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
 * checkpoint's), qkv's name or transformers.js's. Its other ONNX quantizations
 * (int8, uint8, q4f16, bnb4) are other formats: refused, naming q8 and q4,
 * qkv's 8- and 4-bit weights.
 */
/** Every name parseDtype accepts. */
export const DTYPE_NAMES: readonly string[] = ['auto', ...DTYPES, ...Object.keys(ALIASES)];

export function parseDtype(value: unknown, where: string): DtypeChoice {
  if (value === undefined || value === 'auto') return 'auto';
  if (isDtype(value)) return value;
  if (typeof value === 'string' && ALIASES[value] !== undefined) return ALIASES[value];
  const hint = typeof value === 'string' && ['int8', 'uint8', 'q4f16', 'bnb4'].includes(value)
    ? ` ('${value}' names one of transformers.js's ONNX quantizations; qkv's own 8-bit weights are 'q8', its 4-bit ones 'q4')` : '';
  throw new InvalidArgumentError(`${where}dtype must be one of ${DTYPE_NAMES.join(', ')}, got ` +
    `${JSON.stringify(value)}${hint}`);
}

/**
 * What the loader is asked for: the matrices' dtype, and the token embedding's and LM head's when they are
 * chosen apart from it (loadModel's embeddingDtype and lmHeadDtype). The rule itself lives in the wasm loader
 * (src/runtime/weight_policy.h): 'q4' keeps those two matrices q8 unless told otherwise.
 */
export interface WeightRequest {
  dtype: DtypeChoice;
  embedding?: Dtype;
  lmHead?: Dtype;
}

/** A role's dtype option (embeddingDtype, lmHeadDtype): absent, or one of qkv's dtypes or their aliases. */
export function parseRoleDtype(value: unknown, name: string): Dtype | undefined {
  if (value === undefined) return undefined;
  if (isDtype(value)) return value;
  if (typeof value === 'string' && ALIASES[value] !== undefined) return ALIASES[value];
  throw new InvalidArgumentError(`${name} must be one of ${[...DTYPES, ...Object.keys(ALIASES)].join(', ')}, got ${JSON.stringify(value)}`);
}

export const KV_DTYPES = ['f32', 'f16'] as const;

/** Storage of the KV cache: 'f32' or 'f16' (half the memory per position; the attention reads it as it is). */
export type KvDtype = (typeof KV_DTYPES)[number];

export function isKvDtype(value: unknown): value is KvDtype {
  return (KV_DTYPES as readonly unknown[]).includes(value);
}
