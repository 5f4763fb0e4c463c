/**
 * Encoder-decoder models (T5, BART, Marian, M2M100; capability 'text2text')
 * behind Model's generate / forward / attention: the source is encoded once by
 * the runner (runtime/Seq2SeqSession through wasm-build/seq2seq_bindings.cc),
 * then decoded a step per wasm call — greedily, each token streamed as it is
 * picked, or by beam search, its best hypotheses given at the end — with the
 * checkpoint's generation_config.json (else config.json, as transformers'
 * GenerationConfig.from_model_config) as the defaults.
 */
import type { Backend } from './backend.js';
import { InvalidArgumentError, UnsupportedError } from './errors.js';
import { resolveEndings, type GenerationDefaults } from './generation.js';
import type { ForwardResult, GeneratedToken, GenerationUsage, FinishReason } from './model.js';
import { nextTask } from './platform.js';
import type { DecodeStream, Tokenizer } from './tokenizers/index.js';
import type { Seq2SeqGenerateRequest, Seq2SeqSessionHandle } from './wasm-module.js';

/**
 * The GenerationConfig keys of an encoder-decoder's decoding besides its lengths (generate()'s options, and
 * the checkpoint's defaults in model.info.generation).
 */
export interface BeamSearchSettings {
  /** end-of-sequence is banned while the target (with its start token) is shorter. */
  min_length?: number;
  /** 1: greedy (streamed token by token); more: beam search. */
  num_beams?: number;
  /** Beam search: the score is the log-probability sum over length ** length_penalty. */
  length_penalty?: number;
  /** Beam search: true, false or 'never', as transformers. */
  early_stopping?: boolean | 'never';
  /** No n-gram of this size repeats in the target (0: off). */
  no_repeat_ngram_size?: number;
  /** The first generated token (M2M100 / NLLB: the target language). */
  forced_bos_token_id?: number;
  /** The token at max_length - 1. */
  forced_eos_token_id?: number;
  /** Token sequences never generated (Marian: [[pad_token_id]]). */
  bad_words_ids?: readonly (readonly number[])[];
  /**
   * Log-softmax the scores again after the other processors (transformers' LogitNormalization), so that the
   * tokens they ban (bad words, min_length's end token, repeated n-grams) no longer lower the beams' scores;
   * opus-mt's generation_config.json sets it.
   */
  renormalize_logits?: boolean;
}

/** generate()'s options for an encoder-decoder, as transformers' GenerationConfig names them. */
export interface Seq2SeqGenerationOptions extends BeamSearchSettings {
  /** Target tokens to generate at most (the decoder start token not counted); else max_length decides. */
  max_new_tokens?: number;
  /** The target's length with its decoder start token (transformers' max_length; default 20 or the checkpoint's). */
  max_length?: number;
  /** Token ids that end generation; default: the model's eos_token_id. */
  eos_token_id?: number | readonly number[];
  /**
   * Beam search: how many of the best finished hypotheses (1 to num_beams, default 1) the stream's last item
   * carries in `sequences`, with their scores (transformers' num_return_sequences and sequences_scores). The
   * stream's tokens are the best one's.
   */
  num_return_sequences?: number;
  /** Aborts generation (checked before each greedy token and each beam-search step); then as Model.generate's on_abort. */
  signal?: AbortSignal;
  on_abort?: 'throw' | 'finish';
}

/** A hypothesis of a beam search (GeneratedToken.sequences), best first. */
export interface GeneratedSequence {
  /** The generated target ids, without the decoder start token and with the end token that ended it, as transformers' sequences. */
  tokens: number[];
  /** Their text (special tokens skipped; '' for a model without a tokenizer). */
  text: string;
  /** transformers' sequences_scores: the processed log-probabilities' sum over length ** length_penalty. */
  score: number;
}

/** The attention of a teacher-forced pass of an encoder-decoder (Model.attention(source, target)). */
export interface Seq2SeqAttentionResult {
  sourceIds: number[];
  targetIds: number[];
  /** The token strings of source and target, as the tokenizer names them (ids as strings without one). */
  sourceTokens: string[];
  targetTokens: string[];
  /** Per encoder layer: [head, source, source]. */
  encoder: Float32Array[];
  /** Per decoder layer: [head, target, target] (causal: 0 above the diagonal). */
  decoder: Float32Array[];
  /** Per decoder layer: [head, target, source], what each target token attends to in the source. */
  cross: Float32Array[];
  nHead: number;
}

const DEFAULT_KEYS = ['max_new_tokens', 'max_length', 'min_length', 'num_beams', 'length_penalty', 'early_stopping',
  'no_repeat_ngram_size', 'forced_bos_token_id', 'forced_eos_token_id', 'bad_words_ids', 'renormalize_logits'] as const;
const KEYS = [...DEFAULT_KEYS, 'num_return_sequences', 'eos_token_id', 'signal', 'on_abort'] as const;

