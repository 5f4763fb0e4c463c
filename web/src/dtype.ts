/** The weight types a model can be held in, in wasm memory: the one definition every layer imports. */

export const DTYPES = ['f32', 'f16', 'q8'] as const;

/** Weight type in memory: 'f32', 'f16' (half the bytes) or 'q8' (a quarter). */
export type Dtype = (typeof DTYPES)[number];

export function isDtype(value: unknown): value is Dtype {
  return (DTYPES as readonly unknown[]).includes(value);
}

export const KV_DTYPES = ['f32', 'f16'] as const;

/** Storage of the KV cache: 'f32' or 'f16' (half the memory per position; the attention reads it as it is). */
export type KvDtype = (typeof KV_DTYPES)[number];

export function isKvDtype(value: unknown): value is KvDtype {
  return (KV_DTYPES as readonly unknown[]).includes(value);
}
