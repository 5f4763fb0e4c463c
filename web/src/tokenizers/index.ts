/**
 * Tokenizers read from a Hugging Face tokenizer.json. createTokenizer builds
 * each stage of the pipeline from its part of the file:
 *
 * - model: BPE (bpe.ts) — byte-level as in GPT-2, Qwen2 and Llama 3, or
 *   SentencePiece-style with byte_fallback as in LLaMA 2 —, WordPiece
 *   (wordpiece.ts) as in BERT, and Unigram (unigram.ts) as in T5 and XLM-R;
 * - normalizer (normalizers.ts, bert.ts, precompiled.ts), pre_tokenizer (pre-tokenizers.ts,
 *   metaspace.ts, onig-regex.ts for Split regexes), post_processor
 *   (post-processors.ts), decoder (decoders.ts, byte-fallback.ts);
 * - added_tokens (added-tokens.ts).
 */
import { FormatError, UnsupportedError } from '../errors.js';
import { AddedTokenSplitter } from './added-tokens.js';
import { BpeModel } from './bpe.js';
import { readTokenizerConfig } from './chat-template.js';
import { createDecoder } from './decoders.js';
import { createNormalizer } from './normalizers.js';
import { createPostProcessor } from './post-processors.js';
import { createPreTokenizer } from './pre-tokenizers.js';
import { PipelineTokenizer, type TokenizerModel } from './tokenizer.js';
import { type AddedToken, bad, containsType, describe, isObject, type Json, readAddedTokens } from './tokenizer-json.js';
import { UnigramModel } from './unigram.js';
import { WordPieceModel } from './wordpiece.js';
import type { Tokenizer } from './types.js';

export type {
  ChatTemplateOptions, DecodeOptions, DecodeStream, EncodedPair, EncodeOptions, EncodingWithOffsets, PairEncodingWithOffsets, Tokenizer,
} from './types.js';
export type { ChatMessage } from './chat-template.js';

const MODELS: Record<string, (model: Json) => TokenizerModel> = {
  BPE: (model) => new BpeModel(model),
  WordPiece: (model) => new WordPieceModel(model),
  Unigram: (model) => new UnigramModel(model),
};

/**
 * A ByteLevel decoder reads tokens as bytes in GPT-2's alphabet, which only
 * a ByteLevel pre-tokenizer (or normalizer) writes: without one, encode and
 * decode would not agree.
 */
function checkByteLevel(json: Json): void {
  if (!containsType(json.decoder, 'ByteLevel')) return;
  if (containsType(json.pre_tokenizer, 'ByteLevel') || containsType(json.normalizer, 'ByteLevel')) return;
  const pre = !isObject(json.pre_tokenizer) ? describe(json.pre_tokenizer)
    : typeof json.pre_tokenizer.type === 'string' ? json.pre_tokenizer.type : describe(json.pre_tokenizer.type);
  throw new UnsupportedError(`tokenizer.json: pre_tokenizer ${pre} with a ByteLevel decoder is not supported; `
    + 'byte-level BPE needs a ByteLevel pre_tokenizer (or normalizer) to turn text into bytes');
}

/**
 * Hugging Face gives an added token that is also in the model's vocabulary
 * the vocabulary's id, whatever added_tokens says; qkv trusts the file, so a
 * file where the two disagree is refused rather than read differently.
 */
function checkAddedTokenIds(added: AddedToken[], model: TokenizerModel): void {
  added.forEach((t, i) => {
    const id = model.vocab.get(t.content);
    if (id !== undefined && id !== t.id) {
      throw new FormatError(`tokenizer.json: added_tokens[${i}] "${t.content}" has id ${t.id}, but model.vocab gives it ${id}`);
    }
  });
}

/**
 * Builds a tokenizer from the parsed contents of a tokenizer.json and,
 * optionally, of its tokenizer_config.json (chat template and special-token
 * strings, as transformers.js's tokenizers take it).
 */
export function createTokenizer(json: unknown, tokenizerConfig?: unknown): Tokenizer {
  const chat = tokenizerConfig === undefined || tokenizerConfig === null ? undefined : readTokenizerConfig(tokenizerConfig);
  if (!isObject(json)) throw bad('the document', 'a JSON object', json);
  const model = json.model;
  if (!isObject(model)) throw bad('model', 'an object', model);
  // Own keys only: "constructor" or "toString" must not find Object.prototype's members.
  const makeModel = typeof model.type === 'string' && Object.hasOwn(MODELS, model.type) ? MODELS[model.type] : undefined;
  if (!makeModel) {
    throw new UnsupportedError(`tokenizer.json: model type ${describe(model.type)} is not supported; qkv reads `
      + 'BPE (byte-level as in GPT-2/Qwen2/Llama 3, or with byte_fallback as in LLaMA 2), WordPiece (BERT) '
      + 'and Unigram (T5, XLM-RoBERTa)');
  }
  checkByteLevel(json);
  // The small parts first, so that a mistake in them is reported before the vocabulary is read.
  const normalizer = createNormalizer(json.normalizer, 'normalizer');
  const preTokenizer = createPreTokenizer(json.pre_tokenizer, 'pre_tokenizer');
  const template = createPostProcessor(json.post_processor, 'post_processor');
  const decoder = createDecoder(json.decoder, 'decoder');
  const addedTokens = readAddedTokens(json);
  const tokenizerModel = makeModel(model);
  checkAddedTokenIds(addedTokens, tokenizerModel);
  return new PipelineTokenizer({
    model: tokenizerModel,
    addedTokens,
    normalizer,
    splitter: new AddedTokenSplitter(addedTokens, normalizer),
    preTokenizer,
    template,
    decoder,
  }, chat);
}
