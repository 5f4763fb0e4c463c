/**
 * loadModel(): a model in the Hub layout (config.json, safetensors weights,
 * possibly sharded, tokenizer.json) from any source in sources/ — a Hub id,
 * a folder path (Node.js), a base URL, or explicit URLs / Blobs / bytes — streamed
 * into wasm memory tensor by tensor (weights/). The wasm side validates
 * every header against the file's size and converts each tensor as it
 * arrives, so peak memory stays near the model's size in its target dtype.
 */
import { getBackend } from './backend.js';
import { hasCapability } from './capabilities.js';
import { warnIgnoredOptions, type IgnoredTransformersOptions } from './compat.js';
import { isDtype, isKvDtype, parseDtype, parseRoleDtype, type DtypeAlias, type Dtype, type KvDtype, type WeightRequest } from './dtype.js';
import { FormatError, InvalidArgumentError } from './errors.js';
import { hasHubIdForm } from './hub/id.js';
import { openRepository } from './hub/repository.js';
import { ggufRepositoryFiles, type GgufChoice } from './sources/gguf-files.js';
import { defaultStopIds, readGenerationDefaults } from './generation.js';
import { CachedFiles } from './io/url-cache.js';
import { isGgufInput, loadGguf } from './load-gguf.js';
import { LoadTotals, type ProgressInfo } from './load-progress.js';
import { Model, type SessionOptions } from './model.js';
import { readClassificationInfo, type ClassificationInfo } from './classification.js';
import type { ModelHandle, ModelHandleInfo } from './wasm-module.js';
import { isAbort } from './platform.js';
import { readEmbeddingDefaults } from './sentence-transformers.js';
import { readSeq2SeqDefaults } from './seq2seq.js';
import { readText2TextInfo } from './text2text-pipeline.js';
import { parseJson, readOptionalJson, readText, type FileInput, type ReadContext } from './sources/file-input.js';
import { resolveSource, type ModelSource, type ResolvedModel } from './sources/index.js';
import { readTokenizer } from './sources/read-tokenizer.js';
import { streamWeights } from './weights/stream.js';

export type { ProgressInfo } from './load-progress.js';
export type { FileInput, ModelFiles, ModelSource } from './sources/index.js';

/** Everything loadModel takes: a Hub-layout source, or a GGUF model as one file or its parts in order. */
export type LoadSource = ModelSource | Blob | ArrayBuffer | Uint8Array | readonly FileInput[];

export interface LoadModelOptions extends IgnoredTransformersOptions {
  /**
   * Weight type in memory. The default, 'auto', keeps the checkpoint's: f32 weights stay f32, f16 and bf16
   * weights are held as f16 (half of f32). 'f32' doubles an f16 checkpoint for a little accuracy, 'f16' halves
   * an f32 one, 'q8' quarters it (8-bit blocks), 'q4' takes about a fifth (4-bit blocks; the token embedding
   * and the LM head stay q8, see embeddingDtype). transformers.js's 'fp32' and 'fp16' name the same.
   * model.info.dtype says which one a model's matrices got, model.info.weightDtypes each matrix's.
   * A GGUF file's default keeps each tensor's ggml type as close as qkv can: Q4_0, Q4_1 and Q4_K as q4
   * (exactly), the other quantized types as q8, F32 as f32, F16/BF16 as f16.
   */
  dtype?: Dtype | DtypeAlias | 'auto';
  /**
   * The token embedding's weight type, apart from `dtype`'s rule (which keeps it q8 under 'q4', or q4 when a
   * GGUF file holds it in Q4_0/Q4_1/Q4_K, and as `dtype` otherwise). Where the embedding is also the LM head
   * (tied: GPT-2, most small LLaMAs), it is one matrix: give this or lmHeadDtype, or both the same.
   */
  embeddingDtype?: Dtype | DtypeAlias;
  /** The LM head's weight type (tied or not), apart from `dtype`'s rule; as embeddingDtype. */
  lmHeadDtype?: Dtype | DtypeAlias;
  /**
   * Storage of the KV cache (default 'f32'): 'f16' holds twice the positions in the same memory. The cache
   * grows as positions are used, so memory follows the conversation, not the context.
   */
  kvDtype?: KvDtype;
  /**
   * Positions a generation may hold (default: the model's max_position_embeddings). Checked when the model
   * loads: a context whose KV cache would not fit in memory is an OutOfMemoryError that names how many
   * positions fit.
   */
  contextLength?: number;
  /** A Hub id's branch, tag or commit sha (default 'main'). Every file is fetched at the commit it resolves to. */
  revision?: string;
  /** The Hub access token for gated or private models (default env.accessToken, i.e. HF_TOKEN in Node.js). */
  accessToken?: string;
  /**
   * A Hub id's GGUF file by its path in the repository ('Qwen3-0.6B-Q8_0.gguf'), as wllama and llama.cpp's
   * `-hf` users name one. Exclusive with `quant`.
   */
  file?: string;
  /**
   * A Hub id's GGUF file by its quantization ('Q8_0', 'Q4_K_M'; any case): the file whose name carries that
   * tag, as llama.cpp's `-hf repo:quant` picks it (sources/gguf-files.ts).
   */
  quant?: string;
  onProgress?: (info: ProgressInfo) => void;
  signal?: AbortSignal;
}

