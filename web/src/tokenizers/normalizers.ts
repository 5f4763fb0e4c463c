/**
 * tokenizer.json `normalizer`s. Each is a plain string transform, which
 * encode() uses, and an `aligned` form that also keeps every character's
 * place in the original text (Hugging Face's NormalizedString), which
 * encodeWithOffsets() uses; the two give the same text.
 */
import { type AlignedString, makeNormalizer, type Normalizer } from './aligned.js';
import { alignedBertNormalize, bertNormalize } from './bert.js';
import { charToByteChars, toByteChars } from './byte-level.js';
import { lowercase } from './lowercase.js';
import { compilePattern } from './onig-regex.js';
import { precompiledNormalizer } from './precompiled.js';
import { bad, checkSequenceDepth, readArray, readOptional, readPattern, readString, readType, unsupportedType } from './tokenizer-json.js';
import { alignedUnicodeForm } from './unicode-forms.js';

export type { Normalizer } from './aligned.js';

const isWhitespace = (c: string): boolean => /^\p{White_Space}$/u.test(c);
const isNonspacingMark = (c: string): boolean => /^\p{Mn}$/u.test(c);

/** HF's NormalizedString::lrstrip: whitespace removed at the ends, the rest keeping its alignments. */
function alignedStrip(s: AlignedString, left: boolean, right: boolean): void {
  const chars = Array.from(s.text);
  let lead = 0;
  if (left) while (lead < chars.length && isWhitespace(chars[lead]!)) lead++;
  let trail = 0;
  if (right) while (trail < chars.length - lead && isWhitespace(chars[chars.length - 1 - trail]!)) trail++;
  if (lead === 0 && trail === 0) return;
  const kept = chars.slice(lead, chars.length - trail).map((c, i, all): [string, number] => [c, i === all.length - 1 ? -trail : 0]);
  s.transform(kept, lead);
}

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
      return makeNormalizer((text) => steps.reduce((t, step) => (step ? step(t) : t), text), (s) => {
        for (const step of steps) step?.aligned(s);
      });
    }
    case 'Prepend': {
      const prefix = readString(n, 'prepend', path);
      return makeNormalizer((text) => (text === '' ? text : prefix + text), (s) => s.prepend(prefix));
    }
    case 'Replace': {
      const pattern = compilePattern(readPattern(n, path), path);
      const content = readString(n, 'content', path);
      return makeNormalizer((text) => text.replace(pattern, () => content), (s) => s.replace(pattern, content));
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return makeNormalizer((text) => text.normalize(type), (s) => alignedUnicodeForm(s, type));
    case 'Lowercase':
      return makeNormalizer(lowercase, (s) => s.mapChars(lowercase));
    case 'Strip': {
      const left = readOptional(n, 'strip_left', path, true);
      const right = readOptional(n, 'strip_right', path, true);
      return makeNormalizer((text) => {
        const t = left ? text.replace(LEADING_SPACE, '') : text;
        return right ? t.replace(TRAILING_SPACE, '') : t;
      }, (s) => alignedStrip(s, left, right));
    }
    case 'StripAccents':
      // Drops nonspacing marks only; it is placed after an NFD normalizer to strip accents.
      return makeNormalizer((text) => text.replace(NONSPACING_MARK, ''), (s) => s.filter((c) => !isNonspacingMark(c)));
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
      return makeNormalizer((text) => bertNormalize(text, options), (s) => alignedBertNormalize(s, options));
    }
    case 'ByteLevel':
      return makeNormalizer(toByteChars, (s) => s.mapChars(charToByteChars));
    case 'Precompiled':
      // SentencePiece's own normalization rules (nmt_nfkc), as T5 and XLM-R files carry them.
      return precompiledNormalizer(n.precompiled_charsmap, path);
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}
