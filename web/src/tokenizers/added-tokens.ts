/**
 * Added tokens (<s>, <|im_start|>, [CLS] …) are found in the text before the
 * model sees it, as Hugging Face's AddedVocabulary::extract_and_normalize does:
 * first the tokens marked `normalized: false` in the raw text, then the
 * normalizer runs on each remaining piece, then the `normalized: true` tokens
 * are found in the normalized pieces.
 */
import { UnsupportedError } from '../errors.js';
import { AlignedString } from './aligned.js';
import { escapeRegExp } from './onig-regex.js';
import type { Normalizer } from './normalizers.js';
import type { AddedToken } from './tokenizer-json.js';

/** A piece of the input: an added token's id, or normalized text for the pre-tokenizer and model. */
export type Segment = { id: number } | { text: string; atStart: boolean };

/** A piece of the input for offsets: an added token with its span in the original text, or aligned normalized text. */
export type AlignedSegment = { id: number; offsets: [number, number] } | { piece: AlignedString; atStart: boolean };

type Piece = { id: number; start: number; end: number } | { text: string; offset: number };

// Rust regex's Unicode \w and \s, which Hugging Face uses for single_word, lstrip and rstrip.
const WORD_CHAR = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const TRAILING_SPACE = /\p{White_Space}*$/u;
const LEADING_SPACE = /^\p{White_Space}*/u;

/** Finds one set of added tokens, leftmost and then longest first. */
class TokenMatcher {
  private readonly byContent = new Map<string, AddedToken>();
  private readonly regex: RegExp | undefined;

  /** `contentOf` gives the string to look for (the content itself, or its normalized form). */
  constructor(tokens: AddedToken[], contentOf: (t: AddedToken) => string) {
    for (const t of tokens) {
      const content = contentOf(t);
      if (content !== '' && !this.byContent.has(content)) this.byContent.set(content, t);
    }
    // Longest first, so that at any position the longest token wins.
    const alternatives = [...this.byContent.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    if (alternatives.length > 0) this.regex = new RegExp(alternatives.join('|'), 'gu');
    // V8 compiles a regex at its first use and refuses one too large to
    // compile (a token of ~32k characters is enough): fail here, while the
    // file is read, rather than with a SyntaxError from encode().
    try {
      this.regex?.exec('');
    } catch {
      const longest = alternatives.reduce((n, a) => Math.max(n, a.length), 0);
      throw new UnsupportedError(`tokenizer.json: the ${alternatives.length} added tokens (the longest ${longest} characters `
        + 'as a pattern) make a regular expression too large for this JavaScript engine');
    }
  }

  /** `text` cut into added tokens and the text between them (skipping empty text). */
  split(text: string): Piece[] {
    if (!this.regex || text === '') return text === '' ? [] : [{ text, offset: 0 }];
    const out: Piece[] = [];
    let done = 0; // end of the last token taken
    this.regex.lastIndex = 0;
    for (let m = this.regex.exec(text); m; m = this.regex.exec(text)) {
      const token = this.byContent.get(m[0])!;
      let start = m.index;
      let stop = start + m[0].length;
      if (token.singleWord && (WORD_CHAR.test(lastChar(text, start)) || WORD_CHAR.test(firstChar(text, stop)))) continue;
      if (token.lstrip) start = Math.max(done, TRAILING_SPACE.exec(text.slice(0, start))!.index);
      if (token.rstrip) stop += LEADING_SPACE.exec(text.slice(stop))![0].length;
      if (done < start) out.push({ text: text.slice(done, start), offset: done });
      out.push({ id: token.id, start, end: stop });
      done = stop;
      this.regex.lastIndex = stop;
    }
    if (done < text.length) out.push({ text: text.slice(done), offset: done });
    return out;
  }
}

function lastChar(text: string, end: number): string {
  return Array.from(text.slice(Math.max(0, end - 2), end)).pop() ?? '';
}

function firstChar(text: string, start: number): string {
  return String.fromCodePoint(text.codePointAt(start) ?? 0x20);
}

export class AddedTokenSplitter {
  private readonly raw: TokenMatcher;
  private readonly normalized: TokenMatcher;

  constructor(tokens: AddedToken[], private readonly normalizer: Normalizer | null) {
    this.raw = new TokenMatcher(tokens.filter((t) => !t.normalized), (t) => t.content);
    // A normalized token is looked for in its normalized spelling, as Hugging Face does.
    this.normalized = new TokenMatcher(tokens.filter((t) => t.normalized), (t) => (normalizer ? normalizer(t.content) : t.content));
  }

  split(text: string): Segment[] {
    const out: Segment[] = [];
    for (const piece of this.raw.split(text)) {
      if ('id' in piece) {
        out.push(piece);
        continue;
      }
      const normalized = this.normalizer ? this.normalizer(piece.text) : piece.text;
      for (const sub of this.normalized.split(normalized)) {
        out.push('id' in sub ? { id: sub.id } : { text: sub.text, atStart: piece.offset === 0 && sub.offset === 0 });
      }
    }
    return out;
  }

  /** split() with each piece aligned to `text`, for offsets. */
  splitAligned(text: string): AlignedSegment[] {
    const out: AlignedSegment[] = [];
    for (const piece of this.raw.split(text)) {
      if ('id' in piece) {
        out.push({ id: piece.id, offsets: [piece.start, piece.end] });
        continue;
      }
      const aligned = AlignedString.identity(piece.text, piece.offset);
      this.normalizer?.aligned(aligned);
      for (const sub of this.normalized.split(aligned.text)) {
        if ('id' in sub) out.push({ id: sub.id, offsets: aligned.original(sub.start, sub.end) });
        else {
          const part = aligned.slice(sub.offset, sub.offset + sub.text.length);
          out.push({ piece: part, atStart: piece.offset === 0 && sub.offset === 0 });
        }
      }
    }
    return out;
  }
}
