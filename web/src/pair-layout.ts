/**
 * Where a sentence pair's two texts sit in the tokenizer's pair template, so a caller can put other
 * tokens of either text in their place (the question-answering pipeline's context windows, the
 * premise cut by only_first truncation): the template's tokens before, between and after the two
 * texts, with the token types of each part.
 */
import { InvalidArgumentError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';

export interface PairPart {
  ids: number[];
  types: number[];
}

export interface PairLayout {
  first: PairPart;  // the first text's tokens
  second: PairPart; // the second text's tokens
  before: PairPart; // the template's tokens before the first text ([CLS], <s>)
  between: PairPart;
  after: PairPart;
}

function indexOf(ids: readonly number[], part: readonly number[], from: number): number {
  for (let i = from; i + part.length <= ids.length; i++) {
    if (part.every((t, k) => ids[i + k] === t)) return i;
  }
  return -1;
}

/**
 * The layout of (a, b) through the pair template; each text tokenized alone (no special tokens) is
 * found in the pair's ids, the first from the start, the second after it.
 */
export function pairLayout(tokenizer: Tokenizer, a: string, b: string, call: string): PairLayout {
  const { input_ids: ids, token_type_ids: types } = tokenizer.encodePair(a, b);
  const first = tokenizer.encode(a, { add_special_tokens: false });
  const second = tokenizer.encode(b, { add_special_tokens: false });
  const at = indexOf(ids, first, 0);
  const bt = at < 0 ? -1 : indexOf(ids, second, at + first.length);
  if (at < 0 || bt < 0) {
    throw new InvalidArgumentError(`${call}: the tokenizer's pair template does not keep each text's tokens as it ` +
      'tokenizes the text alone');
  }
  const part = (from: number, to: number): PairPart => ({ ids: ids.slice(from, to), types: types.slice(from, to) });
  return {
    first: part(at, at + first.length), second: part(bt, bt + second.length),
    before: part(0, at), between: part(at + first.length, bt), after: part(bt + second.length, ids.length),
  };
}

/**
 * The pair with `remove` tokens cut from the end of the first text: tokenizers' truncation
 * ONLY_FIRST (each text encoded alone, the first truncated, direction right, then the template).
 * A first text of `remove` tokens or fewer cannot make room: as tokenizers' "sequence to truncate
 * too short", an error.
 */
export function truncateFirst(layout: PairLayout, remove: number, call: string): PairPart {
  const { before, first, between, second, after } = layout;
  const keep = first.ids.length - remove;
  if (keep < 1) {
    throw new InvalidArgumentError(`${call}: the pair is ${remove} tokens too long and its first text has only ` +
      `${first.ids.length}: the second text and the template's tokens alone do not fit the model`);
  }
  const parts = [before, { ids: first.ids.slice(0, keep), types: first.types.slice(0, keep) }, between, second, after];
  return { ids: parts.flatMap((p) => p.ids), types: parts.flatMap((p) => p.types) };
}
