/**
 * loadModel(): Hub files (config.json, safetensors, possibly sharded with
 * model.safetensors.index.json, tokenizer.json) from a folder path (Node.js),
 * a base URL, or explicit URLs / Blobs / bytes, streamed into wasm memory
 * tensor by tensor. The wasm side validates every header against the file's
 * size and converts each tensor as it arrives, so peak memory stays near the
 * model's size in its target dtype.
 */
import { getBackend, type Backend } from './backend.js';
import { FormatError, InvalidArgumentError, NetworkError } from './errors.js';
import { heapU8 } from './heap.js';
import {
  blobSource, bufferSource, fileSize, fileSource, isAbort, isMissingFile, urlSize, urlSource, type ByteSource,
} from './io/byte-source.js';
import { CachedFiles } from './io/url-cache.js';
import { shardFileNames } from './io/shard-index.js';
import { Model } from './model.js';
import { createTokenizer } from './tokenizers/index.js';
import type { LoaderHandle, QkvWasmModule } from './wasm-module.js';

export type FileInput = string | URL | Blob | ArrayBuffer | Uint8Array;

/** A model's files given one by one (URLs, Blobs or bytes). */
export interface ModelFiles {
  config: FileInput;
  /** One safetensors file, or the shards in any order. */
  weights: FileInput | readonly FileInput[];
  tokenizer: FileInput;
  /** tokenizer_config.json (optional): the chat template and special-token strings. */
  tokenizerConfig?: FileInput;
  /** generation_config.json (optional): its eos_token_id replaces config.json's as the default stop ids. */
  generationConfig?: FileInput;
}

/**
 * One loading step of one weight file (safetensors file or shard), with the
 * totals over all weight files. Only weight files are counted: config.json,
 * tokenizer.json and model.safetensors.index.json are read before the first
 * event and are not part of any number here. Files load one after another,
 * in `fileIndex` order; each ends with one 'done' event, and the last file's
 * 'done' has `totalLoaded === totalBytes` and `totalKnown` true.
 */
export interface ProgressInfo {
  /** 'done' once per file, when all of it has been consumed. */
  status: 'progress' | 'done';
  /** This file's name. */
  file: string;
  /** Bytes of this file consumed so far. */
  loaded: number;
  /** This file's size in bytes. */
  total: number;
  /** This file's position among the weight files, from 0 (shards in the index's sorted order). */
  fileIndex: number;
  /** How many weight files the model has (1, or its number of shards). */
  fileCount: number;
  /** Bytes of all weight files consumed so far: the earlier files in full plus `loaded`. Never decreases. */
  totalLoaded: number;
  /**
   * Bytes of all weight files, learned before the first file streams (file
   * sizes, Blob sizes, byte lengths; for URLs, the first file's response and
   * a HEAD request for each later one, answered by the browser cache when it
   * holds the file). When a URL's size cannot be learned up front (the server
   * rejects HEAD or sends no Content-Length, or a compressed one),
   * `totalKnown` is false and this is the sum of the sizes known so far: a
   * lower bound that grows as those files open. A file that has opened
   * always counts with its real size (so a server whose HEAD disagrees with
   * its GET is corrected then).
   */
  totalBytes: number;
  /** Whether `totalBytes` is the final total; false only while a file not yet opened has an unknown size. */
  totalKnown: boolean;
}

export interface LoadModelOptions {
  /** Weight type in memory (default 'f32'): 'f16' halves it, 'q8' quarters it. */
  dtype?: 'f32' | 'f16' | 'q8';
  onProgress?: (info: ProgressInfo) => void;
  signal?: AbortSignal;
}

