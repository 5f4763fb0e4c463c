/**
 * loadModel() for a GGUF model: one file (a path in Node.js, a URL, a
 * Blob/File or bytes) or the parts of a split one (name-0000i-of-0000N.gguf,
 * llama.cpp's gguf-split format): each header is read as a growing prefix and checked in wasm
 * (weights/gguf-header.ts), the model's config.json and Hub tensor names are
 * derived from its metadata (weights/gguf-model.ts), then the tensors' byte
 * ranges stream into the loader in file order as a safetensors file's do —
 * ggml blocks become the target dtype a window of rows at a time, so peak
 * memory is the model in that dtype, never an f32 copy of it.
 */
import { getBackend, type Backend } from './backend.js';
import { hasCapability } from './capabilities.js';
import type { Dtype, WeightRequest } from './dtype.js';
import { isDtype } from './dtype.js';
import { FormatError } from './errors.js';
import { LoadTotals, type ProgressInfo } from './load-progress.js';
import { Model, type SessionOptions } from './model.js';
import { isOpenable, openInput, type FileInput, type ReadContext, type SourceFile } from './sources/file-input.js';
import { checkGgufSplit, ggufSplitSiblings } from './sources/gguf-files.js';
import { tokenizerFromGguf } from './tokenizers/from-gguf.js';
import { readGgufHeader, type GgufHeader } from './weights/gguf-header.js';
import { ggufEmbeddingDefaults, planGgufModel } from './weights/gguf-model.js';
import { streamReads } from './weights/safetensors.js';
import type { GgufLoaderEntry } from './wasm-module.js';

/** A GGUF model as loadModel takes it: one file, or the parts of a split one, in order. */
export type GgufInput = FileInput | readonly FileInput[];

