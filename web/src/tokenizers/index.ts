/**
 * Tokenizers read from a Hugging Face tokenizer.json. Supported so far: BPE
 * over GPT-2's byte-level alphabet with the ByteLevel pre-tokenizer (GPT-2
 * and models that reuse its tokenizer). Added tokens (e.g. <|endoftext|>)
 * are matched in the text before pre-tokenization, as Hugging Face does.
 */
import { FormatError, InvalidArgumentError, UnsupportedError } from '../errors.js';
import { Bpe } from './bpe.js';
import { pushTokenBytes, toByteChars } from './byte-level.js';

export interface DecodeOptions {
  /** Leave out special added tokens such as <|endoftext|> (default false). */
  skip_special_tokens?: boolean;
}

/** Turns ids into text one at a time, holding back bytes of a character split across tokens. */
export interface DecodeStream {
  /** The text this token completes ('' while a multi-byte character is incomplete). */
  push(id: number): string;
  /** Whatever is held back, with U+FFFD for an incomplete character. */
  flush(): string;
}

export interface Tokenizer {
  /** Ids for `text`, exactly as Hugging Face's tokenizer (without a post-processor's extra tokens). */
  encode(text: string): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  createDecodeStream(options?: DecodeOptions): DecodeStream;
  /** The token's string as the vocabulary writes it (byte-level characters for BPE), for labels. */
  idToToken(id: number): string;
  /** One more than the largest id. */
  readonly vocabSize: number;
}

// GPT-2's pre-tokenizer (OpenAI's encoder.py, Hugging Face's ByteLevel use_regex).
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string, expected: string, found: unknown): FormatError {
  const text = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 60) ?? String(found);
  return new FormatError(`tokenizer.json: ${field} must be ${expected}, found ${text}`);
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
}

function readVocab(model: Json): Map<string, number> {
  if (!isObject(model.vocab)) throw bad('model.vocab', 'an object mapping tokens to ids', model.vocab);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!isId(id)) throw bad(`model.vocab["${token}"]`, 'a non-negative integer id', id);
    vocab.set(token, id);
  }
  return vocab;
}

function readMerges(model: Json): [string, string][] {
  if (!Array.isArray(model.merges)) throw bad('model.merges', 'an array', model.merges);
  return model.merges.map((m: unknown, i: number): [string, string] => {
    // Older files write "a b"; newer ones [a, b] (which allows spaces inside tokens).
    if (typeof m === 'string') {
      const space = m.indexOf(' ', 1);
      if (space < 0) throw bad(`model.merges[${i}]`, 'two tokens separated by a space', m);
      return [m.slice(0, space), m.slice(space + 1)];
    }
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]];
    }
    throw bad(`model.merges[${i}]`, 'a pair of tokens', m);
  });
}

function readAddedTokens(json: Json): AddedToken[] {
  const list = json.added_tokens ?? [];
  if (!Array.isArray(list)) throw bad('added_tokens', 'an array', list);
  return list.map((t: unknown, i: number) => {
    if (!isObject(t) || !isId(t.id) || typeof t.content !== 'string' || t.content === '') {
      throw bad(`added_tokens[${i}]`, 'an object with an integer id and non-empty content', t);
    }
    return { id: t.id, content: t.content, special: t.special === true };
  });
}

function readPreTokenizer(json: Json): { addPrefixSpace: boolean } {
  const pre = json.pre_tokenizer;
  if (!isObject(pre) || pre.type !== 'ByteLevel') {
    const type = isObject(pre) ? String(pre.type) : JSON.stringify(pre);
    throw new UnsupportedError(`tokenizer.json: pre_tokenizer ${type} is not supported yet; qkv reads ByteLevel (GPT-2)`);
  }
  if (pre.use_regex === false) {
    throw new UnsupportedError('tokenizer.json: ByteLevel pre_tokenizer with use_regex false is not supported');
  }
  return { addPrefixSpace: pre.add_prefix_space === true };
}

class ByteLevelBpeTokenizer implements Tokenizer {
  readonly vocabSize: number;
  private readonly bpe: Bpe;
  private readonly idToString: string[] = [];
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedSplit: RegExp | undefined;
  private readonly addedByContent = new Map<string, AddedToken>();

