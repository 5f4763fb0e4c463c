/**
 * A piece of normalized text that remembers where each of its characters came
 * from in the original text: Hugging Face tokenizers' NormalizedString
 * (tokenizer/normalizer.rs), with its alignment rules, so that offsets come out
 * as Python's return_offsets_mapping gives them.
 *
 * Hugging Face keeps one (start, end) per UTF-8 byte of the normalized string,
 * in bytes of the original; this keeps one per UTF-16 unit, in UTF-16 units of
 * the original. Every unit of a character gets the same alignment (as every
 * byte does there), and original offsets always fall on character boundaries,
 * so the two describe the same spans.
 */

/** One character of a transform's output and how it relates to the text it replaces (Hugging Face's `changes`). */
export type Change = [char: string, change: number];

export class AlignedString {
  /**
   * `starts[i]`, `ends[i]`: the original span of the normalized unit `i`. `origin` is where this
   * piece starts in the original, the alignment of a character inserted before all others.
   */
  constructor(public text: string, public starts: number[], public ends: number[], public origin: number) {}

  /** `text` unchanged, starting at `offset` of the original. */
  static identity(text: string, offset: number): AlignedString {
    const starts = new Array<number>(text.length);
    const ends = new Array<number>(text.length);
    for (let i = 0; i < text.length; i++) {
      const pair = isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1));
      starts[i] = offset + i;
      ends[i] = offset + i + (pair ? 2 : 1);
      if (pair) {
        starts[i + 1] = offset + i;
        ends[i + 1] = offset + i + 2;
        i++;
      }
    }
    return new AlignedString(text, starts, ends, offset);
  }

  /** The original span of the normalized range [start, end) (NormalizedString::convert_offsets). */
  original(start: number, end: number): [number, number] {
    if (start === end || this.text.length === 0) return [this.origin, this.origin];
    return [this.starts[start]!, this.ends[end - 1]!];
  }

  /** The normalized range [start, end) as its own piece (NormalizedString::slice). */
  slice(start: number, end: number): AlignedString {
    const origin = start < end ? this.starts[start]! : this.origin;
    return new AlignedString(this.text.slice(start, end), this.starts.slice(start, end), this.ends.slice(start, end), origin);
  }

  /**
   * Replaces the normalized range [from, to) by `changes` (NormalizedString::transform_range): a
   * change of 0 replaces the next character, -n replaces it and removes n more, 1 inserts a character
   * aligned as the one before it. `initialRemoved` characters are removed first.
   */
  transformRange(from: number, to: number, changes: Iterable<Change>, initialRemoved: number): void {
    const old = this.text;
    let offset = from; // the next unit of the old text to be consumed
    const skip = (count: number): void => {
      for (let k = 0; k < count && offset < to; k++) offset += charLength(old, offset);
    };
    skip(initialRemoved);
    let text = '';
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [c, change] of changes) {
      let start: number;
      let end: number;
      if (change > 0) {
        [start, end] = offset < 1 ? [this.origin, this.origin] : [this.starts[offset - 1]!, this.ends[offset - 1]!];
      } else {
        [start, end] = [this.starts[offset]!, this.ends[offset]!];
        skip(1 - change);
      }
      text += c;
      for (let k = 0; k < c.length; k++) {
        starts.push(start);
        ends.push(end);
      }
    }
    this.text = old.slice(0, from) + text + old.slice(to);
    // Not splice(from, n, ...starts): a long text's arrays are more arguments than a call can take.
    this.starts = from === 0 && to === old.length ? starts : this.starts.slice(0, from).concat(starts, this.starts.slice(to));
    this.ends = from === 0 && to === old.length ? ends : this.ends.slice(0, from).concat(ends, this.ends.slice(to));
  }

  transform(changes: Iterable<Change>, initialRemoved = 0): void {
    this.transformRange(0, this.text.length, changes, initialRemoved);
  }

  /** Puts `prefix` before a non-empty text, aligned with its first character (NormalizedString::prepend). */
  prepend(prefix: string): void {
    if (this.text === '') return;
    const first = charLength(this.text, 0);
    const changes: Change[] = Array.from(prefix, (c, i): Change => [c, i === 0 ? 0 : 1]);
    changes.push([this.text.slice(0, first), 1]);
    this.transformRange(0, first, changes, 0);
  }

  /**
   * Keeps the characters `keep` accepts, each with its own alignment (NormalizedString::filter, whose
   * changes keep a kept character's alignment and drop the removed ones'), in one pass.
   */
  filter(keep: (c: string) => boolean): void {
    this.mapChars((c) => (keep(c) ? c : ''));
  }

  /**
   * Each character replaced by `map(c)`, every unit of which is aligned with `c`: Hugging Face's
   * changes for it (the first replacing `c`, the others inserted after it, so aligned as it is), in
   * one pass. A character mapped to '' is removed.
   */
  mapChars(map: (c: string) => string): void {
    const old = this.text;
    let text = '';
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    for (let i = 0; i < old.length;) {
      const n = charLength(old, i);
      const c = n === 1 ? old[i]! : old.slice(i, i + 2);
      const d = map(c);
      if (d !== c && starts === undefined) {
        // The first change: the units before it keep their alignments.
        starts = this.starts.slice(0, i);
        ends = this.ends.slice(0, i);
      }
      if (starts !== undefined) {
        for (let k = 0; k < d.length; k++) {
          starts.push(this.starts[i]!);
          ends!.push(this.ends[i]!);
        }
      }
      text += d;
      i += n;
    }
    if (starts === undefined) return; // nothing changed
    this.text = text;
    this.starts = starts;
    this.ends = ends!;
  }

  /**
   * Each match of `regex` (global) replaced by `content`, every unit of it aligned with the match's last
   * character, or for an empty match with the character before it (NormalizedString::replace, which
   * transforms each match's range with the content as inserted characters), in one pass.
   */
  replace(regex: RegExp, content: string): void {
    const old = this.text;
    let text = '';
    const starts: number[] = [];
    const ends: number[] = [];
    let done = 0;
    const copy = (to: number): void => {
      text += old.slice(done, to);
      for (let i = done; i < to; i++) {
        starts.push(this.starts[i]!);
        ends.push(this.ends[i]!);
      }
    };
    for (const m of old.matchAll(regex)) {
      const start = m.index;
      const end = start + m[0].length;
      copy(start);
      const from = end - 1; // the unit whose alignment the content takes
      const [s, e] = from < 0 ? [this.origin, this.origin] : [this.starts[from]!, this.ends[from]!];
      text += content;
      for (let k = 0; k < content.length; k++) {
        starts.push(s);
        ends.push(e);
      }
      done = end;
    }
    if (done === 0 && text === '') return;
    copy(old.length);
    this.text = text;
    this.starts = starts;
    this.ends = ends;
  }
}

/** A normalizer: a plain string transform, and the same in place on an AlignedString. */
export interface Normalizer {
  (text: string): string;
  aligned(s: AlignedString): void;
}

export function makeNormalizer(plain: (text: string) => string, aligned: (s: AlignedString) => void): Normalizer {
  return Object.assign((text: string) => plain(text), { aligned });
}

function isHigh(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff;
}

function isLow(u: number): boolean {
  return u >= 0xdc00 && u <= 0xdfff;
}

/** 2 for a surrogate pair at `i`, else 1. */
export function charLength(text: string, i: number): number {
  return isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
}
