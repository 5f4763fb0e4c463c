/**
 * SentencePiece's normalizer (normalizer.cc, Normalizer::Normalize), as the
 * library runs it before its model, from a model file's normalizer_spec:
 *
 * - the precompiled charsmap rewrites the text, taking at each byte the
 *   longest rule that matches there (Hugging Face's Precompiled normalizer,
 *   precompiled.ts, matches per grapheme cluster instead);
 * - remove_extra_whitespaces drops spaces at the start and the end and keeps
 *   one of each run, judged on the rewritten text (so a tab that nmt_nfkc
 *   makes a space counts);
 * - add_dummy_prefix puts a space before non-empty text, escape_whitespaces
 *   writes every space as "▁" (U+2581).
 *
 * Each unit of the result remembers where in the original its rewrite
 * started (SentencePiece's norm_to_orig), and a token spans the original from
 * its first unit's place to the next token's: characters a rule removed go
 * with the token before them, and of the pieces one character became ("ﬁ" ->
 * "f", "i"), the last spans it, as the library's offsets do.
 */
import { type AlignedString, makeNormalizer, type Normalizer } from './aligned.js';
import type { CharsMap } from './precompiled.js';
import type { SpmNormalizerSpec } from './sentencepiece-model.js';

const SPACE_SYMBOL = '\u2581';
const utf8 = new TextEncoder();

interface Normalized {
  text: string;
  /** Where in the original each UTF-16 unit of `text` came from, and (last) where the text ends. */
  places: number[];
}

/** UTF-8 length of the code point (a lone surrogate is written as U+FFFD: 3 bytes). */
function utf8Length(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

function normalize(spec: SpmNormalizerSpec, map: CharsMap | null, text: string): Normalized {
  const out: Normalized = { text: '', places: [] };
  const bytes = map ? utf8.encode(text) : undefined;
  let pos = 0; // in UTF-16 units
  let bytePos = 0;
  /** The rewrite of the text at `pos`: the longest rule there, else the character itself. */
  const next = (): { piece: string; units: number; bytes: number } => {
    const match = bytes && map ? map.longestMatch(bytes, bytePos) : undefined;
    if (match) {
      let units = 0;
      let consumed = 0;
      while (consumed < match.length && pos + units < text.length) {
        const c = text.codePointAt(pos + units)!;
        consumed += utf8Length(c);
        units += c > 0xffff ? 2 : 1;
      }
      return { piece: match.replacement, units, bytes: consumed };
    }
    const c = text.codePointAt(pos)!;
    const lone = c >= 0xd800 && c < 0xe000;
    return { piece: lone ? '\ufffd' : String.fromCodePoint(c), units: c > 0xffff ? 2 : 1, bytes: utf8Length(c) };
  };
  const advance = (step: { units: number; bytes: number }): void => {
    pos += step.units;
    bytePos += step.bytes;
  };
  const emit = (piece: string, place: number): void => {
    for (let i = 0; i < piece.length; i++) {
      const c = piece[i]!;
      out.text += c === ' ' && spec.escapeWhitespaces ? SPACE_SYMBOL : c;
      out.places.push(place);
    }
  };
  if (spec.removeExtraWhitespaces) {
    while (pos < text.length) {
      const step = next();
      if (step.piece !== ' ') break;
      advance(step);
    }
  }
  if (pos >= text.length) {
    out.places.push(pos);
    return out;
  }
  if (spec.addDummyPrefix) emit(' ', pos);
  let previousSpace = spec.removeExtraWhitespaces;
  while (pos < text.length) {
    const step = next();
    let piece = step.piece;
    if (previousSpace) piece = piece.replace(/^ +/, '');
    if (piece !== '') {
      emit(piece, pos);
      previousSpace = piece.endsWith(' ');
    }
    advance(step);
    if (!spec.removeExtraWhitespaces) previousSpace = false;
  }
  if (spec.removeExtraWhitespaces) {
    const space = spec.escapeWhitespaces ? SPACE_SYMBOL : ' ';
    let n = out.text.length;
    while (n > 0 && out.text[n - 1] === space) n--;
    if (n < out.text.length) {
      // The text now ends where the first space removed came from.
      pos = out.places[n]!;
      out.text = out.text.slice(0, n);
      out.places.length = n;
    }
  }
  out.places.push(pos);
  return out;
}

/** The normalizer of a model file's normalizer_spec, with its charsmap (null for the identity rules). */
export function spmNormalizer(spec: SpmNormalizerSpec, map: CharsMap | null): Normalizer {
  return makeNormalizer((text) => normalize(spec, map, text).text, (s: AlignedString) => {
    const n = normalize(spec, map, s.text);
    // Places in s.text, mapped to the original through s's own alignments.
    const length = s.text.length;
    const original = (place: number): number => (place < length ? s.starts[place]! : length > 0 ? s.ends[length - 1]! : s.origin);
    const places = n.places.map(original);
    s.text = n.text;
    s.starts = places.slice(0, -1);
    s.ends = places.slice(1);
  });
}
