/**
 * The token-classification ('ner') pipeline's call on any model: a Model runs the head and the
 * post-processing here; a WorkerModel runs both in its worker, where its tokenizer is (the
 * post-processing reads the tokenizer's offsets and decoder for every token).
 */
import { InvalidArgumentError } from './errors.js';
import type { Model } from './model.js';
import { requireTokenizer } from './tokenizers/id-only.js';
import {
  type GroupingStrategy, readStrategy, tokenEntities, type TokenClassificationGroup, type TokenClassificationOptions,
  type TokenClassificationOutput,
} from './token-classification.js';

/** One text's entities: per token with aggregation_strategy 'none', grouped otherwise. */
export type TokenEntities = TokenClassificationOutput[] | TokenClassificationGroup[];

/** A model in a worker, whose tokenEntities() runs the pipeline there. */
export interface RemoteTokenClassifier {
  tokenEntities(texts: readonly string[], options: TokenClassificationOptions): Promise<TokenEntities[]>;
}

/** Each text's entities (one list per text), as pipeline('token-classification') gives them. */
export async function entitiesOf(model: Model | RemoteTokenClassifier, texts: readonly string[],
  options: TokenClassificationOptions): Promise<TokenEntities[]> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('token-classification: options must be an object');
  readStrategy(options); // a bad strategy fails before the model runs
  if ('tokenEntities' in model) return model.tokenEntities(texts, options);
  const tokenizer = requireTokenizer(model.tokenizer, 'token-classification');
  const results = await model.classifyTokens(texts);
  const info = model.info.classification!;
  return results.map((r, i) => tokenEntities(info, tokenizer, texts[i]!, r, options));
}

/**
 * The pipeline's call: `classifyTokenTexts(model, 'text')` gives the text's entities, an array of texts one
 * list per text; `model` is a Model or a WorkerModel.
 */
export async function classifyTokenTexts(model: Model | RemoteTokenClassifier, text: string,
  options: TokenClassificationOptions & { aggregation_strategy: GroupingStrategy }): Promise<TokenClassificationGroup[]>;
export async function classifyTokenTexts(model: Model | RemoteTokenClassifier, text: string,
  options?: TokenClassificationOptions): Promise<TokenClassificationOutput[]>;
export async function classifyTokenTexts(model: Model | RemoteTokenClassifier, texts: readonly string[],
  options: TokenClassificationOptions & { aggregation_strategy: GroupingStrategy }): Promise<TokenClassificationGroup[][]>;
export async function classifyTokenTexts(model: Model | RemoteTokenClassifier, texts: readonly string[],
  options?: TokenClassificationOptions): Promise<TokenClassificationOutput[][]>;
export async function classifyTokenTexts(model: Model | RemoteTokenClassifier, texts: string | readonly string[],
  options: TokenClassificationOptions = {}): Promise<TokenEntities | TokenEntities[]> {
  const entities = await entitiesOf(model, typeof texts === 'string' ? [texts] : texts, options);
  return typeof texts === 'string' ? entities[0]! : entities;
}
