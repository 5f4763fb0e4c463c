/**
 * tokenizer.json `decoder`s, run as a stream: token strings go in one at a
 * time and text comes out as soon as it is final. Hugging Face applies each
 * decoder to the whole list of tokens; every decoder qkv reads works token by
 * token, except Fuse (everything after it sees one token, the whole text) and
 * the byte decoders, which hold back the bytes of an incomplete character.
 */
import { UnsupportedError } from '../errors.js';
import { byteFallbackStep } from './byte-fallback.js';
import { tokenBytes } from './byte-level.js';
import { metaspaceDecoder } from './metaspace.js';
import { compilePattern } from './onig-regex.js';
import { checkSequenceDepth, type Json, readArray, readChar, readOptional, readPattern, readString, readType, unsupportedType } from './tokenizer-json.js';

/** One decoder of a chain: text of a token (or, after Fuse, of the text so far) in, final text out. */
export interface DecodeStep {
  push(text: string): string;
  /** The end of the tokens: whatever was held back. */
  flush(): string;
}

/**
 * A fresh chain of steps for one decode. `exact`: whole-sequence decode,
 * which may wait for the end of a run of byte tokens to render invalid UTF-8
 * exactly as Hugging Face does; a stream emits each character once complete.
 */
export type DecoderFactory = (exact: boolean) => DecodeStep;

type StepFactory = (exact: boolean) => DecodeStep;

const SUPPORTED = ['ByteLevel', 'Metaspace', 'WordPiece', 'Replace', 'ByteFallback', 'Fuse', 'Strip', 'Sequence'];

function perToken(decode: (token: string, index: number) => string): StepFactory {
  return () => {
    let index = 0;
    return { push: (t) => decode(t, index++), flush: () => '' };
  };
}

/** Strip per token: up to `start` leading and `stop` trailing `content` characters. */
function stripToken(content: string, start: number, stop: number): StepFactory {
  return perToken((token) => {
    const chars = Array.from(token);
    let from = 0;
    while (from < start && chars[from] === content) from++;
    let to = chars.length;
    while (chars.length - to < stop && to > from && chars[to - 1] === content) to--;
    return chars.slice(from, to).join('');
  });
}

/** Strip after Fuse: the start and end of the whole text, holding back trailing `content` until more follows. */
function stripText(content: string, start: number, stop: number): StepFactory {
  return () => {
    let toStrip = start;
    let held = '';
    return {
      push(chunk) {
        let text = chunk;
        while (toStrip > 0 && text !== '') {
          if (!text.startsWith(content)) toStrip = 0;
          else {
            text = text.slice(content.length);
            toStrip--;
          }
        }
        text = held + text;
        let cut = text.length;
        for (let n = 0; n < stop && cut >= content.length && text.startsWith(content, cut - content.length); n++) {
          cut -= content.length;
        }
        held = text.slice(cut);
        return text.slice(0, cut);
      },
      flush: () => '',
    };
  };
}

/** ByteLevel: every token is bytes in GPT-2's alphabet; the text is their UTF-8, invalid bytes as U+FFFD. */
const byteLevelStep: StepFactory = () => {
  // ignoreBOM keeps a leading U+FEFF in the text, as Hugging Face does.
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  return { push: (t) => utf8.decode(tokenBytes(t), { stream: true }), flush: () => utf8.decode() };
};

function wordPiece(d: Json, path: string): StepFactory {
  const prefix = readOptional(d, 'prefix', path, '##');
  const cleanup = readOptional(d, 'cleanup', path, true);
  return perToken((token, index) => {
    let t = token;
    if (index > 0) t = t.startsWith(prefix) ? t.slice(prefix.length) : ` ${t}`;
    return cleanup ? cleanupSpaces(t) : t;
  });
}

/** The English detokenization WordPiece's decoder applies with cleanup (decoders/wordpiece.rs), per token. */
function cleanupSpaces(token: string): string {
  return token.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s").replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

/** The steps of the decoder at `path`; `fused` says whether a Fuse (or ByteLevel) came before. */
function compileSteps(json: unknown, path: string, state: { fused: boolean }, depth = 0): StepFactory[] {
  const type = readType(json, path);
  const d = json as Json;
  if (state.fused && type !== 'Strip' && type !== 'Fuse') {
    throw new UnsupportedError(`tokenizer.json: ${path}.type "${type}" after Fuse or ByteLevel is not supported; only Strip can follow them`);
  }
  switch (type) {
    case 'Sequence':
      checkSequenceDepth(depth, path);
      return readArray(d, 'decoders', path).flatMap((s, i) => compileSteps(s, `${path}.decoders[${i}]`, state, depth + 1));
    case 'Fuse':
      state.fused = true;
      return [];
    case 'ByteLevel':
      state.fused = true;
      return [byteLevelStep];
    case 'ByteFallback':
      return [byteFallbackStep];
    case 'Replace': {
      const pattern = compilePattern(readPattern(d, path), path);
      const content = readString(d, 'content', path);
      return [perToken((t) => t.replace(pattern, () => content))];
    }
    case 'Strip': {
      const content = readChar(d, 'content', path);
      const start = readOptional(d, 'start', path, 0);
      const stop = readOptional(d, 'stop', path, 0);
      return [(state.fused ? stripText : stripToken)(content, start, stop)];
    }
    case 'Metaspace':
      return [perToken(metaspaceDecoder(d, path))];
    case 'WordPiece':
      return [wordPiece(d, path)];
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}

/** Chains steps: each one's output is the next one's input; an empty output stops there. */
function chain(steps: DecodeStep[]): DecodeStep {
  return {
    push(token) {
      let text = token;
      for (const step of steps) {
        if (text === '') return '';
        text = step.push(text);
      }
      return text;
    },
    flush() {
      let text = '';
      for (const step of steps) text = (text === '' ? '' : step.push(text)) + step.flush();
      return text;
    },
  };
}

/** The decoder of tokenizer.json. Without one, Hugging Face joins the tokens with spaces. */
export function createDecoder(json: unknown, path: string): DecoderFactory {
  const steps = json === null || json === undefined
    ? [perToken((t, index) => (index > 0 ? ` ${t}` : t))]
    : compileSteps(json, path, { fused: false });
  return (exact) => chain(steps.map((make) => make(exact)));
}
