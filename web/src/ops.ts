/** Tensor operations on the wasm kernels, for callers that want them directly. */
import { getBackend } from './backend.js';
import { InvalidArgumentError, OutOfMemoryError } from './errors.js';
import { heapF32 } from './heap.js';

export interface SoftmaxOptions {
  /** Split the input into this many rows of equal length (default 1). */
  rows?: number;
}

/**
 * Softmax over each row of `input`, computed by the SIMD kernel (rows run in
 * parallel in the threads build). Returns a new Float32Array. NaN anywhere in
 * a row, or a row of only -Infinity, gives NaN, as torch.softmax does.
 */
export async function softmax(input: Float32Array | readonly number[], options: SoftmaxOptions = {}): Promise<Float32Array> {
  if (!(input instanceof Float32Array) && !Array.isArray(input)) {
    throw new InvalidArgumentError(`softmax: input must be a Float32Array or an array of numbers, got ${describe(input)}`);
  }
  const rows = options.rows ?? 1;
  if (typeof rows !== 'number') {
    throw new InvalidArgumentError(`softmax: options.rows must be a number, got ${describe(rows)}`);
  }
  const backend = await getBackend();
  return backend.call((m) => {
    const bytes = Math.max(input.length, 1) * 4;
    const ptr = m._malloc(bytes);
    if (ptr === 0) throw new OutOfMemoryError(`softmax: could not allocate ${bytes} bytes of wasm memory`);
    try {
      heapF32(m).set(input, ptr >>> 2);
      m.softmaxRows(ptr, input.length, rows);
      return heapF32(m).slice(ptr >>> 2, (ptr >>> 2) + input.length);
    } finally {
      m._free(ptr);
    }
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