/**
 * Loads a model; see the module comment for what `source` may be. A GGUF model loads too (load-gguf.ts): one
 * file (a path or URL ending in .gguf, a Blob/File, or bytes), a split model's first part by path or URL (its
 * siblings found by name, as llama.cpp finds them) or all its parts as an array, in order; its matrices stay in
 * their ggml type's nearest qkv dtype by default (q4 for Q4_0/Q4_1/Q4_K, q8 for the other quantized
 * types; Q4_K, Q5_K and Q6_K kept exactly in q4k, q8k and q6k), and model.info.format is 'gguf'.
 */
export async function loadModel(source: LoadSource, options: LoadModelOptions = {}): Promise<Model> {
  const dtype = weightRequest(options);
  warnIgnoredOptions(options, 'loadModel');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new InvalidArgumentError('onProgress must be a function');
  }
  const session = sessionOptions(options);
  options.signal?.throwIfAborted();
  const context: ReadContext = { cached: new CachedFiles(), signal: options.signal, ...hubOptions(options) };
  try {
    if (isGgufInput(source)) return await loadGguf(source, dtype, session, options.onProgress, context);
    if (Array.isArray(source)) {
      throw new InvalidArgumentError('loadModel: an array must hold the parts of a split GGUF model, in order (paths, URLs, Blobs or bytes)');
    }
    const gguf = ggufChoice(options);
    if (gguf !== undefined) return await loadHubGguf(source, gguf, dtype, session, options.onProgress, context);
    if (!(typeof source === 'string' || source instanceof URL || isModelFiles(source))) {
      throw new InvalidArgumentError('loadModel: bytes and Blobs must be a GGUF file');
    }
    const files = await resolveSource(source, context);
    try {
      return await loadResolved(files, dtype, session, options.onProgress, context);
    } finally {
      await files.weights.first?.close(); // once streamed it is closed already; closing twice is safe
    }
  } catch (e) {
    // A file that failed to load must not be served from the cache again.
    if (!isAbort(e)) await context.cached.evict();
    throw e;
  }
}

/** dtype, embeddingDtype and lmHeadDtype, checked. */
function weightRequest(options: LoadModelOptions): WeightRequest {
  const embedding = parseRoleDtype(options.embeddingDtype, 'embeddingDtype');
  const lmHead = parseRoleDtype(options.lmHeadDtype, 'lmHeadDtype');
  return {
    dtype: parseDtype(options.dtype, ''),
    ...(embedding !== undefined ? { embedding } : {}),
    ...(lmHead !== undefined ? { lmHead } : {}),
  };
}

