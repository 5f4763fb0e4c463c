/**
 * SentencePiece's decode (SentencePieceProcessor::Decode), token by token:
 *
 * - control pieces (<s>, </s>) write nothing; the unknown piece writes the
 *   model's unk_surface (" ⁇ ");
 * - a run of byte pieces (<0xNN>) is read as UTF-8, each byte that does not
 *   begin a valid character becoming one U+FFFD (Hugging Face's ByteFallback
 *   replaces a whole invalid run instead);
 * - "▁" is a space, except that the first piece's leading "▁" (the dummy
 *   prefix) is dropped; with remove_extra_whitespaces, as long as nothing
 *   has been written, each piece drops one leading "▁" (so "▁", "▁", "▁x"
 *   is "x"). Control pieces do not count; unknown and byte pieces do.
 *
 * A run of bytes is held back only until its characters are complete, so a
 * stream gives the same text as a whole decode.
 */
import type { DecoderFactory } from './decoders.js';

const SPACE_SYMBOL = '\u2581';
const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;
const REPLACEMENT = '\ufffd';
// ignoreBOM: a U+FEFF in the text is a character like any other, not a byte-order mark to drop.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export interface SpmDecoderPieces {
  control: ReadonlySet<string>;
  unknown: string;
  unkSurface: string;
  /** Whether the string is a piece of the model: any other (convertTokensToString) is written as it is. */
  isPiece: (token: string) => boolean;
  /** The byte pieces by string (only pieces of type BYTE). */
  bytes: ReadonlySet<string>;
  /** normalizer_spec.add_dummy_prefix / remove_extra_whitespaces: whether decode drops leading "▁"s. */
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
}

/**
 * The length of the valid UTF-8 character starting at `bytes[i]`; 0 when
 * the bytes so far could still begin one but end too soon; -1 when invalid.
 */
function charLength(bytes: readonly number[], i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : -1;
  if (n < 0) return -1;
  for (let k = 1; k < n; k++) {
    if (i + k >= bytes.length) return 0;
    const c = bytes[i + k]!;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = k > 1 ? 0x80 : b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = k > 1 ? 0xbf : b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (c < low || c > high) return -1;
  }
  return n;
}

/** Decodes the complete characters at the front of `bytes` (all of them when `final`) and removes them. */
function takeUtf8(bytes: number[], final: boolean): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = charLength(bytes, i);
    if (n === 0 && !final) break;
    if (n <= 0) {
      out += REPLACEMENT;
      i++;
    } else {
      out += utf8.decode(Uint8Array.from(bytes.slice(i, i + n)));
      i += n;
    }
  }
  bytes.splice(0, i);
  return out;
}

export function spmDecoder(pieces: SpmDecoderPieces): DecoderFactory {
  return () => {
    // Whether a leading "▁" is still dropped: at the start, or (removeExtraWhitespaces) until some text is written.
    let atStart = pieces.addDummyPrefix || pieces.removeExtraWhitespaces;
    const pending: number[] = [];
    return {
      push(token) {
        if (pieces.bytes.has(token)) {
          atStart = false;
          pending.push(parseInt(BYTE_PIECE.exec(token)![1]!, 16));
          return takeUtf8(pending, false);
        }
        const before = takeUtf8(pending, true);
        if (pieces.control.has(token)) return before;
        if (token === pieces.unknown || !pieces.isPiece(token)) {
          // DecodePieces takes a string that is no piece as the unknown piece, spelled as given.
          atStart = false;
          return before + (token === pieces.unknown ? pieces.unkSurface : token);
        }
        const text = atStart && token.startsWith(SPACE_SYMBOL) ? token.slice(1) : token;
        atStart &&= pieces.removeExtraWhitespaces && text === '';
        return before + text.replaceAll(SPACE_SYMBOL, ' ');
      },
      flush: () => takeUtf8(pending, true),
    };
  };
}
