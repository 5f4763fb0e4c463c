/**
 * The ByteFallback decoder: SentencePiece-style vocabularies spell a
 * character they lack as its UTF-8 bytes, one token each ("<0xE6>").
 * Hugging Face turns each run of such tokens into text, and a run that is not
 * valid UTF-8 into one U+FFFD per byte (decoders/byte_fallback.rs).
 */
import type { DecodeStep } from './decoders.js';

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;
const REPLACEMENT = '\ufffd';

function strictUtf8(): TextDecoder {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

/**
 * `exact` (a whole decode) waits for the end of each run, so an invalid run
 * comes out exactly as in Hugging Face. A stream (`exact` false) emits each
 * character as soon as its last byte arrives, and U+FFFD for each byte of a
 * sequence once it cannot be valid, so an invalid run may keep the characters
 * before the bad byte where Hugging Face would replace the whole run.
 */
export function byteFallbackStep(exact: boolean): DecodeStep {
  let run: number[] = []; // bytes not yet emitted
  let utf8 = strictUtf8();
  const endRun = (): string => {
    if (run.length === 0) return '';
    let text: string;
    try {
      text = exact ? strictUtf8().decode(Uint8Array.from(run)) : REPLACEMENT.repeat(run.length);
    } catch {
      text = REPLACEMENT.repeat(run.length);
    }
    run = [];
    utf8 = strictUtf8();
    return text;
  };
  return {
    push(token) {
      const hex = BYTE_TOKEN.exec(token)?.[1];
      if (hex === undefined) return endRun() + token;
      run.push(parseInt(hex, 16));
      if (exact) return '';
      try {
        // One byte at a time: output means a character just completed, with no byte left over.
        const text = utf8.decode(Uint8Array.of(run[run.length - 1]!), { stream: true });
        if (text !== '') run = [];
        return text;
      } catch {
        return endRun();
      }
    },
    flush: endRun,
  };
}
