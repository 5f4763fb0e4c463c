/**
 * tokenizer.json `pre_tokenizer`s: each cuts a piece of normalized text into
 * the words the model sees one at a time.
 */
import { bertPreTokenize } from './bert.js';
import { toByteChars } from './byte-level.js';
import { metaspacePreTokenizer } from './metaspace.js';
import { compilePattern, translateOnigRegex } from './onig-regex.js';
import { SPLIT_BEHAVIORS, type SplitBehavior, splitWithBehavior } from './split.js';
import { bad, checkSequenceDepth, readArray, readOptional, readPattern, readType, unsupportedType } from './tokenizer-json.js';

/**
 * Words of one piece of text. `atStart` is true when the piece begins the
 * input (not after an added token), which Metaspace's prepend_scheme "first" needs.
 */
export type PreTokenizer = (piece: string, atStart: boolean) => string[];

const SUPPORTED = ['ByteLevel', 'Split', 'Metaspace', 'WhitespaceSplit', 'BertPreTokenizer', 'Sequence'];

const WHITESPACE = /\p{White_Space}+/u;

// GPT-2's pattern (OpenAI's encoder.py; ByteLevel with use_regex), in tokenizer.json's Oniguruma syntax.
const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const GPT2_SPLIT = new RegExp(translateOnigRegex(GPT2_PATTERN), 'gu');

function byteLevel(p: Record<string, unknown>, path: string): PreTokenizer {
  const addPrefixSpace = readOptional(p, 'add_prefix_space', path, true);
  const useRegex = readOptional(p, 'use_regex', path, true);
  return (piece) => {
    const text = addPrefixSpace && !piece.startsWith(' ') ? ` ${piece}` : piece;
    const words = useRegex ? Array.from(text.matchAll(GPT2_SPLIT), (m) => m[0]) : [text];
    return words.map(toByteChars);
  };
}

function split(p: Record<string, unknown>, path: string): PreTokenizer {
  const regex = compilePattern(readPattern(p, path), path);
  const behavior = p.behavior;
  if (!SPLIT_BEHAVIORS.includes(behavior as SplitBehavior)) {
    throw bad(`${path}.behavior`, `one of ${SPLIT_BEHAVIORS.join(', ')}`, behavior);
  }
  const invert = readOptional(p, 'invert', path, false);
  return (piece) => splitWithBehavior(piece, regex, behavior as SplitBehavior, invert);
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
      return (piece, atStart) =>
        steps.reduce<string[]>((words, step) => (step ? words.flatMap((w, i) => step(w, atStart && i === 0)) : words), [piece]);
    }
    case 'ByteLevel':
      return byteLevel(p, path);
    case 'Split':
      return split(p, path);
    case 'Metaspace':
      return metaspacePreTokenizer(p, path);
    case 'WhitespaceSplit':
      // Words between runs of whitespace, the whitespace dropped (T5's files put it before Metaspace).
      return (piece) => piece.split(WHITESPACE).filter((w) => w !== '');
    case 'BertPreTokenizer':
      return bertPreTokenize;
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}
