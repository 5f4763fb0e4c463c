/**
 * The Embind surface of the wasm module (wasm-build/bindings.cc, loader_bindings.cc, model_bindings.cc,
 * sha256_bindings.cc),
 * mirrored by hand; tests/js/embind-surface.test.mjs checks it against the live classes. Internal.
 */
import type { Capability } from './capabilities.js';
import type { HeldDtype, WeightRequest } from './dtype.js';

export interface ThreadInfo {
  workersCreated: number;
  workersStarted: number;
  threadLimit: number;
}

/** A read the loader asks for: bytes [begin, end) of the file go to buffer(id). */
export interface TensorRead {
  id: number;
  begin: number;
  end: number;
  name: string;
}

/** Embind objects live in wasm memory until delete() is called. */
interface Handle {
  delete(): void;
}

export interface GgufLoaderEntry {
  /** The Hub name the tensor fills, and its name in the GGUF file (for messages). */
  name: string;
  fileName: string;
  /** ggml type id, dims innermost first, absolute byte range, as the GGUF header gave them. */
  type: number;
  dims: number[];
  begin: number;
  end: number;
  /** Heads whose rows llama.cpp's converter permuted for RoPE (0: none). */
  ropeHeads: number;
}

export interface LoaderHandle extends Handle {
  plannedWeightBytes(): number;
  /** The dtype weight matrices are held in: 'f32' | 'f16' | 'q8', or '' while 'auto' has not met one yet. */
  dtype(): string;
  /** {tensor name: dtype} of each weight matrix delivered so far. */
  matrixDtypes(): Record<string, HeldDtype>;
  addFile(name: string, headerPtr: number, headerLength: number, fileSize: number): TensorRead[];
  /** GGUF tensors under their Hub names (weights/gguf-model.ts); the loader checks them as addFile's. */
  addTensors(name: string, entries: GgufLoaderEntry[]): TensorRead[];
  /** [address, capacity]: where the next bytes of read `id` go in wasm memory, and how many fit. */
  window(id: number): [number, number];
  /** `bytes` more bytes of read `id` are in its window (the loader packs whole rows as they complete). */
  advance(id: number, bytes: number): void;
  finishRead(id: number): void;
  finish(): ModelHandle;
}

export interface ModelHandleInfo {
  /** Hub architecture, e.g. 'GPT2LMHeadModel'. */
  architecture: string;
  nVocab: number;
  /** Positions a session holds. */
  nCtx: number;
  nLayer: number;
  nHead: number;
  /** Key/value heads (fewer than nHead with grouped-query attention). */
  nHeadKv: number;
  /** Width of one attention head (Qwen3's comes from its config, not nEmbd / nHead). */
  headDim: number;
  nEmbd: number;
  /** Bytes of weights held in wasm memory. */
  weightBytes: number;
  /** What the model can be asked to do: ['generate'] for decoders, ['encode'] for encoders (BERT), 'classify' with a head. */
  capabilities: readonly Capability[];
  /** Encoders: token types (segments) the embeddings know; 0 for DistilBERT, which has none. */
  nTokenTypes?: number;
  /** Sequence classifiers: the head's logits per input; token classifiers: per token. */
  nLabels?: number;
}

export interface ModelHandle extends Handle {
  info(): ModelHandleInfo;
  /** A generation session: KV cache in kvDtype ('f32' | 'f16'), holding up to maxPositions (0: the model's context). */
  createSession(kvDtype: string, maxPositions: number): SessionHandle;
  /** Encoder-decoders: a runner (wasm-build/seq2seq_bindings.cc), its self-attention caches in kvDtype. */
  createSeq2SeqSession(kvDtype: string): Seq2SeqSessionHandle;
  /** Encoders: last hidden states [total tokens, nEmbd] of sequences packed back to back. */
  encode(ids: Int32Array, lengths: number[], tokenTypes: Int32Array | null): Float32Array;
  /**
   * Encoders: pooled embeddings through the pooling head, [sequences, nEmbd]
   * ('mean' | 'cls' | 'max'), or every token's state [tokens, nEmbd] ('none'); normalize scales each row to unit length.
   */
  embed(ids: Int32Array, lengths: number[], tokenTypes: Int32Array | null, pooling: string, normalize: boolean): Float32Array;
  /** Sequence classifiers: the head's logits [sequences, nLabels] (arguments as encode). */
  classify(ids: Int32Array, lengths: number[], tokenTypes: Int32Array | null): Float32Array;
  /** Token classifiers: every token's logits [tokens, nLabels] (arguments as encode). */
  classifyTokens(ids: Int32Array, lengths: number[], tokenTypes: Int32Array | null): Float32Array;
  /** Masked LMs: the head's vocabulary logits [positions, nVocab] at token indices of the packed ids. */
  maskedLm(ids: Int32Array, lengths: number[], positions: number[]): Float32Array;
  /** Question answering: every token's start and end logits [tokens, 2] (arguments as encode). */
  answerLogits(ids: Int32Array, lengths: number[], tokenTypes: Int32Array | null): Float32Array;
  /** Encoders: per layer, probabilities [head][query][key] of one sequence. */
  encodeAttention(ids: Int32Array): Float32Array[];
}

