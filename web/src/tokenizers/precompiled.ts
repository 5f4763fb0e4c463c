/**
 * The Precompiled normalizer: SentencePiece's normalization rules (nmt_nfkc
 * for most models: NFKC, plus control characters dropped and odd spaces made
 * " ") compiled into the model as `precompiled_charsmap`, as Hugging Face
 * tokenizers applies them (the spm_precompiled crate):
 *
 * - the charsmap is a little-endian u32 byte length of a Darts-clone double
 *   array, that array (u32 units, keys are UTF-8 bytes, values are offsets
 *   into the pool), then the pool of NUL-terminated replacement strings;
 * - the text is cut into extended grapheme clusters; a cluster shorter than 6
 *   UTF-8 bytes is replaced by the first (shortest) rule matching a prefix of
 *   it, and otherwise each of its characters is looked up alone and kept when
 *   no rule matches.
 *
 * SentencePiece itself takes the longest rule at each byte instead; the two
 * differ only when a rule matches the start of a cluster but not all of it
 * (e.g. "ﬁ" + U+0301: Hugging Face drops the accent), which qkv reproduces as
 * Hugging Face does since tokenizer.json files are Hugging Face's format.
 */
import { type AlignedString, type Change, makeNormalizer, type Normalizer } from './aligned.js';
import { bad } from './tokenizer-json.js';

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Bytes of a base64 string, without relying on Buffer (browsers) or atob's latin-1 string. */
function fromBase64(text: string, path: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw bad(`${path}.precompiled_charsmap`, 'base64', text);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** UTF-8 length of the code point `c`. */
function utf8Length(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/** A precompiled charsmap: its rules in a Darts-clone trie over UTF-8 bytes, and their replacements. */
export class CharsMap {
  private readonly units: Uint32Array;
  private readonly pool: Uint8Array;
  private readonly replacements = new Map<number, string>();
  /** Whether some rule starts with this byte: most ASCII text skips the trie walk. */
  private readonly startsRule = new Uint8Array(256);

  constructor(bytes: Uint8Array, path: string) {
    const field = `${path}.precompiled_charsmap`;
    if (bytes.length < 4) throw bad(field, 'a charsmap (4-byte trie size, trie, strings)', `${bytes.length} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || trieSize === 0 || 4 + trieSize > bytes.length) {
      throw bad(field, 'a charsmap whose trie fits in it', `a trie of ${trieSize} bytes in ${bytes.length}`);
    }
    this.units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.pool = bytes.subarray(4 + trieSize);
    for (let b = 1; b < 256; b++) {
      const root = this.units[0]!;
      const pos = (offset(root) ^ b) >>> 0;
      this.startsRule[b] = pos < this.units.length && label(this.units[pos]!) === b ? 1 : 0;
    }
  }

  /** Whether a rule could start with the first UTF-8 byte of the code point `c`. */
  mayStart(c: number): boolean {
    const first = c < 0x80 ? c : c < 0x800 ? 0xc0 | (c >> 6) : c < 0x10000 ? 0xe0 | (c >> 12) : 0xf0 | (c >> 18);
    return this.startsRule[first] === 1;
  }

  /**
   * The replacement of the shortest rule matching a prefix of `text[from, to)`,
   * or undefined. Walks the UTF-8 bytes of the code points as they are read.
   */
  firstMatch(text: string, from: number, to: number): string | undefined {
    const units = this.units;
    let pos = offset(units[0]!);
    const bytes = [0, 0, 0, 0];
    for (let i = from; i < to;) {
      const c = text.codePointAt(i)!;
      i += c > 0xffff ? 2 : 1;
      const n = utf8Length(c);
      if (n === 1) bytes[0] = c;
      else {
        for (let k = 1; k < n; k++) bytes[k] = 0x80 | ((c >> (6 * (n - 1 - k))) & 0x3f);
        bytes[0] = (n === 2 ? 0xc0 : n === 3 ? 0xe0 : 0xf0) | (c >> (6 * (n - 1)));
      }
      for (let k = 0; k < n; k++) {
        const b = bytes[k]!;
        // Like Darts-clone's C-string search, a NUL byte ends the key.
        if (b === 0) return undefined;
        pos = (pos ^ b) >>> 0;
        if (pos >= units.length) return undefined;
        const unit = units[pos]!;
        if (label(unit) !== b) return undefined;
        pos = (pos ^ offset(unit)) >>> 0;
        if ((unit >>> 8) & 1) {
          if (pos >= units.length) return undefined;
          return this.replacement(units[pos]! & 0x7fffffff);
        }
      }
    }
    return undefined;
  }

  /**
   * SentencePiece's own lookup (normalizer.cc): the longest rule matching a prefix of `bytes[from..]`,
   * as its length in bytes and its replacement, or undefined.
   */
  longestMatch(bytes: Uint8Array, from: number): { length: number; replacement: string } | undefined {
    const units = this.units;
    let pos = offset(units[0]!);
    let length = 0;
    let value = 0;
    for (let i = from; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0) break;
      pos = (pos ^ b) >>> 0;
      if (pos >= units.length) break;
      const unit = units[pos]!;
      if (label(unit) !== b) break;
      pos = (pos ^ offset(unit)) >>> 0;
      if ((unit >>> 8) & 1) {
        if (pos >= units.length) break;
        length = i + 1 - from;
        value = units[pos]! & 0x7fffffff;
      }
    }
    return length === 0 ? undefined : { length, replacement: this.replacement(value) };
  }

  private replacement(start: number): string {
    let s = this.replacements.get(start);
    if (s === undefined) {
      let end = start;
      while (end < this.pool.length && this.pool[end] !== 0) end++;
      s = start < this.pool.length ? utf8.decode(this.pool.subarray(start, end)) : '';
      this.replacements.set(start, s);
    }
    return s;
  }
}

// Darts-clone's unit layout: label in the low byte (bit 31 marks a leaf unit), has_leaf at bit 8,
// offset in bits 10..31, scaled by 2^8 when bit 9 is set.
function label(unit: number): number {
  return (unit & 0x800000ff) >>> 0;
}
function offset(unit: number): number {
  return ((unit >>> 10) << ((unit & 0x200) >>> 6)) >>> 0;
}

let segmenter: Intl.Segmenter | undefined;
const WINDOW = 256;

/**
 * Calls `cluster(start, end)` for each extended grapheme cluster of `text`.
 * V8's Intl.Segmenter slows down quadratically on long strings, so the text
 * is segmented in windows: every cluster of a window but its last is final,
 * and the next window starts where that last one did (a true boundary, from
 * which segmentation goes on as it would over the whole text).
 */
function forEachGrapheme(text: string, cluster: (start: number, end: number) => void): void {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let start = 0;
  let window = WINDOW;
  while (start < text.length) {
    const end = Math.min(text.length, start + window);
    const last = end === text.length;
    let previous = -1; // start of the cluster not yet known to be whole
    for (const { index } of segmenter.segment(text.slice(start, end))) {
      if (previous >= 0) cluster(start + previous, start + index);
      previous = index;
    }
    if (last) {
      cluster(start + previous, text.length);
      return;
    }
    // One cluster filled the window (a base with many marks): look further before cutting it.
    window = previous === 0 ? window * 2 : WINDOW;
    start += previous;
  }
}

/**
 * Calls `replaceAt(from, to, replacement)`, in order, for each part of `text` the charsmap
 * rewrites, grapheme by grapheme as Hugging Face does.
 */
function forEachRewrite(map: CharsMap, text: string, replaceAt: (from: number, to: number, replacement: string) => void): void {
  /** One cluster text[from, to): as a whole when short, else character by character. */
  const cluster = (from: number, to: number, bytes: number): void => {
    if (bytes < 6) {
      const whole = map.firstMatch(text, from, to);
      if (whole !== undefined) {
        replaceAt(from, to, whole);
        return;
      }
    }
    for (let i = from; i < to;) {
      const c = text.codePointAt(i)!;
      const next = i + (c > 0xffff ? 2 : 1);
      const r = map.mayStart(c) ? map.firstMatch(text, i, next) : undefined;
      if (r !== undefined) replaceAt(i, next, r);
      i = next;
    }
  };
  if (/^[\x00-\x7f]*$/.test(text)) {
    // ASCII: every character is its own cluster, except CR LF.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) {
        cluster(i, i + 2, 2);
        i++;
      } else if (map.mayStart(c)) cluster(i, i + 1, 1);
    }
  } else {
    forEachGrapheme(text, (start, end) => {
      if (end - start === 1 && !map.mayStart(text.charCodeAt(start))) return;
      let bytes = 0;
      for (let i = start; i < end && bytes < 6; i++) {
        const u = text.charCodeAt(i);
        // A surrogate pair is 4 bytes, counted 2 per half.
        bytes += u < 0x80 ? 1 : u < 0x800 ? 2 : u >= 0xd800 && u < 0xe000 ? 2 : 3;
      }
      cluster(start, end, bytes);
    });
  }
}

/** Normalizes `text` with the charsmap. */
function normalize(map: CharsMap, text: string): string {
  let out = '';
  let copied = 0; // text[copied, i) is unchanged so far and not yet in out
  forEachRewrite(map, text, (from, to, replacement) => {
    out += text.slice(copied, from) + replacement;
    copied = to;
  });
  return copied === 0 ? text : out + text.slice(copied);
}

/** normalize() with alignments, with the changes Hugging Face's Precompiled::normalize gives each rewrite. */
function alignedNormalize(map: CharsMap, s: AlignedString): void {
  const text = s.text;
  const changes: Change[] = [];
  let copied = 0;
  let modified = false;
  const keep = (to: number): void => {
    for (const c of text.slice(copied, to)) changes.push([c, 0]);
  };
  forEachRewrite(map, text, (from, to, replacement) => {
    modified = true;
    keep(from);
    const added = Array.from(replacement);
    const diff = added.length - Array.from(text.slice(from, to)).length;
    for (const c of added) changes.push([c, 0]);
    // More characters: the last `diff` are inserted; fewer: the last one written also removes the rest
    // (Hugging Face's replace(), even when that last one belongs to an earlier rewrite).
    if (diff > 0) for (let k = changes.length - diff; k < changes.length; k++) changes[k]![1] = 1;
    else if (diff < 0 && changes.length > 0) changes[changes.length - 1]![1] += diff;
    copied = to;
  });
  if (!modified) return;
  keep(text.length);
  s.transform(changes);
}

/** The Precompiled normalizer of `precompiled_charsmap` (base64, as tokenizer.json writes it). */
export function precompiledNormalizer(charsmap: unknown, path: string): Normalizer {
  if (typeof charsmap !== 'string') throw bad(`${path}.precompiled_charsmap`, 'a base64 string', charsmap);
  const map = new CharsMap(fromBase64(charsmap, path), path);
  return makeNormalizer((text) => normalize(map, text), (s) => alignedNormalize(map, s));
}