/** { file } or { quant } when either is given (each a non-empty string, not both). */
function ggufChoice(options: LoadModelOptions): GgufChoice | undefined {
  const { file, quant } = options;
  if (file === undefined && quant === undefined) return undefined;
  for (const [key, value] of [['file', file], ['quant', quant]] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new InvalidArgumentError(`${key} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
  return { ...(file !== undefined ? { file } : {}), ...(quant !== undefined ? { quant } : {}) };
}

/** A Hub id's GGUF model, chosen by file or quant from the repository's listing. */
async function loadHubGguf(source: unknown, choice: GgufChoice, dtype: WeightRequest, session: SessionOptions,
  onProgress: LoadModelOptions['onProgress'], context: ReadContext): Promise<Model> {
  if (typeof source !== 'string' || !hasHubIdForm(source)) {
    throw new InvalidArgumentError('file and quant choose a GGUF file of a Hub repository: the source must be a Hub id (\'org/name\')');
  }
  // One file, or every part of a split model in order (each part checked against the others as it loads).
  const files = ggufRepositoryFiles(await openRepository(source, context), choice);
  return loadGguf(files, dtype, session, onProgress, context);
}

function hubOptions(options: LoadModelOptions): Pick<ReadContext, 'revision' | 'accessToken'> {
  const { revision, accessToken } = options;
  if (revision !== undefined && (typeof revision !== 'string' || revision === '' || revision.includes('..'))) {
    throw new InvalidArgumentError(`revision must be a branch, tag or commit sha, got ${JSON.stringify(revision)}`);
  }
  if (accessToken !== undefined && (typeof accessToken !== 'string' || accessToken === '')) {
    throw new InvalidArgumentError('accessToken must be a non-empty string');
  }
  return { revision, accessToken };
}

function sessionOptions(options: LoadModelOptions): SessionOptions {
  const kvDtype = options.kvDtype ?? 'f32';
  if (!isKvDtype(kvDtype)) throw new InvalidArgumentError(`kvDtype must be 'f32' or 'f16', got ${JSON.stringify(kvDtype)}`);
  const contextLength = options.contextLength ?? 0;
  if (options.contextLength !== undefined && !(Number.isSafeInteger(contextLength) && contextLength >= 1)) {
    throw new InvalidArgumentError(`contextLength must be a whole number of positions >= 1, got ${String(options.contextLength)}`);
  }
  return { kvDtype, contextLength };
}

async function loadResolved(files: ResolvedModel, requested: WeightRequest, session: SessionOptions,
  onProgress: LoadModelOptions['onProgress'], context: ReadContext): Promise<Model> {
  const configText = await readText(files.config, 'config.json', context);
  const config = parseJson(configText, 'config.json');
  // Optional files: read after the required ones, so a missing config.json is reported first.
  // Without tokenizer files the model loads for id-level use (model.tokenizer null), as transformers.js's AutoModel.
  const tokenizer = await readTokenizer(files, context, typeof config === 'object' && config !== null ? (config as { model_type?: unknown }).model_type : undefined);
  const generationConfig = await readOptionalJson(files.generationConfig, 'generation_config.json', context);
  // Sizes only matter to a listener; without one, no HEAD requests.
  const totals = onProgress
    ? await LoadTotals.learn(files.weights.files, context)
    : LoadTotals.unknown(files.weights.files.length);
  const backend = await getBackend();
  const loader = backend.call((m) => m.ModelLoader.create(configText, requested));
  try {
    await streamWeights(backend, loader, files.weights, totals, onProgress, context);
    const handle = backend.call(() => loader.finish());
    const dtype = heldDtype(loader.dtype());
    const weightDtypes = loader.matrixDtypes();
    const info = handle.info();
    let embedding;
    try {
      if (tokenizer !== null && info.nVocab < tokenizer.vocabSize) {
        throw new FormatError(`tokenizer.json has ${tokenizer.vocabSize} tokens but the model only ${info.nVocab}`);
      }
      // Only a model that embeds (an encoder, or a decoder checkpoint saved for embeddings) is
      // asked for modules.json, once its weights loaded: a plain decoder from a base URL then
      // makes no request that would 404 (a red line in a browser's console).
      if (hasCapability(info, 'encode')) embedding = await readEmbeddingDefaults(files, context, info.nEmbd);
    } catch (e) {
      handle.delete();
      throw e;
    }
    const generation = hasCapability(info, 'generate') ? { generation: readGenerationDefaults(generationConfig) }
      : hasCapability(info, 'text2text')
        ? { generation: readSeq2SeqDefaults(config, generationConfig), text2text: readText2TextInfo(config) } : {};
    const classification = classificationOf(info, config, handle);
    return new Model(backend, handle, tokenizer,
      { ...info, dtype, weightDtypes, format: 'safetensors', ...(embedding ? { embedding: embedding.defaults } : {}), ...generation,
        ...classification },
      defaultStopIds(config, generationConfig), session, embedding?.dense);
  } finally {
    loader.delete();
  }
}

/** A sequence classifier's labels from config.json ({} for other models); a bad config frees the handle. */
function classificationOf(info: ModelHandleInfo, config: unknown, handle: ModelHandle): { classification?: ClassificationInfo } {
  if (!hasCapability(info, 'classify') && !hasCapability(info, 'classify-tokens')) return {};
  try {
    return { classification: readClassificationInfo(config as Record<string, unknown>, info.nLabels ?? 0) };
  } catch (e) {
    handle.delete();
    throw e;
  }
}

/** The dtype the loader chose, once it has the weights. */
function heldDtype(name: string): Dtype {
  if (!isDtype(name)) throw new FormatError(`the loader holds its weights as ${JSON.stringify(name)}, not a qkv dtype`);
  return name;
}

function isModelFiles(source: unknown): source is Exclude<ModelSource, string | URL> {
  return typeof source === 'object' && source !== null && !(source instanceof Uint8Array) && !(source instanceof ArrayBuffer);
}