export interface SessionHandle extends Handle {
  reset(): void;
  position(): number;
  /** Keeps the first n positions; throws, changing nothing, where a sliding window already dropped keys they need. */
  truncate(n: number): void;
  /** The token ids in the cache. */
  tokens(): Int32Array;
  /** Positions the session may hold. */
  maxPositions(): number;
  seed(seed: number): void;
  append(ids: Int32Array, allLogits: boolean): void;
  logits(): Float32Array;
  allLogits(): Float32Array;
  /** The options every later sample() uses; checked here, once per generation. */
  setSampling(doSample: boolean, temperature: number, topK: number, topP: number, repetitionPenalty: number): void;
  /** The next token, drawn from the last logits with the options of setSampling() (default: greedy). */
  sample(): number;
  attention(ids: Int32Array): Float32Array[];
}

/** The generation options of Seq2SeqSessionHandle.begin, every one given (GenerationConfig's names). */
export interface Seq2SeqGenerateRequest {
  max_length: number;
  /** 0: max_length decides. */
  max_new_tokens: number;
  min_length: number;
  eos_token_ids: number[];
  num_beams: number;
  length_penalty: number;
  early_stopping: 'true' | 'false' | 'never';
  no_repeat_ngram_size: number;
  /** -1: none. */
  forced_bos_token_id: number;
  forced_eos_token_id: number;
  bad_words_ids: number[][];
  num_return_sequences: number;
  renormalize_logits: boolean;
}

/** runtime/Seq2SeqSession: one encoded source, decoded against. */
export interface Seq2SeqSessionHandle extends Handle {
  decoderStartTokenId(): number;
  /** Token ids a source may hold: the encoder's vocabulary (Marian's may differ from the decoder's, nVocab). */
  sourceVocabSize(): number;
  /** -1: any length (T5's relative positions). */
  maxSourcePositions(): number;
  maxTargetPositions(): number;
  encode(ids: Int32Array): void;
  /** Starts a generation over the encoded source, run a step per next(): greedy (num_beams 1) or beam search. */
  begin(options: Seq2SeqGenerateRequest): void;
  /** One step: greedy's token (-1 for a beam-search step); done once the generation has ended. */
  next(): { token: number; done: boolean };
  /** The hypotheses, best first (greedy: its tokens so far). */
  results(): { tokens: Int32Array; score: number }[];
  /** Teacher-forced logits [target, nVocab] against the encoded source. */
  forward(target: Int32Array): Float32Array;
  /** Per layer, [head][query][key]: the encoder's over the source, the decoder's over the target, cross target × source. */
  attention(target: Int32Array): { encoder: Float32Array[]; decoder: Float32Array[]; cross: Float32Array[] };
}

/** A streaming SHA-256 (src/io/sha256.h) over bytes in wasm memory. */
export interface Sha256Handle extends Handle {
  /** Appends `length` bytes at wasm address `ptr`. */
  update(ptr: number, length: number): void;
  /** SHA-256 of everything appended, as 64 lowercase hex digits; the hasher starts over afterwards. */
  hexDigest(): string;
  /** Drops what was appended. */
  reset(): void;
}

/** One metadata pair located in the prefix (wasm-build/gguf_bindings.cc). */
export interface GgufRawPair {
  keyOffset: number;
  keyBytes: number;
  /** GGUF value type (0-12) and, for arrays, the element type. */
  type: number;
  elemType: number;
  /** Arrays: elements; strings: bytes. */
  count: number;
  /** File offset and byte length of the payload (string bytes, array elements). */
  offset: number;
  bytes: number;
  /** Scalars other than strings, decoded (BigInt for u64/i64). */
  value?: number | bigint | boolean;
}

export interface GgufRawTensor {
  name: string;
  type: number;
  typeName: string;
  dims: number[];
  offset: number;
  nbytes: number;
}

/** parseGgufHeader's answer: more bytes needed, or the checked header. */
export type GgufRawHeader = { need: number } | {
  need?: undefined;
  version: number;
  alignment: number;
  headerBytes: number;
  dataOffset: number;
  metadata: GgufRawPair[];
  tensors: GgufRawTensor[];
};

export interface QkvWasmModule {
  ModelLoader: { create(configJson: string, dtype: string | WeightRequest): LoaderHandle };
  Sha256Hasher: { create(): Sha256Handle };
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  /** Present in the pthreads build only. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  initThreads(numThreads: number): void;
  threadInfo(): ThreadInfo;
  setThreadLimit(limit: number): void;
  simdTarget(): string;
  softmaxRows(ptr: number, length: number, rows: number): void;
  /** Parses the GGUF header in `length` bytes at `ptr`, the start of a file of `fileSize` bytes. */
  parseGgufHeader(name: string, ptr: number, length: number, fileSize: number): GgufRawHeader;
  qkvUnrefWorkers(): void;
  /** Allocator statistics for the leak tests: bytes malloc'ed and not freed, bytes of wasm memory. */
  heapStats(): { inUse: number; heapSize: number };
}

/** Options understood by the Emscripten factory plus qkv's own hooks. */
export interface QkvModuleOptions {
  /** Pthread workers to pre-start (threads flavour only). */
  qkvWorkers: number;
  /** Throws the Error for a failed binding call. */
  qkvThrowError: (code: number, message: string) => never;
  /** URL of a runtime file (`*.wasm`, `*.worker.js`) the glue asks for by name. */
  locateFile?: (path: string, prefix: string) => string;
  /** URL pthread pool workers import the glue from (default: next to the worker). */
  mainScriptUrlOrBlob?: string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export type QkvModuleFactory = (options: QkvModuleOptions) => Promise<QkvWasmModule>;
