/**
 * One safetensors file streamed into the wasm loader: the header first
 * (the loader checks it against the file's size and answers with the byte
 * ranges it needs), then each range in file order, through the loader's
 * window, which converts whole rows to the target dtype as they arrive.
 */
import type { Backend } from '../backend.js';
import { FormatError } from '../errors.js';
import { heapU8 } from '../heap.js';
import type { ByteSource } from '../io/byte-source.js';
import type { LoaderHandle, QkvWasmModule, TensorRead } from '../wasm-module.js';

const MAX_HEADER_BYTES = 100_000_000; // the safetensors format's own limit
const CHUNK_BYTES = 4 << 20;

/** Reports bytes of the file consumed so far ('done' once, at the end). */
export type FileProgress = (status: 'progress' | 'done', loaded: number) => void;

export async function streamSafetensors(backend: Backend, loader: LoaderHandle, src: ByteSource,
  progress: FileProgress, signal?: AbortSignal): Promise<void> {
  if (src.size < 8) throw new FormatError(`${src.name}: ${src.size} bytes is too short for a safetensors file`);
  const prefix = new Uint8Array(8);
  await src.read(0, prefix);
  const headerLength = Number(new DataView(prefix.buffer).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || headerLength > src.size - 8) {
    throw new FormatError(`${src.name}: header length ${headerLength} does not fit the ${src.size}-byte file (not safetensors, or truncated?)`);
  }
  const header = new Uint8Array(headerLength);
  await src.read(8, header);
  progress('progress', 8 + headerLength);
  const reads = backend.call((m) => withHeapCopy(m, header, (ptr) => loader.addFile(src.name, ptr, headerLength, src.size)));
  await streamReads(backend, loader, src, reads, progress, signal);
  progress('done', src.size);
}

/**
 * Delivers the byte ranges the loader asked for (in file order, as it lists
 * them) through its windows: safetensors and GGUF alike.
 */
export async function streamReads(backend: Backend, loader: LoaderHandle, src: ByteSource, reads: readonly TensorRead[],
  progress: FileProgress, signal?: AbortSignal): Promise<void> {
  const chunk = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, ...reads.map((r) => r.end - r.begin))));
  for (const read of reads) {
    for (let at = read.begin; at < read.end;) {
      signal?.throwIfAborted();
      // The loader's window takes whole rows at a time; the first call allocates it.
      const capacity = backend.call(() => loader.window(read.id)[1]);
      const view = chunk.subarray(0, Math.min(chunk.length, capacity, read.end - at));
      await src.read(at, view);
      // The heap may have grown (and moved) during the await: look the window up now.
      backend.call((m) => {
        heapU8(m).set(view, loader.window(read.id)[0]);
        loader.advance(read.id, view.length);
      });
      at += view.length;
      progress('progress', at);
    }
    backend.call(() => loader.finishRead(read.id));
  }
}

/** Copies bytes into a temporary wasm allocation for the duration of fn. */
function withHeapCopy<T>(m: QkvWasmModule, bytes: Uint8Array, fn: (ptr: number) => T): T {
  const ptr = m._malloc(Math.max(1, bytes.length));
  if (ptr === 0) throw new FormatError(`could not allocate ${bytes.length} bytes for a safetensors header`);
  try {
    heapU8(m).set(bytes, ptr);
    return fn(ptr);
  } finally {
    m._free(ptr);
  }
}
