/** The weight types a model can be held in, in wasm memory: the one definition every layer imports. */

export const DTYPES = ['f32', 'f16', 'q8'] as const;

/** Weight type in memory: 'f32', 'f16' (half the bytes) or 'q8' (a quarter). */
export type Dtype = (typeof DTYPES)[number];

export function isDtype(value: unknown): value is Dtype {
  return (DTYPES as readonly unknown[]).includes(value);
}
