/**
 * tokenizer.json `normalizer`s as plain string transforms. Hugging Face's
 * normalizers also track offsets into the original text; qkv returns ids
 * only, so a string in, a string out is enough.
 */
import { bertNormalize } from './bert.js';
import { toByteChars } from './byte-level.js';
import { lowercase } from './lowercase.js';
import { compilePattern } from './onig-regex.js';
import { precompiledNormalizer } from './precompiled.js';
import { bad, checkSequenceDepth, readArray, readOptional, readPattern, readString, readType, unsupportedType } from './tokenizer-json.js';

export type Normalizer = (text: string) => string;

const SUPPORTED = ['Sequence', 'Prepend', 'Replace', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'Strip', 'StripAccents',
  'BertNormalizer', 'ByteLevel', 'Precompiled'];

const LEADING_SPACE = /^\p{White_Space}+/u;
const TRAILING_SPACE = /\p{White_Space}+$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

/** The normalizer at `path` in tokenizer.json, or null when there is none. */
export function createNormalizer(json: unknown, path: string, depth = 0): Normalizer | null {
  if (json === null || json === undefined) return null;
  const type = readType(json, path);
  const n = json as Record<string, unknown>;
  switch (type) {
    case 'Sequence': {
      checkSequenceDepth(depth, path);
      const steps = readArray(n, 'normalizers', path).map((s, i) => createNormalizer(s, `${path}.normalizers[${i}]`, depth + 1));
      return (text) => steps.reduce((t, step) => (step ? step(t) : t), text);
    }
    case 'Prepend': {
      const prefix = readString(n, 'prepend', path);
      return (text) => (text === '' ? text : prefix + text);
    }
    case 'Replace': {
      const pattern = compilePattern(readPattern(n, path), path);
      const content = readString(n, 'content', path);
      return (text) => text.replace(pattern, () => content);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (text) => text.normalize(type);
    case 'Lowercase':
      return lowercase;
    case 'Strip': {
      const left = readOptional(n, 'strip_left', path, true);
      const right = readOptional(n, 'strip_right', path, true);
      return (text) => {
        const t = left ? text.replace(LEADING_SPACE, '') : text;
        return right ? t.replace(TRAILING_SPACE, '') : t;
      };
    }
    case 'StripAccents':
      // Drops nonspacing marks only; it is placed after an NFD normalizer to strip accents.
      return (text) => text.replace(NONSPACING_MARK, '');
    case 'BertNormalizer': {
      const lower = readOptional(n, 'lowercase', path, true);
      const stripAccents = n.strip_accents;
      if (stripAccents !== null && stripAccents !== undefined && typeof stripAccents !== 'boolean') {
        throw bad(`${path}.strip_accents`, 'a boolean or null', stripAccents);
      }
      const options = {
        cleanText: readOptional(n, 'clean_text', path, true),
        handleChineseChars: readOptional(n, 'handle_chinese_chars', path, true),
        // null means "as lowercase": uncased BERT strips accents, cased BERT keeps them.
        stripAccents: stripAccents ?? lower,
        lowercase: lower,
      };
      return (text) => bertNormalize(text, options);
    }
    case 'ByteLevel':
      return toByteChars;
    case 'Precompiled':
      // SentencePiece's own normalization rules (nmt_nfkc), as T5 and XLM-R files carry them.
      return precompiledNormalizer(n.precompiled_charsmap, path);
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}
