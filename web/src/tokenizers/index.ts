/**
 * Tokenizers read from a Hugging Face tokenizer.json: createTokenizer picks
 * the implementation from the model type and options. Supported so far: BPE
 * over GPT-2's byte-level alphabet (byte-level-bpe.ts).
 */
import { UnsupportedError } from '../errors.js';
import { createByteLevelBpe } from './byte-level-bpe.js';
import { bad, isObject } from './tokenizer-json.js';
import type { Tokenizer } from './types.js';

export type { DecodeOptions, DecodeStream, Tokenizer } from './types.js';

/** Builds a tokenizer from the parsed contents of a tokenizer.json. */
export function createTokenizer(json: unknown): Tokenizer {
  if (!isObject(json)) throw bad('the document', 'a JSON object', json);
  const model = json.model;
  if (!isObject(model)) throw bad('model', 'an object', model);
  if (model.type !== 'BPE') {
    throw new UnsupportedError(`tokenizer.json: model type ${JSON.stringify(model.type)} is not supported yet; qkv reads BPE`);
  }
  if (model.byte_fallback === true) {
    throw new UnsupportedError('tokenizer.json: BPE with byte_fallback (SentencePiece style) is not supported yet');
  }
  return createByteLevelBpe(json, model);
}