/**
 * The generation defaults of an encoder-decoder checkpoint: generation_config.json's, else config.json's
 * (older Marian and BART checkpoints keep num_beams, max_length and bad_words_ids there). A value generate()
 * would refuse is left out, so a file cannot stop the model from loading.
 */
export function readSeq2SeqDefaults(config: unknown, generationConfig: unknown): GenerationDefaults {
  const source = (generationConfig ?? config) as Record<string, unknown> | undefined;
  const out: Record<string, unknown> = {};
  if (typeof source !== 'object' || source === null) return out;
  for (const key of DEFAULT_KEYS) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    try {
      resolveSeq2SeqOptions({ [key]: value }, {}, []);
      out[key] = value;
    } catch {
      // refused: transformers' default applies
    }
  }
  return out as GenerationDefaults;
}

export interface ResolvedSeq2Seq {
  request: Seq2SeqGenerateRequest;
  signal: AbortSignal | undefined;
  onAbort: 'throw' | 'finish';
}

function whole(o: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new InvalidArgumentError(`generate: ${key} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function idOrNone(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (v === undefined || v === null) return -1;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(`generate: ${key} must be a token id, got ${JSON.stringify(v)}`);
  }
  return v;
}

function idLists(v: unknown, key: string): number[][] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((l) => Array.isArray(l) && l.length > 0 && l.every((t) => Number.isSafeInteger(t) && t >= 0))) {
    throw new InvalidArgumentError(`generate: ${key} must be a list of non-empty token id lists`);
  }
  return v.map((l: number[]) => [...l]);
}

/** The caller's options over the defaults, checked, as the runner takes them. */
export function resolveSeq2SeqOptions(options: Seq2SeqGenerationOptions, defaults: GenerationDefaults,
  defaultEos: readonly number[]): ResolvedSeq2Seq {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('generate: options must be an object');
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key === 'do_sample' && (given[key] === false || given[key] === undefined)) continue;
    if (['do_sample', 'temperature', 'top_k', 'top_p', 'seed'].includes(key)) {
      throw new UnsupportedError(`generate: ${key}: an encoder-decoder decodes greedily or by beam search (num_beams), not by sampling`);
    }
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`generate: unknown option '${key}' for an encoder-decoder (known: ${KEYS.join(', ')})`);
    }
  }
  // The caller's max_new_tokens or max_length replaces both of the checkpoint's.
  const lengthGiven = given.max_new_tokens !== undefined || given.max_length !== undefined;
  const o: Record<string, unknown> = { ...defaults, ...(lengthGiven ? { max_new_tokens: undefined, max_length: undefined } : {}) };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) o[key] = value;
  const early = o.early_stopping ?? false;
  if (early !== true && early !== false && early !== 'never') {
    throw new InvalidArgumentError(`generate: early_stopping must be true, false or 'never', got ${JSON.stringify(early)}`);
  }
  const lengthPenalty = o.length_penalty ?? 1;
  if (typeof lengthPenalty !== 'number' || !Number.isFinite(lengthPenalty)) {
    throw new InvalidArgumentError(`generate: length_penalty must be a finite number, got ${JSON.stringify(lengthPenalty)}`);
  }
  const renormalize = o.renormalize_logits ?? false;
  if (typeof renormalize !== 'boolean') {
    throw new InvalidArgumentError(`generate: renormalize_logits must be a boolean, got ${JSON.stringify(renormalize)}`);
  }
  const { eos, signal, onAbort } = resolveEndings(o, defaultEos);
  const request: Seq2SeqGenerateRequest = {
    max_length: whole(o, 'max_length', 20, 1),
    max_new_tokens: whole(o, 'max_new_tokens', 0, 0),
    min_length: whole(o, 'min_length', 0, 0),
    eos_token_ids: eos,
    num_beams: whole(o, 'num_beams', 1, 1),
    length_penalty: lengthPenalty,
    early_stopping: early === 'never' ? 'never' : early ? 'true' : 'false',
    no_repeat_ngram_size: whole(o, 'no_repeat_ngram_size', 0, 0),
    forced_bos_token_id: idOrNone(o, 'forced_bos_token_id'),
    forced_eos_token_id: idOrNone(o, 'forced_eos_token_id'),
    bad_words_ids: idLists(o.bad_words_ids, 'bad_words_ids'),
    num_return_sequences: whole(o, 'num_return_sequences', 1, 1),
    renormalize_logits: renormalize,
  };
  if (request.num_return_sequences > request.num_beams) {
    throw new InvalidArgumentError(`generate: num_return_sequences ${request.num_return_sequences} is more than ` +
      `num_beams ${request.num_beams}: a beam search returns at most num_beams hypotheses (greedy: 1)`);
  }
  // max_new_tokens 0 means "not given" to the runner; a caller's 0 asks for nothing at all (as decoders'
  // generate answers it: the source is still encoded and checked, no token is generated), which the
  // runner's max_length 1 (the decoder start token alone) is.
  if (given.max_new_tokens === 0) request.max_length = 1;
  return { request, signal, onAbort };
}

/** What the seq2seq calls need of their model (Model hands it over, with its lock held). */
export interface Seq2SeqContext {
  backend: Backend;
  session: Seq2SeqSessionHandle;
  tokenizer: Tokenizer;
  nVocab: number;
  nHead: number;
}

/** How often a generation lets the event loop turn, so that an abort from a timer or a message is seen. */
const TURN_MS = 5;

/**
 * Encodes the source and decodes it a step per wasm call: the target tokens (the eos that ended it left out,
 * as decoders' generate does) with their text through the tokenizer (special tokens skipped), then an item
 * with the finish reason (and a beam search's `sequences`). Greedy tokens are yielded as they are picked;
 * beam search yields the best hypothesis once it has ended. The signal is checked before each step, and
 * the event loop turns every few milliseconds. `context` is asked again before each step: it throws once
 * the model is disposed.
 */
export async function* streamSeq2Seq(context: () => Seq2SeqContext, sourceIds: readonly number[],
  resolved: ResolvedSeq2Seq): AsyncGenerator<GeneratedToken> {
  const { request, signal } = resolved;
  const first = context();
  first.backend.call(() => {
    first.session.encode(Int32Array.from(sourceIds));
    first.session.begin(request);
  });
  const { tokenizer } = first;
  const decoder = tokenizer.createDecodeStream({ skip_special_tokens: true });
  let generated = 0;
  let reason: FinishReason = 'max_new_tokens';
  let done = false;
  let lastTurn = performance.now();
  while (!done) {
    if (signal?.aborted === true) {
      if (resolved.onAbort === 'throw') signal.throwIfAborted();
      reason = 'abort';
      break;
    }
    const live = context();
    const step = live.backend.call(() => live.session.next());
    done = step.done;
    if (step.token >= 0) {
      if (request.eos_token_ids.includes(step.token)) {
        reason = 'eos';
        break;
      }
      generated++;
      yield { token: step.token, text: textOf(tokenizer, decoder, step.token) };
    }
    if (performance.now() - lastTurn >= TURN_MS) {
      await nextTask();
      lastTurn = performance.now();
    }
  }
  let sequences: GeneratedSequence[] | undefined;
  if (request.num_beams > 1 && reason !== 'abort') {
    const live = context();
    sequences = live.backend.call(() => live.session.results()).map((h) => {
      const stream = tokenizer.createDecodeStream({ skip_special_tokens: true });
      const tokens = [...h.tokens];
      return { tokens, text: tokens.map((t) => textOf(tokenizer, stream, t)).join('') + stream.flush(), score: h.score };
    });
    const best = [...(sequences[0]?.tokens ?? [])];
    if (best.length > 0 && request.eos_token_ids.includes(best[best.length - 1]!)) {
      best.pop();
      reason = 'eos';
    }
    for (const token of best) {
      generated++;
      yield { token, text: textOf(tokenizer, decoder, token) };
    }
  }
  const usage: GenerationUsage = { promptTokens: sourceIds.length, cachedTokens: 0, generatedTokens: generated };
  yield { token: -1, text: decoder.flush(), finishReason: reason, usage, ...(sequences !== undefined ? { sequences } : {}) };
}

/**
 * A token's text. An id past the tokenizer's vocabulary (T5's 28 padding rows after its 32100 tokens) has none:
 * Hugging Face tokenizers' decode drops such ids.
 */
function textOf(tokenizer: Tokenizer, decoder: DecodeStream, token: number): string {
  return token < tokenizer.vocabSize ? decoder.push(token) : '';
}

/** Teacher-forced logits of target ids against the source. */
export function seq2seqForward(ctx: Seq2SeqContext, sourceIds: readonly number[], targetIds: readonly number[]): ForwardResult {
  const logits = ctx.backend.call(() => {
    ctx.session.encode(Int32Array.from(sourceIds));
    return ctx.session.forward(Int32Array.from(targetIds));
  });
  return { logits, dims: [targetIds.length, ctx.nVocab] };
}

export function seq2seqAttention(ctx: Seq2SeqContext, sourceIds: readonly number[], targetIds: readonly number[],
  name: (id: number) => string): Seq2SeqAttentionResult {
  const probs = ctx.backend.call(() => {
    ctx.session.encode(Int32Array.from(sourceIds));
    return ctx.session.attention(Int32Array.from(targetIds));
  });
  return {
    sourceIds: [...sourceIds], targetIds: [...targetIds],
    sourceTokens: sourceIds.map(name), targetTokens: targetIds.map(name),
    ...probs, nHead: ctx.nHead,
  };
}