  constructor(
    private readonly vocab: Map<string, number>,
    merges: [string, string][],
    added: AddedToken[],
    private readonly addPrefixSpace: boolean,
    private readonly ignoreMerges: boolean,
  ) {
    this.bpe = new Bpe(merges);
    for (const [token, id] of vocab) this.idToString[id] = token;
    for (const t of added) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
      this.idToString[t.id] = t.content;
    }
    this.vocabSize = this.idToString.length;
    if (added.length > 0) {
      // Longest first, so a token that contains another wins.
      const alternatives = [...this.addedByContent.keys()]
        .sort((a, b) => b.length - a.length)
        .map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.addedSplit = new RegExp(`(${alternatives.join('|')})`);
    }
  }

  encode(text: string): number[] {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`encode: text must be a string, got ${text === null ? 'null' : typeof text}`);
    }
    const ids: number[] = [];
    const segments = this.addedSplit ? text.split(this.addedSplit) : [text];
    segments.forEach((segment, i) => {
      // split() with a capture group alternates text and matched added tokens.
      if (this.addedSplit && i % 2 === 1) {
        ids.push(this.addedByContent.get(segment)!.id);
        return;
      }
      if (segment === '') return;
      const prefixed = this.addPrefixSpace && i === 0 && !segment.startsWith(' ') ? ` ${segment}` : segment;
      for (const match of prefixed.matchAll(GPT2_SPLIT)) this.encodeWord(toByteChars(match[0]), ids);
    });
    return ids;
  }

  private encodeWord(word: string, ids: number[]): void {
    const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
    if (whole !== undefined) {
      ids.push(whole);
      return;
    }
    for (const piece of this.bpe.split(word)) {
      const id = this.vocab.get(piece);
      if (id === undefined) {
        throw new FormatError(`tokenizer.json: the merges produce "${piece}", which is not in model.vocab`);
      }
      ids.push(id);
    }
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const stream = this.createDecodeStream(options);
    let text = '';
    for (const id of ids) text += stream.push(id);
    return text + stream.flush();
  }

  createDecodeStream(options: DecodeOptions = {}): DecodeStream {
    const skipSpecial = options.skip_special_tokens === true;
    const decoder = new TextDecoder('utf-8');
    return {
      push: (id: number): string => {
        this.checkId(id);
        const added = this.addedById.get(id);
        if (added) {
          const pending = decoder.decode(); // ends any partial character before the added token
          return added.special && skipSpecial ? pending : pending + added.content;
        }
        const bytes: number[] = [];
        if (!pushTokenBytes(this.idToString[id]!, bytes)) {
          throw new FormatError(`tokenizer.json: token ${id} ("${this.idToString[id]}") is not byte-level text`);
        }
        return decoder.decode(Uint8Array.from(bytes), { stream: true });
      },
      flush: (): string => decoder.decode(),
    };
  }

  idToToken(id: number): string {
    this.checkId(id);
    return this.idToString[id]!;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.idToString[id] === undefined) {
      throw new InvalidArgumentError(`token id ${id} is not in the vocabulary (ids 0 to ${this.vocabSize - 1})`);
    }
  }
}

/** Builds a tokenizer from the parsed contents of a tokenizer.json. */
export function createTokenizer(json: unknown): Tokenizer {
  if (!isObject(json)) throw bad('the document', 'a JSON object', json);
  const model = json.model;
  if (!isObject(model)) throw bad('model', 'an object', model);
  if (model.type !== 'BPE') {
    throw new UnsupportedError(`tokenizer.json: model type ${JSON.stringify(model.type)} is not supported yet; qkv reads BPE`);
  }
  if (model.byte_fallback === true) {
    throw new UnsupportedError('tokenizer.json: BPE with byte_fallback (SentencePiece style) is not supported yet');
  }
  const { addPrefixSpace } = readPreTokenizer(json);
  return new ByteLevelBpeTokenizer(readVocab(model), readMerges(model), readAddedTokens(json), addPrefixSpace,
    model.ignore_merges === true);
}
