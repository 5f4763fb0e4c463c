/**
 * model.embed(): sentence embeddings of encoders and decoder embedding models, pooled in wasm
 * (src/models/heads/pooling.cc), then through a sentence-transformers repository's Dense modules and
 * Normalize, with its prompts.
 */
import { requireCapability } from '../capabilities.js';
import { encodeBatches } from '../encode-batches.js';
import { applyDense, normalizeRows, type DenseLayer } from '../dense.js';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { ModelInfo } from '../model.js';
import { DEFAULT_EMBEDDING } from '../sentence-transformers.js';
import { fitEncoder, isIdList, type EncoderContext } from './context.js';

/**
 * How embed() turns an encoder's last hidden states into one vector per text,
 * as sentence-transformers and transformers.js pool them: the mean over every
 * token (special tokens included), the first ([CLS]) token, the largest
 * value of each dimension over the tokens ('max'), or each text's last token
 * ('last_token': decoder embedders such as Qwen3-Embedding, whose tokenizer
 * ends every text with <|endoftext|>).
 */
export type Pooling = 'mean' | 'cls' | 'max' | 'last_token';

const POOLINGS: readonly string[] = ['mean', 'cls', 'max', 'last_token', 'none'];

export interface EmbedOptions {
  /**
   * 'mean' over the tokens, 'cls' for the first token, 'max' for each
   * dimension's largest value, 'last_token' for the last token, 'none' for
   * every token's state (one text only).
   * Default: the model's (info.embedding: a sentence-transformers
   * repository's Pooling module, else 'mean').
   */
  pooling?: Pooling | 'none';
  /**
   * Scale each vector to unit length. Default: the model's for pooled vectors
   * (true when a sentence-transformers Normalize module follows the pooling),
   * false for pooling 'none'.
   */
  normalize?: boolean;
  /**
   * The name of one of the model's prompts (info.embedding.prompts, from
   * config_sentence_transformers.json), put before each text as
   * SentenceTransformer.encode(prompt_name=…) does: e.g. 'query' for
   * Qwen3-Embedding's "Instruct: …\nQuery:" or EmbeddingGemma's
   * "task: search result | query: ". Default: the model's
   * default_prompt_name, else none. Token-id inputs are used as given.
   */
  prompt_name?: string;
  /** A prompt's text itself, put before each text (wins over prompt_name, as in sentence-transformers). */
  prompt?: string;
}

export interface EmbedResult {
  /**
   * Row-major [texts, width] (pooled; width is nEmbd, or the last Dense module's outFeatures) or
   * [1, tokens, nEmbd] (pooling 'none').
   */
  data: Float32Array;
  dims: number[];
}

/**
 * Sentence embeddings of an encoder (BERT family) or a decoder embedding
 * model (Qwen3-Embedding, EmbeddingGemma): each text, after the prompt if
 * one is chosen, is tokenized with its special tokens ([CLS] … [SEP],
 * … <|endoftext|>), cut to the model's context, encoded, pooled, passed
 * through the repository's Dense modules and normalized. Texts are encoded
 * together, each attending only to itself, so results do not depend on the
 * batch. An entry may also be an array of token ids, used as given
 * (special tokens included, no prompt).
 */
