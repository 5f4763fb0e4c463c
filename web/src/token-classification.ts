/**
 * Token classification (NER) around the wasm head (src/models/heads/classification.h,
 * TokenClassificationHead): the token-classification pipeline's post-processing as transformers'
 * pipelines/token_classification.py does it with aggregation_strategy "none" — a softmax per token,
 * the special tokens the post-processor added skipped, each token's best label with its score, its
 * index in the ids and its vocabulary string as `word`, the ignore_labels (default ["O"]) dropped.
 * Not yet: character offsets (Python's start/end, and the text span it gives as the word of an
 * [UNK] token, which is '[UNK]' here) and the grouping strategies that need them.
 */
import type { ClassificationInfo } from './classification.js';
import { InvalidArgumentError, UnsupportedError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';

export interface TokenClassifyResult {
  /** The text's ids, special tokens included. */
  ids: number[];
  /** Logits, row-major [tokens, labels]. */
  logits: Float32Array;
  dims: [number, number];
}

export interface TokenClassificationOptions {
  /** Labels left out of the results (default ['O'], as transformers). */
  ignore_labels?: readonly string[];
  /** Only 'none' (the default: one result per token) is implemented; the grouping strategies are refused. */
  aggregation_strategy?: 'none' | 'simple' | 'first' | 'average' | 'max';
}

export interface TokenClassificationOutput {
  /** The token's best label. */
  entity: string;
  /** Its softmax probability. */
  score: number;
  /** The token's position in the ids (0 is [CLS]). */
  index: number;
  /** The token as the vocabulary writes it (e.g. '##ing'). */
  word: string;
}

/**
 * Which positions of `ids` the post-processor added around the text: as many at the front and the
 * back as it adds to the whole text (ids may be the text cut to the context, its last token kept).
 */
function specialMask(tokenizer: Tokenizer, text: string, ids: readonly number[]): boolean[] {
  const full = tokenizer.encode(text);
  const own = tokenizer.encode(text, { add_special_tokens: false });
  let before = 0;
  while (before + own.length < full.length && !own.every((id, i) => full[before + i] === id)) before++;
  const after = full.length - before - own.length;
  return ids.map((_, i) => i < before || i >= ids.length - after);
}

/** One text's entities from its logits. */
export function tokenEntities(info: ClassificationInfo, tokenizer: Tokenizer, text: string, result: TokenClassifyResult,
  options: TokenClassificationOptions = {}): TokenClassificationOutput[] {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('token-classification: options must be an object');
  const { ignore_labels: ignore = ['O'], aggregation_strategy: strategy = 'none' } = options;
  if (!Array.isArray(ignore) || !ignore.every((l) => typeof l === 'string')) {
    throw new InvalidArgumentError(`token-classification: ignore_labels must be an array of label names, got ${JSON.stringify(ignore)}`);
  }
  if (strategy !== 'none') {
    const known = ['simple', 'first', 'average', 'max'].includes(strategy);
    if (!known) throw new InvalidArgumentError(`token-classification: aggregation_strategy must be 'none', 'simple', 'first', 'average' or 'max', got ${JSON.stringify(strategy)}`);
    throw new UnsupportedError(`token-classification: aggregation_strategy '${strategy}' (grouping tokens into words by their character offsets) is not implemented yet; use 'none'`);
  }
  const special = specialMask(tokenizer, text, result.ids);
  const width = result.dims[1];
  const out: TokenClassificationOutput[] = [];
  result.ids.forEach((id, index) => {
    if (special[index]) return;
    const row = Array.from(result.logits.subarray(index * width, (index + 1) * width));
    const max = Math.max(...row);
    const exps = row.map((x) => Math.exp(x - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    const best = row.indexOf(max);
    const entity = info.labels[best]!;
    if (ignore.includes(entity)) return;
    out.push({ entity, score: exps[best]! / sum, index, word: tokenizer.idToToken(id) });
  });
  return out;
}
