/**
 * Messages between a WorkerEngine (the page's side) and serveWorker() (the
 * worker's side). Every call is one row of `Calls` — its arguments, the
 * events it streams, its result — and both sides take their types from that
 * table. A request carries an id; the worker answers it with any number of
 * events (load progress, generated tokens) and then exactly one result or
 * error. Internal to qkv: both sides ship in the same package version, so
 * the protocol has no versioning.
 */
import type { BackendInfo } from '../backend.js';
import type { ClassifyInput, ClassifyResult } from '../classification.js';
import type { TokenClassificationOptions, TokenClassifyResult } from '../token-classification.js';
import type { TokenEntities } from '../token-classification-pipeline.js';
import type { MaskedLmResult } from '../encoder/fill-mask.js';
import type { FillMaskOptions, FillMaskResults } from '../fill-mask.js';
import type { QuestionAnsweringOptions, QuestionAnsweringOutput } from '../question-answering.js';
import type { Text2TextOptions, Text2TextRun, Text2TextTask } from '../text2text-pipeline.js';
import type { RelaxedSimdSetting } from '../env.js';
import {
  FormatError,
  HubError,
  IntegrityError,
  InternalError,
  InvalidArgumentError,
  NetworkError,
  NoTokenizerError,
  OutOfMemoryError,
  QkvError,
  UnsupportedError,
  type HubErrorReason,
} from '../errors.js';
import type { GenerationOptions } from '../generation.js';
import type { Seq2SeqAttentionResult, Seq2SeqGenerationOptions } from '../seq2seq.js';
import type { HubSettings } from '../hub/settings.js';
import type { FileInput, LoadModelOptions, ModelFiles, ProgressInfo } from '../load-model.js';
import type { AttentionResult, EmbedOptions, EmbedResult, ForwardResult, GeneratedToken, ModelInfo } from '../model.js';
import type {
  ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, EncodingWithOffsets, PairEncodingWithOffsets,
} from '../tokenizers/index.js';

/** Settings the page applies to the worker's `env` before qkv starts there. */
export interface WorkerSettings {
  numThreads?: number;
  wasmPaths?: string;
  relaxedSimd?: RelaxedSimdSetting;
  useBrowserCache?: boolean;
}

/** The tokenizer's mask token, sent with the loaded model so WorkerTokenizer has it without a call. */
export interface SpecialTokens {
  mask_token: string | undefined;
  mask_token_id: number | undefined;
}

/** A call that streams nothing before its result. */
type NoEvents = never;

/**
 * Every call: `args` (sent to the worker), `event` (what it streams back
 * before the result), `result`. Functions and signals do not cross:
 * onProgress arrives as 'load' events, an abort as an 'abort' request.
 */
export interface Calls {
  init: { args: WorkerSettings; event: NoEvents; result: null };
  info: { args: null; event: NoEvents; result: BackendInfo };
  load: {
    /** `hub`: the page's Hub settings, applied to the worker's env for this load. */
    args: { source: string | ModelFiles | Blob | ArrayBuffer | Uint8Array | FileInput[]; options: Omit<LoadModelOptions, 'onProgress' | 'signal'>; hub: HubSettings };
    event: ProgressInfo;
    /** `tokens`: the tokenizer's special tokens the page cannot ask for with a call (fill-mask's mask). */
    /** tokens: null for a model without a tokenizer. */
    result: { modelId: number; info: ModelInfo; tokens: SpecialTokens | null };
  };
  generate: {
    args: {
      prompt: string | readonly number[] | readonly ChatMessage[];
      options: Omit<GenerationOptions, 'signal'> | Omit<Seq2SeqGenerationOptions, 'signal'>;
    };
    event: GeneratedToken;
    result: null;
  };
  /** target: an encoder-decoder's target ids (Model.forward(source, target)). */
  forward: { args: { input: string | readonly number[]; target?: readonly number[] }; event: NoEvents; result: ForwardResult };
  attention: {
    args: { input: string | readonly number[]; target?: readonly number[] }; event: NoEvents;
    result: AttentionResult | Seq2SeqAttentionResult;
  };
  embed: {
    args: { texts: string | readonly (string | readonly number[])[]; options: EmbedOptions };
    event: NoEvents;
    result: EmbedResult;
  };
  classify: { args: ClassifyInput | readonly ClassifyInput[]; event: NoEvents; result: ClassifyResult };
  classifyTokens: { args: string | readonly string[]; event: NoEvents; result: TokenClassifyResult[] };
  tokenEntities: { args: { texts: readonly string[]; options: TokenClassificationOptions }; event: NoEvents; result: TokenEntities[] };
  fillMaskLogits: { args: string | readonly string[]; event: NoEvents; result: MaskedLmResult[] };
  /** The fill-mask pipeline run in the worker, whose tokenizer decodes the propositions. */
  fillMask: { args: { texts: string | readonly string[]; options: FillMaskOptions }; event: NoEvents; result: FillMaskResults };
  answer: {
    args: { question: string; context: string; options: QuestionAnsweringOptions };
    event: NoEvents;
    result: QuestionAnsweringOutput | QuestionAnsweringOutput[];
  };
  /**
   * One text through an encoder-decoder's pipeline task, its ids kept (text2textRunner in the worker); the
   * events are the target's text pieces as they are decoded.
   */
  text2text: { args: { task: Text2TextTask; text: string; options: Omit<Text2TextOptions, 'signal'> }; event: string; result: Text2TextRun };
  /** The language codes of a multilingual translation model's tokenizer (translationLanguages), null without. */
  translationLanguages: { args: null; event: NoEvents; result: { family: string; codes: string[] } | null };
  encode: { args: { text: string; options: EncodeOptions | undefined }; event: NoEvents; result: number[] };
  encodeWithOffsets: { args: { text: string; options: EncodeOptions | undefined }; event: NoEvents; result: EncodingWithOffsets };
  encodePairWithOffsets: { args: { text: string; textPair: string }; event: NoEvents; result: PairEncodingWithOffsets };
  decode: { args: { ids: readonly number[]; options: DecodeOptions | undefined }; event: NoEvents; result: string };
  chatTemplate: {
    args: { messages: readonly ChatMessage[]; options: ChatTemplateOptions | undefined };
    event: NoEvents;
    result: string | number[] | { input_ids: number[] };
  };
  dispose: { args: null; event: NoEvents; result: null };
}