export async function embedTexts(ctx: EncoderContext, dense: readonly DenseLayer[],
  texts: string | readonly (string | readonly number[])[], options: EmbedOptions): Promise<EmbedResult> {
  requireCapability(ctx.info, 'encode', 'model.embed()');
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string' || isIdList(t))) {
    throw new InvalidArgumentError('embed: expected a string or a non-empty array of strings or token-id arrays');
  }
  const { pooling, normalize } = embedOptions(ctx.info, options);
  if (pooling === 'none' && list.length !== 1) {
    throw new InvalidArgumentError("embed: pooling 'none' returns every token's state, for one text at a time");
  }
  const prompt = embedPrompt(ctx.info, options, pooling);
  // A sentence-transformers Transformer module may lowercase texts and cut them shorter than the context.
  const { lowercase, maxTokens } = ctx.info.embedding ?? DEFAULT_EMBEDDING;
  const limit = Math.min(ctx.info.nCtx, maxTokens ?? Infinity);
  const sequences = list.map((t) => fitEncoder(typeof t === 'string'
    ? ctx.tokenizer.encode(lowercase ? (prompt + t).toLowerCase() : prompt + t) : [...t], limit));
  const dim = ctx.info.nEmbd;
  return ctx.withHandle((handle) => {
    if (pooling === 'none') {
      const ids = sequences[0]!;
      const data = ctx.backend.call(() => handle.embed(Int32Array.from(ids), [ids.length], null, 'none', normalize));
      return { data, dims: [1, ids.length, dim] };
    }
    // With Dense modules the wasm side pools only; the projections and the Normalize follow here.
    const out = new Float32Array(list.length * dim);
    for (const [first, last] of encodeBatches(sequences.map((s) => s.length))) {
      const batch = sequences.slice(first, last);
      const lengths = batch.map((s) => s.length);
      // The pooling head runs in wasm (src/models/heads/pooling.cc).
      const pooled = ctx.backend.call(() =>
        handle.embed(Int32Array.from(batch.flat()), lengths, null, pooling, normalize && dense.length === 0));
      out.set(pooled, first * dim);
    }
    if (dense.length === 0) return { data: out, dims: [list.length, dim] };
    let data: Float32Array = out;
    for (const layer of dense) data = applyDense(layer, data, list.length);
    if (normalize) normalizeRows(data, list.length);
    return { data, dims: [list.length, dense[dense.length - 1]!.outFeatures] };
  });
}

/** The pooling and normalization of one embed() call: the options', else the model's defaults. */
function embedOptions(info: ModelInfo, options: EmbedOptions): { pooling: Pooling | 'none'; normalize: boolean } {
  const defaults = info.embedding ?? DEFAULT_EMBEDDING;
  let pooling = options.pooling;
  if (pooling === undefined) {
    // Never another pooling than the model's own: what qkv cannot apply is named instead.
    if (defaults.unsupported !== undefined) {
      throw new UnsupportedError(`model.embed(): ${defaults.unsupported}; pass { pooling } ('mean', 'cls', 'max' or ` +
        "'last_token') to embed another way explicitly");
    }
    pooling = defaults.pooling ?? 'mean';
  }
  if (!POOLINGS.includes(pooling)) {
    throw new InvalidArgumentError(`embed: pooling must be 'mean', 'cls', 'max', 'last_token' or 'none', got ${JSON.stringify(pooling)}`);
  }
  if (options.normalize !== undefined && typeof options.normalize !== 'boolean') {
    throw new InvalidArgumentError(`embed: normalize must be true or false, got ${JSON.stringify(options.normalize)}`);
  }
  // sentence-transformers' Normalize scales the sentence embedding, never the token states.
  return { pooling, normalize: options.normalize ?? (pooling !== 'none' && defaults.normalize) };
}

/**
 * The text put before each text: options.prompt, else the model's prompt
 * named by options.prompt_name or its default_prompt_name, else ''.
 */
function embedPrompt(info: ModelInfo, options: EmbedOptions, pooling: Pooling | 'none'): string {
  const defaults = info.embedding ?? DEFAULT_EMBEDDING;
  const { prompt, prompt_name: name } = options;
  if (prompt !== undefined && typeof prompt !== 'string') {
    throw new InvalidArgumentError(`embed: prompt must be a string, got ${JSON.stringify(prompt)}`);
  }
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidArgumentError(`embed: prompt_name must be a string, got ${JSON.stringify(name)}`);
  }
  let text = prompt;
  if (text === undefined) {
    const chosen = name ?? defaults.defaultPromptName;
    if (chosen !== undefined && !Object.hasOwn(defaults.prompts, chosen)) {
      const known = Object.keys(defaults.prompts);
      throw new InvalidArgumentError(`embed: prompt_name ${JSON.stringify(chosen)} is not one of this model's prompts ` +
        `(${known.length > 0 ? known.map((k) => JSON.stringify(k)).join(', ') : 'it has none; pass { prompt } instead'})`);
    }
    text = chosen !== undefined ? defaults.prompts[chosen]! : '';
  }
  // include_prompt false: sentence-transformers leaves the prompt's tokens out of the pooling.
  if (text !== '' && !defaults.includePrompt && (pooling === 'mean' || pooling === 'max')) {
    throw new UnsupportedError("model.embed(): this model's Pooling config sets include_prompt false (the prompt's " +
      `tokens left out of the ${pooling} pooling), which qkv does not apply; embed without a prompt`);
  }
  return text;
}
