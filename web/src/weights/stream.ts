/**
 * A model's weight files streamed into the wasm loader one after another,
 * with progress totals over all of them. Each format streams a file in its
 * own module (safetensors.ts; GGUF would be another).
 */
import type { Backend } from '../backend.js';
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
    } finally {
      await src.close();
    }
  }
  // An abort that arrived while the last bytes went in still cancels the load.
  signal?.throwIfAborted();
}
