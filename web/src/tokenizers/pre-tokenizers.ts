/**
 * tokenizer.json `pre_tokenizer`s: each cuts a piece of normalized text into
 * the words the model sees one at a time.
 */
import type { AlignedString } from './aligned.js';
import { bertPreTokenize, bertWordRanges } from './bert.js';
import { charToByteChars, toByteChars } from './byte-level.js';
import { metaspacePreTokenizer } from './metaspace.js';
import { compilePattern, translateOnigRegex } from './onig-regex.js';
import { SPLIT_BEHAVIORS, type SplitBehavior, splitRanges, splitWithBehavior } from './split.js';
import { bad, checkSequenceDepth, readArray, readOptional, readPattern, readType, unsupportedType } from './tokenizer-json.js';

/**
 * Words of one piece of text. `atStart` is true when the piece begins the
 * input (not after an added token), which Metaspace's prepend_scheme "first" needs.
 */
export interface PreTokenizer {
  (piece: string, atStart: boolean): string[];
  /** The same words as aligned pieces (the piece may be changed in place), for offsets. */
  aligned(piece: AlignedString, atStart: boolean): AlignedString[];
}

export function makePreTokenizer(plain: (piece: string, atStart: boolean) => string[],
  aligned: (piece: AlignedString, atStart: boolean) => AlignedString[]): PreTokenizer {
  return Object.assign((piece: string, atStart: boolean) => plain(piece, atStart), { aligned });
}

/** The pieces of `piece` at the [start, end) ranges `ranges` finds in its text. */
function slices(ranges: (text: string) => [number, number][]): (piece: AlignedString) => AlignedString[] {
  return (piece) => ranges(piece.text).map(([start, end]) => piece.slice(start, end));
}

const matchRanges = (regex: RegExp) => (text: string): [number, number][] =>
  Array.from(text.matchAll(regex), (m) => [m.index, m.index + m[0].length]);

const SUPPORTED = ['ByteLevel', 'Split', 'Metaspace', 'WhitespaceSplit', 'BertPreTokenizer', 'Sequence'];

const NOT_WHITESPACE = /\P{White_Space}+/gu;

// GPT-2's pattern (OpenAI's encoder.py; ByteLevel with use_regex), in tokenizer.json's Oniguruma syntax.
const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const GPT2_SPLIT = new RegExp(translateOnigRegex(GPT2_PATTERN), 'gu');

function byteLevel(p: Record<string, unknown>, path: string): PreTokenizer {
  const addPrefixSpace = readOptional(p, 'add_prefix_space', path, true);
  const useRegex = readOptional(p, 'use_regex', path, true);
  return makePreTokenizer((piece) => {
    const text = addPrefixSpace && !piece.startsWith(' ') ? ` ${piece}` : piece;
    const words = useRegex ? Array.from(text.matchAll(GPT2_SPLIT), (m) => m[0]) : [text];
    return words.map(toByteChars);
  }, (piece) => {
    if (addPrefixSpace && !piece.text.startsWith(' ')) piece.prepend(' ');
    const words = useRegex ? slices(matchRanges(GPT2_SPLIT))(piece) : [piece];
    for (const word of words) word.mapChars(charToByteChars);
    return words;
  });
}

function split(p: Record<string, unknown>, path: string): PreTokenizer {
  const regex = compilePattern(readPattern(p, path), path);
  const behavior = p.behavior;
  if (!SPLIT_BEHAVIORS.includes(behavior as SplitBehavior)) {
    throw bad(`${path}.behavior`, `one of ${SPLIT_BEHAVIORS.join(', ')}`, behavior);
  }
  const invert = readOptional(p, 'invert', path, false);
  return makePreTokenizer((piece) => splitWithBehavior(piece, regex, behavior as SplitBehavior, invert),
    slices((text) => splitRanges(text, regex, behavior as SplitBehavior, invert)));
}

/** The pre-tokenizer at `path` in tokenizer.json, or null when there is none. */
export function createPreTokenizer(json: unknown, path: string, depth = 0): PreTokenizer | null {
  if (json === null || json === undefined) return null;
  const type = readType(json, path);
  const p = json as Record<string, unknown>;
  switch (type) {
    case 'Sequence': {
      checkSequenceDepth(depth, path);
      const steps = readArray(p, 'pretokenizers', path).map((s, i) => createPreTokenizer(s, `${path}.pretokenizers[${i}]`, depth + 1));
      return makePreTokenizer((piece, atStart) =>
        steps.reduce<string[]>((words, step) => (step ? words.flatMap((w, i) => step(w, atStart && i === 0)) : words), [piece]),
      (piece, atStart) => steps.reduce<AlignedString[]>((words, step) =>
        (step ? words.flatMap((w, i) => step.aligned(w, atStart && i === 0)) : words), [piece]));
    }
    case 'ByteLevel':
      return byteLevel(p, path);
    case 'Split':
      return split(p, path);
    case 'Metaspace':
      return metaspacePreTokenizer(p, path);
    case 'WhitespaceSplit':
      // Words between runs of whitespace, the whitespace dropped (T5's files put it before Metaspace).
      return makePreTokenizer((piece) => piece.match(NOT_WHITESPACE) ?? [], slices(matchRanges(NOT_WHITESPACE)));
    case 'BertPreTokenizer':
      return makePreTokenizer(bertPreTokenize, slices(bertWordRanges));
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}