const DTYPES = new Set(['f32', 'f16', 'q8']);
const MAX_HEADER_BYTES = 100_000_000; // the safetensors format's own limit
const CHUNK_BYTES = 4 << 20;
// Size requests in flight at once: below a browser's 6 connections per host.
const HEAD_CONCURRENCY = 4;

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** Loads a model; see the module comment for what `source` may be. */
export async function loadModel(source: string | URL | ModelFiles, options: LoadModelOptions = {}): Promise<Model> {
  const dtype = options.dtype ?? 'f32';
  if (!DTYPES.has(dtype)) throw new InvalidArgumentError(`dtype must be 'f32', 'f16' or 'q8', got ${JSON.stringify(dtype)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new InvalidArgumentError('onProgress must be a function');
  }
  options.signal?.throwIfAborted();
  const cached = new CachedFiles();
  try {
    return await loadFrom(source, dtype, options, cached);
  } catch (e) {
    // A file that failed to load must not be served from the cache again.
    if (!isAbort(e)) await cached.evict();
    throw e;
  }
}

async function loadFrom(source: string | URL | ModelFiles, dtype: NonNullable<LoadModelOptions['dtype']>,
  options: LoadModelOptions, cached: CachedFiles): Promise<Model> {
  const files = await resolveFiles(source, cached, options.signal);
  try {
    return await loadResolved(files, dtype, options, cached);
  } finally {
    await files.first?.close(); // once streamed it is closed already; closing twice is safe
  }
}

async function loadResolved(files: ResolvedFiles, dtype: NonNullable<LoadModelOptions['dtype']>,
  options: LoadModelOptions, cached: CachedFiles): Promise<Model> {
  const { signal, onProgress } = options;
  const configText = await readText(files.config, 'config.json', cached, signal);
  const tokenizerText = await readText(files.tokenizer, 'tokenizer.json', cached, signal);
  let config: Record<string, unknown>;
  let tokenizerJson: unknown;
  try {
    config = JSON.parse(configText) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(`config.json is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  try {
    tokenizerJson = JSON.parse(tokenizerText);
  } catch (e) {
    throw new FormatError(`tokenizer.json is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  // Optional files: read after the required ones, so a missing config.json is reported first.
  const tokenizerConfig = await readOptionalJson(files.tokenizerConfig, 'tokenizer_config.json', cached, signal);
  const generationConfig = await readOptionalJson(files.generationConfig, 'generation_config.json', cached, signal);
  const tokenizer = createTokenizer(tokenizerJson, tokenizerConfig);
  // Sizes only matter to a listener; without one, no HEAD requests.
  const sizes = onProgress ? await weightSizes(files.weights, cached, signal) : files.weights.map(() => undefined);
  const totals = new LoadTotals(sizes);
  const backend = await getBackend();
  const loader = backend.call((m) => m.ModelLoader.create(configText, dtype));
  try {
    for (const [index, weights] of files.weights.entries()) {
      signal?.throwIfAborted();
      const src = index === 0 && files.first ? files.first : await openSource(weights, 'model.safetensors', cached, signal);
      totals.opened(index, src.size);
      const progress: Progress = (status, loaded) =>
        onProgress?.(totals.info(index, status, src.name, loaded, src.size));
      try {
        await streamFile(backend, loader, src, progress, signal);
      } finally {
        await src.close();
      }
    }
    // An abort that arrived while the last bytes went in still cancels the load.
    signal?.throwIfAborted();
    const handle = backend.call(() => loader.finish());
    const info = handle.info();
    if (info.nVocab < tokenizer.vocabSize) {
      handle.delete();
      throw new FormatError(`tokenizer.json has ${tokenizer.vocabSize} tokens but the model only ${info.nVocab}`);
    }
    return new Model(backend, handle, tokenizer, { ...info, dtype }, eosIds(config, generationConfig));
  } finally {
    loader.delete();
  }
}

/**
 * The default stop ids. generation_config.json's eos_token_id, when it has
 * one, replaces config.json's, as in transformers and transformers.js (whose
 * generation config starts from the model config and is then overwritten by
 * generation_config.json): Qwen2.5-Instruct's lists both <|im_end|> and
 * <|endoftext|>, Llama 3.x-Instruct's <|eot_id|> as well as <|end_of_text|>.
 */
function eosIds(config: Record<string, unknown>, generationConfig: unknown): number[] {
  const fromGeneration = typeof generationConfig === 'object' && generationConfig !== null
    ? (generationConfig as Record<string, unknown>).eos_token_id : undefined;
  const eos = fromGeneration ?? config.eos_token_id;
  const list = Array.isArray(eos) ? eos : [eos];
  return list.filter((id): id is number => Number.isInteger(id));
}

type Progress = (status: ProgressInfo['status'], loaded: number) => void;

/**
 * ProgressInfo's numbers over all weight files. Each file's size is the one
 * learned up front until the file opens, then its real size.
 */
class LoadTotals {
  private readonly sizes: (number | undefined)[];

  constructor(sizes: readonly (number | undefined)[]) {
    this.sizes = [...sizes];
  }

  opened(index: number, size: number): void {
    this.sizes[index] = size;
  }

  info(index: number, status: ProgressInfo['status'], file: string, loaded: number, total: number): ProgressInfo {
    // Every earlier file has opened (and finished), so its size is known.
    const earlier = this.sizes.slice(0, index).reduce<number>((sum, size) => sum + size!, 0);
    const known = this.sizes.filter((size): size is number => size !== undefined);
    return {
      status, file, loaded, total,
      fileIndex: index,
      fileCount: this.sizes.length,
      totalLoaded: earlier + loaded,
      totalBytes: known.reduce((sum, size) => sum + size, 0),
      totalKnown: known.length === this.sizes.length,
    };
  }
}

/**
 * The weight files' sizes before any is opened (undefined where unknown).
 * The first file is left out: it opens next, and its own response gives its
 * size, so a one-file model costs no extra request.
 */
async function weightSizes(weights: readonly FileInput[], cached: CachedFiles,
  signal?: AbortSignal): Promise<(number | undefined)[]> {
  return mapLimited(weights, HEAD_CONCURRENCY, (input, index) => (index === 0 ? undefined : sizeOf(input, cached, signal)));
}

async function sizeOf(input: FileInput, cached: CachedFiles, signal?: AbortSignal): Promise<number | undefined> {
  if (input instanceof Blob) return input.size;
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) return input.byteLength;
  const text = String(input);
  if (isUrl(text) && !text.startsWith('file:')) return urlSize(text, signal, cached);
  return fileSize(localPath(text));
}

/** fn over items, at most `limit` at a time (HEAD requests: a hundred shards must not mean a hundred connections). */
async function mapLimited<T, R>(items: readonly T[], limit: number,
  fn: (item: T, index: number) => R | Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Header first, then every requested tensor's bytes, in file order, into the loader's buffers. */
async function streamFile(backend: Backend, loader: LoaderHandle, src: ByteSource, progress: Progress,
  signal?: AbortSignal): Promise<void> {
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
  progress('done', src.size);
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

interface ResolvedFiles {
  config: FileInput;
  tokenizer: FileInput;
  /** Optional files: a FileInput must exist; an `{ optional }` location may be missing. */
  tokenizerConfig?: FileInput | OptionalFile;
  generationConfig?: FileInput | OptionalFile;
  weights: FileInput[];
  /** weights[0], already opened (for a folder or base URL, finding the files opens it). */
  first?: ByteSource;
}

async function resolveFiles(source: string | URL | ModelFiles, cached: CachedFiles,
  signal?: AbortSignal): Promise<ResolvedFiles> {
  if (typeof source === 'object' && !(source instanceof URL)) {
    if (source === null || source.config === undefined || source.weights === undefined || source.tokenizer === undefined) {
      throw new InvalidArgumentError('loadModel: give a folder path, a base URL, or { config, weights, tokenizer }');
    }
    const weights = Array.isArray(source.weights) ? [...source.weights] : [source.weights as FileInput];
    if (weights.length === 0) throw new InvalidArgumentError('loadModel: weights is an empty list');
    return {
      config: source.config, tokenizer: source.tokenizer, weights,
      ...(source.tokenizerConfig !== undefined ? { tokenizerConfig: source.tokenizerConfig } : {}),
      ...(source.generationConfig !== undefined ? { generationConfig: source.generationConfig } : {}),
    };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new InvalidArgumentError(`loadModel: source must be a path, a URL or { config, weights, tokenizer }, got ${typeof source}`);
  }
  const base = String(source).replace(/\/+$/, '');
  const join = (name: string): string => `${base}/${name}`;
  // A folder or base URL is asked for the optional files too (as transformers.js does); a missing
  // one is fine. Explicit { config, weights, tokenizer } files are never probed: only what is given is read.
  return {
    config: join('config.json'), tokenizer: join('tokenizer.json'),
    tokenizerConfig: { optional: join('tokenizer_config.json') },
    generationConfig: { optional: join('generation_config.json') },
    ...(await openWeightFiles(join, cached, signal)),
  };
}

/**
 * The weight files of a folder or base URL, with the first one opened:
 * model.safetensors if it is there (most small models), else the shards its
 * index lists. Opening the single file first costs no extra request, and a
 * single-file model is never probed for an index (a 404 a browser logs).
 */
async function openWeightFiles(join: (name: string) => string, cached: CachedFiles,
  signal?: AbortSignal): Promise<{ weights: string[]; first?: ByteSource }> {
  const single = join('model.safetensors');
  try {
    return { weights: [single], first: await openSource(single, 'model.safetensors', cached, signal) };
  } catch (e) {
    if (!isMissingFile(e)) throw e;
    const index = await readOptionalText(join('model.safetensors.index.json'), cached, signal);
    // Neither: reading config.json, then model.safetensors, names what is missing.
    if (index === undefined) return { weights: [single] };
    const weights = shardFileNames(index).map(join);
    return { weights, first: await openSource(weights[0]!, 'model.safetensors', cached, signal) };
  }
}

function isUrl(s: string): boolean {
  return /^(https?|blob|data|file):/i.test(s) || !isNode;
}

async function openSource(input: FileInput, name: string, cached: CachedFiles,
  signal?: AbortSignal): Promise<ByteSource> {
  if (input instanceof Blob) return blobSource((input as { name?: string }).name ?? name, input);
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) return bufferSource(name, input);
  const text = String(input);
  if (isUrl(text) && !text.startsWith('file:')) return urlSource(text, signal, undefined, cached);
  return fileSource(localPath(text));
}

/** A path, or a file: URL's path. */
function localPath(text: string): string {
  return text.startsWith('file:') ? decodeURIComponent(new URL(text).pathname) : text;
}

async function readText(input: FileInput, name: string, cached: CachedFiles, signal?: AbortSignal): Promise<string> {
  const src = await openSource(input, name, cached, signal);
  try {
    const bytes = new Uint8Array(src.size);
    await src.read(0, bytes);
    return new TextDecoder().decode(bytes);
  } finally {
    await src.close();
  }
}

/** The location of a file that may not exist. */
interface OptionalFile {
  optional: string;
}

function isOptionalFile(input: FileInput | OptionalFile): input is OptionalFile {
  return typeof input === 'object' && input !== null && !(input instanceof URL) && !(input instanceof Blob)
    && !(input instanceof ArrayBuffer) && !(input instanceof Uint8Array) && 'optional' in input;
}

/** The parsed JSON of an optional file (undefined when not given, or missing); malformed JSON is a FormatError naming it. */
async function readOptionalJson(input: FileInput | OptionalFile | undefined, name: string, cached: CachedFiles,
  signal?: AbortSignal): Promise<unknown> {
  if (input === undefined) return undefined;
  const text = isOptionalFile(input)
    ? await readOptionalText(input.optional, cached, signal)
    : await readText(input, name, cached, signal);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${name} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** The file's text, or undefined when it does not exist (404 / ENOENT). */
async function readOptionalText(location: string, cached: CachedFiles,
  signal?: AbortSignal): Promise<string | undefined> {
  if (isUrl(location) && !location.startsWith('file:')) {
    let response: Response;
    try {
      response = await cached.fetch(location, signal);
    } catch (e) {
      if ((e as { name?: string })?.name === 'AbortError') throw e;
      throw new NetworkError(`could not fetch ${location}: ${(e as Error).message}`, { cause: e });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new NetworkError(`could not fetch ${location}: HTTP ${response.status}`);
    try {
      return await response.text();
    } catch (e) {
      if ((e as { name?: string })?.name === 'AbortError') throw e;
      throw new NetworkError(`download of ${location} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  const fs = await import(/* @vite-ignore */ 'node:fs/promises');
  try {
    return await fs.readFile(location, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new InvalidArgumentError(`cannot read ${location}: ${(e as Error).message}`, { cause: e });
  }
}
