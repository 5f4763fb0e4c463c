/**
 * GPT-2's byte-level alphabet: every byte maps to one printable Unicode
 * character, so BPE can work on strings while covering arbitrary bytes
 * (bytes_to_unicode in OpenAI's encoder.py; Hugging Face's ByteLevel).
 */
function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  for (const b of printable) map[b] = String.fromCharCode(b);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (map[b] === undefined) map[b] = String.fromCharCode(256 + next++);
  }
  return map;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** The UTF-8 bytes of `text`, each as its byte-level character. */
export function toByteChars(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** toByteChars of one character (a code point), without a TextEncoder call, for the offsets path. */
export function charToByteChars(c: string): string {
  const p = c.codePointAt(0)!;
  if (p < 0x80) return BYTE_TO_CHAR[p]!;
  if (p < 0x800) return BYTE_TO_CHAR[0xc0 | (p >> 6)]! + BYTE_TO_CHAR[0x80 | (p & 0x3f)]!;
  // A lone surrogate is encoded as U+FFFD, as TextEncoder does.
  const q = p >= 0xd800 && p < 0xe000 ? 0xfffd : p;
  if (q < 0x10000) return BYTE_TO_CHAR[0xe0 | (q >> 12)]! + BYTE_TO_CHAR[0x80 | ((q >> 6) & 0x3f)]! + BYTE_TO_CHAR[0x80 | (q & 0x3f)]!;
  return BYTE_TO_CHAR[0xf0 | (q >> 18)]! + BYTE_TO_CHAR[0x80 | ((q >> 12) & 0x3f)]! + BYTE_TO_CHAR[0x80 | ((q >> 6) & 0x3f)]!
    + BYTE_TO_CHAR[0x80 | (q & 0x3f)]!;
}

/**
 * The bytes a token stands for: each character mapped back through the
 * alphabet. A token with a character outside the alphabet (an added token
 * such as "日本") stands for its own UTF-8, as in Hugging Face's ByteLevel decoder.
 */
export function tokenBytes(token: string): Uint8Array {
  const bytes = new Uint8Array(token.length);
  let n = 0;
  for (const ch of token) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b === undefined) return utf8.encode(token);
    bytes[n++] = b;
  }
  return bytes.subarray(0, n);
}
