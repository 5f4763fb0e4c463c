/**
 * SentencePiece's "▁" (U+2581) for spaces, as the Metaspace pre-tokenizer and
 * decoder of Hugging Face tokenizers write it (pre_tokenizers/metaspace.rs).
 * Older LLaMA files do the same with a Prepend + Replace normalizer instead;
 * the two differ only at the edges (see prepend_scheme below).
 */
import type { AlignedString } from './aligned.js';
import { makePreTokenizer, type PreTokenizer } from './pre-tokenizers.js';
import { escapeRegExp } from './onig-regex.js';
import { splitRanges, splitWithBehavior } from './split.js';
import { bad, type Json, readChar, readOptional } from './tokenizer-json.js';

/**
 * When to put a ▁ before a piece that does not start with one: always, only
 * for the piece at the very start of the input ("first": not after an added
 * token such as <s>), or never. Older files say add_prefix_space (true = always).
 */
type PrependScheme = 'always' | 'first' | 'never';

function readPrependScheme(p: Json, path: string): PrependScheme {
  const scheme = p.prepend_scheme;
  if (scheme === undefined || scheme === null) return readOptional(p, 'add_prefix_space', path, true) ? 'always' : 'never';
  if (scheme === 'always' || scheme === 'first' || scheme === 'never') return scheme;
  throw bad(`${path}.prepend_scheme`, '"always", "first" or "never"', scheme);
}

export function metaspacePreTokenizer(p: Json, path: string): PreTokenizer {
  const replacement = readChar(p, 'replacement', path);
  const scheme = readPrependScheme(p, path);
  const split = readOptional(p, 'split', path, true);
  const marker = new RegExp(escapeRegExp(replacement), 'gu');
  const prepend = (text: string, atStart: boolean): boolean =>
    !text.startsWith(replacement) && (scheme === 'always' || (scheme === 'first' && atStart));
  return makePreTokenizer((piece, atStart) => {
    let text = piece.replaceAll(' ', replacement);
    if (prepend(text, atStart)) text = replacement + text;
    // With split, every ▁ starts a new word.
    return split ? splitWithBehavior(text, marker, 'MergedWithNext') : [text];
  }, (piece: AlignedString, atStart) => {
    piece.replace(/ /g, replacement);
    if (prepend(piece.text, atStart)) piece.prepend(replacement);
    return split ? splitRanges(piece.text, marker, 'MergedWithNext').map(([a, b]) => piece.slice(a, b)) : [piece];
  });
}

/** The Metaspace decoder for one token: ▁ -> space, except in the first token, where the added ▁ is dropped. */
export function metaspaceDecoder(p: Json, path: string): (token: string, index: number) => string {
  const replacement = readChar(p, 'replacement', path);
  const scheme = readPrependScheme(p, path);
  return (token, index) => token.replaceAll(replacement, index === 0 && scheme !== 'never' ? '' : ' ');
}