export type CallName = keyof Calls;
export type Args<N extends CallName> = Calls[N]['args'];
export type CallEvent<N extends CallName> = Calls[N]['event'];
export type Result<N extends CallName> = Calls[N]['result'];

/** Calls on one loaded model: their requests carry its modelId. */
export type ModelCallName = Exclude<CallName, 'init' | 'info' | 'load'>;

/** Every call name, for checking what arrives (the table above is types only). */
const CALL_NAMES: Record<CallName, true> = {
  init: true, info: true, load: true, generate: true, forward: true, attention: true, embed: true,
  classify: true, classifyTokens: true, tokenEntities: true, answer: true, text2text: true, translationLanguages: true, encode: true, encodeWithOffsets: true,
  encodePairWithOffsets: true, fillMaskLogits: true, fillMask: true, decode: true, chatTemplate: true, dispose: true,
};

export interface CallRequest<N extends CallName> {
  id: number;
  type: N;
  /** The model a call is for (the ModelCallName calls). */
  modelId?: number;
  args: Args<N>;
}

export interface AbortRequest {
  id: number;
  type: 'abort';
  /** The id of the request to abort. */
  target: number;
}

export type Request = { [N in CallName]: CallRequest<N> }[CallName] | AbortRequest;

export type Reply =
  | { id: number; kind: 'event'; data: CallEvent<CallName> }
  | { id: number; kind: 'result'; data: Result<CallName> }
  | { id: number; kind: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  /** HubError's reason. */
  reason?: HubErrorReason;
}

function isRecord(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null;
}

/**
 * Whether a message is a request: an id and a known type (an abort's
 * target a number). What each call's args must be, the call itself checks,
 * as it does on the main thread.
 */
export function isRequest(data: unknown): data is Request {
  if (!isRecord(data) || typeof data.id !== 'number' || typeof data.type !== 'string') return false;
  if (data.type === 'abort') return typeof data.target === 'number';
  return Object.hasOwn(CALL_NAMES, data.type) && (data.modelId === undefined || typeof data.modelId === 'number');
}

/** Whether a message is a reply: an id and a kind ('error' with its serialized error). */
export function isReply(data: unknown): data is Reply {
  if (!isRecord(data) || typeof data.id !== 'number') return false;
  if (data.kind === 'error') return isRecord(data.error) && typeof data.error.message === 'string';
  return data.kind === 'event' || data.kind === 'result';
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof HubError) return { name: e.name, message: e.message, code: e.code, reason: e.reason };
  if (e instanceof QkvError) return { name: e.name, message: e.message, code: e.code };
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    return { name: typeof name === 'string' ? name : 'Error', message: String(message) };
  }
  return { name: 'Error', message: String(e) };
}

const QKV_ERRORS: Record<string, new (message: string) => QkvError> = {
  InvalidArgumentError,
  FormatError,
  UnsupportedError,
  NoTokenizerError,
  OutOfMemoryError,
  NetworkError,
  IntegrityError,
  InternalError,
};

/**
 * The worker's error rebuilt on this side, with the class it had there, so
 * `instanceof InvalidArgumentError` and `e.name === 'AbortError'` work the
 * same as without a worker.
 */
export function deserializeError(error: SerializedError): Error {
  if (error.name === 'HubError') return new HubError(error.reason ?? 'ServerError', error.message);
  const QkvClass = QKV_ERRORS[error.name];
  if (QkvClass !== undefined) return new QkvClass(error.message);
  if (error.name === 'QkvError') return new QkvError(error.code ?? 'internal', error.message);
  if (error.name === 'AbortError') return new DOMException(error.message, 'AbortError');
  return Object.assign(new Error(error.message), { name: error.name });
}