const isOneGguf = (source: unknown, anyName: boolean): boolean => {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return true;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return true;
  const text = typeof source === 'string' ? source : source instanceof URL ? source.href : undefined;
  if (text === undefined) return false;
  return anyName || /\.gguf$/i.test(text.replace(/[?#].*$/, ''));
};

/**
 * Whether loadModel's source is a GGUF model rather than a Hub layout: one
 * file (a path or URL ending in .gguf, a Blob/File, bytes) or a non-empty
 * array of them (a split model's parts, in order; any names).
 */
export function isGgufInput(source: unknown): source is GgufInput {
  if (Array.isArray(source)) return source.length > 0 && source.every((s) => isOneGguf(s, true));
  return isOneGguf(source, false);
}

/** A file's name for messages: a path, a URL, a File's name; bytes and nameless Blobs by their place. */
function nameOf(input: SourceFile, index: number, count: number): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  if (isOpenable(input)) return input.name;
  const own = typeof Blob !== 'undefined' && input instanceof Blob ? (input as { name?: string }).name : undefined;
  return own ?? (count === 1 ? 'model.gguf' : `part ${index + 1} of ${count}`);
}

/**
 * The files of a GGUF model, in order: the parts given, or for one path or
 * URL naming a split model's first part (name-00001-of-0000N.gguf) it and
 * its siblings by name, as llama.cpp finds them.
 */
export function ggufParts(input: SourceFile | readonly SourceFile[]): SourceFile[] {
  if (Array.isArray(input)) return [...input as readonly SourceFile[]];
  const one = input as SourceFile;
  const location = typeof one === 'string' ? one : one instanceof URL ? one.href : undefined;
  return (location !== undefined ? ggufSplitSiblings(location) : undefined) ?? [one];
}

interface OpenedPart {
  input: SourceFile;
  name: string;
  tensors: GgufHeader['tensors'];
}

/**
 * Reads and checks every part's header (see ggufParts), plans the model from
 * the first part's metadata and builds its tokenizer and chat template from
 * the tokenizer.ggml.* keys (none for a weights-only file, which loads for
 * id-level use, as a Hub folder without tokenizer files does). Only the
 * tensor lists outlive this call: the metadata (for Qwen3, arrays of 151,936
 * token and 151,387 merge strings) is garbage before the weights stream, not
 * live beside them (Node, Qwen3-0.6B Q4_K_M: bench/RESULTS.md, issue 17).
 */
async function readHeaders(backend: Backend, inputs: SourceFile[], context: ReadContext) {
  const { signal } = context;
  // The header's prefix may run past the first tensors, and sources read forward only (a URL is one
  // response): the tensors come from a second opening (for a URL, a second request).
  const headers: GgufHeader[] = [];
  const names: string[] = [];
  for (const [i, part] of inputs.entries()) {
    signal?.throwIfAborted();
    const name = nameOf(part, i, inputs.length);
    const src = await openInput(part, name, context);
    try {
      headers.push(await readGgufHeader(backend, src, signal !== undefined ? { signal } : {}));
      names.push(name);
    } finally {
      await src.close();
    }
  }
  checkGgufSplit(headers.map((h, i) => ({ name: names[i]!, metadata: h.metadata, tensors: h.tensors })));
  const first = headers[0]!;
  const plan = planGgufModel({ ...first, tensors: headers.flatMap((h) => h.tensors) }, names[0]!);
  const fromFile = first.metadata.has('tokenizer.ggml.model') ? tokenizerFromGguf(first) : undefined;
  const parts: OpenedPart[] = headers.map((h, i) => ({ input: inputs[i]!, name: names[i]!, tensors: h.tensors }));
  return { plan, fromFile, parts };
}

/**
 * Loads a GGUF model from its file, or from every part of a split one (see
 * ggufParts). Every part's header is read and the parts checked against each
 * other (sources/gguf-files.ts checkGgufSplit) before any weight is read;
 * the first part's metadata describes the model. Then each part's tensors
 * stream in, part after part, so peak memory stays the model's size in its
 * dtype, as for one file.
 */
export async function loadGguf(input: SourceFile | readonly SourceFile[], requested: WeightRequest, session: SessionOptions,
  onProgress: ((info: ProgressInfo) => void) | undefined, context: ReadContext): Promise<Model> {
  const { signal } = context;
  const backend = await getBackend();
  const { plan, fromFile, parts } = await readHeaders(backend, ggufParts(input), context);
  const wanted = new Map(plan.tensors.map((p) => [p.gguf, p]));
  const totals = LoadTotals.unknown(parts.length);
  const configText = JSON.stringify(plan.config);
  const loader = backend.call((m) => m.ModelLoader.create(configText, requested));
  try {
    for (const [index, part] of parts.entries()) {
      signal?.throwIfAborted();
      const src = await openInput(part.input, part.name, context);
      try {
        totals.opened(index, src.size);
        // In file order: every ByteSource reads forward only.
        const entries: GgufLoaderEntry[] = part.tensors.flatMap((t) => {
          const p = wanted.get(t.name);
          return p === undefined ? [] : [{
            name: p.hub, fileName: p.gguf, type: t.type, dims: t.dims, begin: t.offset, end: t.offset + t.nbytes, ropeHeads: p.ropeHeads,
          }];
        }).sort((a, b) => a.begin - b.begin);
        const reads = backend.call(() => loader.addTensors(src.name, entries));
        await streamReads(backend, loader, src, reads,
          (status, loaded) => onProgress?.(totals.info(index, status, src.name, loaded, src.size)), signal);
        onProgress?.(totals.info(index, 'done', src.name, src.size, src.size));
        await src.complete?.();
      } finally {
        await src.close();
      }
    }
    signal?.throwIfAborted();
    const handle = backend.call(() => loader.finish());
    const dtype = heldDtype(loader.dtype());
    const info = handle.info();
    const tokenizer = fromFile?.tokenizer ?? null;
    const eos = fromFile?.specialIds.eog ?? [];
    return new Model(backend, handle, tokenizer,
      { ...info, dtype, weightDtypes: loader.matrixDtypes(), format: 'gguf', ggmlTypes: plan.types, generation: {},
        ...(hasCapability(info, 'encode') ? { embedding: ggufEmbeddingDefaults(plan) } : {}) }, eos, session);
  } finally {
    loader.delete();
  }
}

function heldDtype(name: string): Dtype {
  if (!isDtype(name)) throw new FormatError(`the loader holds its weights as ${JSON.stringify(name)}, not a qkv dtype`);
  return name;
}
