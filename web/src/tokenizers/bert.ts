/**
 * BERT's text handling before WordPiece: the BertNormalizer and the
 * BertPreTokenizer of Hugging Face tokenizers (normalizers/bert.rs,
 * pre_tokenizers/bert.rs).
 *
 * Like the rest of qkv's tokenizers this uses the JS engine's Unicode tables
 * (qkv ships no Unicode tables of its own). Hugging Face's BERT code alone classifies
 * characters with the Rust crate unicode_categories 0.1.1, whose tables date
 * from Unicode 8/9: against Hugging Face tokenizers 0.23.2 and Node 20, 658 of
 * the 1.1M code points are read differently, all characters assigned or
 * re-categorized since (e.g. U+2E43 and later punctuation, nonspacing marks of
 * newer scripts, U+0890 and U+0891 format characters). Every other code point
 * gives the same ids.
 */
import type { AlignedString } from './aligned.js';
import { lowercase } from './lowercase.js';
import { alignedUnicodeForm } from './unicode-forms.js';

// clean_text drops NUL, U+FFFD and "other" characters (Cc, Cf, Co) except \t \n \r, which count as whitespace.
const CONTROL = /[\0\ufffd]|(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}]/gu;
const WHITESPACE = /\p{White_Space}/gu;
// The CJK ideograph blocks BERT puts spaces around (is_chinese_char), verbatim.
const CJK = /[\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}]/gu;
const NONSPACING_MARK = /\p{Mn}/gu;
// Punctuation: Unicode P* or any ASCII punctuation (BERT counts $ + < = > ^ ` | ~ too).
const PUNCTUATION = '\\p{P}!-\\/:-@\\[-`{-~';
// Each punctuation character alone, or a run of anything else that is not whitespace.
const BERT_WORD = new RegExp(`[${PUNCTUATION}]|[^${PUNCTUATION}\\p{White_Space}]+`, 'gu');

export interface BertNormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean;
  lowercase: boolean;
}

export function bertNormalize(text: string, options: BertNormalizerOptions): string {
  let s = text;
  if (options.cleanText) s = s.replace(CONTROL, '').replace(WHITESPACE, ' ');
  if (options.handleChineseChars) s = s.replace(CJK, ' $& ');
  // Accents go by decomposing and dropping the nonspacing marks; the text stays decomposed.
  if (options.stripAccents) s = s.normalize('NFD').replace(NONSPACING_MARK, '');
  if (options.lowercase) s = lowercase(s);
  return s;
}

const test = (regex: RegExp, c: string): boolean => {
  regex.lastIndex = 0;
  return regex.test(c);
};

/** bertNormalize with alignments, step by step as Hugging Face's BertNormalizer transforms its NormalizedString. */
export function alignedBertNormalize(s: AlignedString, options: BertNormalizerOptions): void {
  // Each step only when the text has something for it to do (the plain regexes test the whole text fast).
  if (options.cleanText && (test(CONTROL, s.text) || /(?! )\p{White_Space}/u.test(s.text))) {
    s.filter((c) => !test(CONTROL, c));
    s.mapChars((c) => (test(WHITESPACE, c) ? ' ' : c));
  }
  if (options.handleChineseChars && test(CJK, s.text)) s.mapChars((c) => (test(CJK, c) ? ` ${c} ` : c));
  if (options.stripAccents) {
    alignedUnicodeForm(s, 'NFD');
    s.filter((c) => !test(NONSPACING_MARK, c));
  }
  if (options.lowercase) s.mapChars(lowercase);
}

/** Words split on whitespace (dropped) and on every punctuation character (kept alone). */
export function bertPreTokenize(text: string): string[] {
  return Array.from(text.matchAll(BERT_WORD), (m) => m[0]);
}

/** bertPreTokenize's words as [start, end) ranges of `text`. */
export function bertWordRanges(text: string): [number, number][] {
  return Array.from(text.matchAll(BERT_WORD), (m) => [m.index, m.index + m[0].length]);
}
