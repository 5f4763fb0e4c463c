/**
 * A model's weight files streamed into the wasm loader one after another,
 * with progress totals over all of them. Each format streams a file in its
 * own module (safetensors.ts; GGUF would be another).
 */
import type { Backend } from '../backend.js';
import { IntegrityError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { isAbort } from '../platform.js';
import type { LoadTotals, ProgressInfo } from '../load-progress.js';
import { openInput, type ReadContext } from '../sources/file-input.js';
import type { WeightFiles } from '../sources/source.js';
import type { LoaderHandle } from '../wasm-module.js';
import { streamSafetensors } from './safetensors.js';

export async function streamWeights(backend: Backend, loader: LoaderHandle, weights: WeightFiles,
  totals: LoadTotals, onProgress: ((info: ProgressInfo) => void) | undefined, context: ReadContext): Promise<void> {
  const { signal } = context;
  for (const [index, input] of weights.files.entries()) {
    signal?.throwIfAborted();
    const src = index === 0 && weights.first ? weights.first : await openInput(input, 'model.safetensors', context);
    totals.opened(index, src.size);
    try {
      await streamSafetensors(backend, loader, src,
        (status, loaded) => onProgress?.(totals.info(index, status, src.name, loaded, src.size)), signal);
      await src.complete?.();
    } catch (e) {
      throw await corruptionOr(src, e);
    } finally {
      await src.close();
    }
  }
  // An abort that arrived while the last bytes went in still cancels the load.
  signal?.throwIfAborted();
}

/**
 * A file the loader rejected may have been damaged on the way: a verified
 * download is read to its end to check its hash, and a mismatch (an
 * IntegrityError) is reported instead of what the damage looked like to the loader.
 */
async function corruptionOr(src: ByteSource, error: unknown): Promise<unknown> {
  if (src.verify === undefined || isAbort(error) || error instanceof IntegrityError) return error;
  try {
    await src.verify();
  } catch (e) {
    if (e instanceof IntegrityError) return e;
  }
  return error;
}
