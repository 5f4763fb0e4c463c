/**
 * loadModel() for one GGUF file (a path in Node.js, a URL, a Blob/File or
 * bytes): the header is read as a growing prefix and checked in wasm
 * (weights/gguf-header.ts), the model's config.json and Hub tensor names are
 * derived from its metadata (weights/gguf-model.ts), then the tensors' byte
 * ranges stream into the loader in file order as a safetensors file's do —
 * ggml blocks become the target dtype a window of rows at a time, so peak
 * memory is the model in that dtype, never an f32 copy of it.
 */
import { getBackend } from './backend.js';
import type { Dtype, WeightRequest } from './dtype.js';
import { isDtype } from './dtype.js';
import { FormatError } from './errors.js';
import { LoadTotals, type ProgressInfo } from './load-progress.js';
import { Model, type SessionOptions } from './model.js';
import { openInput, type FileInput, type ReadContext, type SourceFile } from './sources/file-input.js';
import { tokenizerFromGguf } from './tokenizers/from-gguf.js';
import { idOnlyTokenizer } from './tokenizers/id-only.js';
import { readGgufHeader } from './weights/gguf-header.js';
import { planGgufModel } from './weights/gguf-model.js';
import { streamReads } from './weights/safetensors.js';
import type { GgufLoaderEntry } from './wasm-module.js';

/** Whether loadModel's source is a single GGUF file rather than a Hub layout. */
export function isGgufInput(source: unknown): source is FileInput {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return true;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return true;
  const text = typeof source === 'string' ? source : source instanceof URL ? source.href : undefined;
  if (text === undefined) return false;
  return /\.gguf$/i.test(text.replace(/[?#].*$/, ''));
}

export async function loadGguf(input: SourceFile, requested: WeightRequest, session: SessionOptions,
  onProgress: ((info: ProgressInfo) => void) | undefined, context: ReadContext): Promise<Model> {
  const { signal } = context;
  const backend = await getBackend();
  // The header's prefix may run past the first tensors, and sources read forward only (a URL is one
  // response): the tensors come from a second opening (for a URL, a second request).
  const first = await openInput(input, 'model.gguf', context);
  let header;
  try {
    header = await readGgufHeader(backend, first, signal !== undefined ? { signal } : {});
  } finally {
    await first.close();
  }
  const plan = planGgufModel(header, first.name);
  const src = await openInput(input, 'model.gguf', context);
  try {
    const totals = LoadTotals.unknown(1);
    totals.opened(0, src.size);
    const byName = new Map(header.tensors.map((t) => [t.name, t]));
    // In file order: every ByteSource reads forward only.
    const entries: GgufLoaderEntry[] = plan.tensors.map((p) => {
      const t = byName.get(p.gguf);
      if (t === undefined) throw new FormatError(`${src.name}: no tensor ${p.gguf}`);
      return { name: p.hub, fileName: p.gguf, type: t.type, dims: t.dims, begin: t.offset, end: t.offset + t.nbytes, ropeHeads: p.ropeHeads };
    }).sort((a, b) => a.begin - b.begin);
    const configText = JSON.stringify(plan.config);
    const loader = backend.call((m) => m.ModelLoader.create(configText, requested));
    try {
      const reads = backend.call(() => loader.addTensors(src.name, entries));
      await streamReads(backend, loader, src, reads,
        (status, loaded) => onProgress?.(totals.info(0, status, src.name, loaded, src.size)), signal);
      onProgress?.(totals.info(0, 'done', src.name, src.size, src.size));
      await src.complete?.();
      signal?.throwIfAborted();
      const handle = backend.call(() => loader.finish());
      const dtype = heldDtype(loader.dtype());
      const info = handle.info();
      // The tokenizer and chat template from the file's tokenizer.ggml.* keys; a file without them
      // (weights only) loads for id-level use, as a Hub folder without tokenizer files does.
      const fromFile = header.metadata.has('tokenizer.ggml.model') ? tokenizerFromGguf(header) : undefined;
      const tokenizer = fromFile?.tokenizer ?? idOnlyTokenizer(info.nVocab, src.name);
      const eos = fromFile?.specialIds.eog ?? [];
      return new Model(backend, handle, tokenizer,
        { ...info, dtype, weightDtypes: loader.matrixDtypes(), format: 'gguf', ggmlTypes: plan.types, generation: {} }, eos, session);
    } finally {
      loader.delete();
    }
  } finally {
    await src.close();
  }
}

function heldDtype(name: string): Dtype {
  if (!isDtype(name)) throw new FormatError(`the loader holds its weights as ${JSON.stringify(name)}, not a qkv dtype`);
  return name;
}
