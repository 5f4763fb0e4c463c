/**
 * BPE over GPT-2's byte-level alphabet with the ByteLevel pre-tokenizer (GPT-2
 * and models that reuse its tokenizer). Added tokens (e.g. <|endoftext|>) are
 * matched in the text before pre-tokenization, as Hugging Face does.
 */
import { FormatError, InvalidArgumentError, UnsupportedError } from '../errors.js';
import { Bpe } from './bpe.js';
import { pushTokenBytes, toByteChars } from './byte-level.js';
import { type AddedToken, type Json, isObject, readAddedTokens, readMerges, readVocab } from './tokenizer-json.js';
import type { DecodeOptions, DecodeStream, Tokenizer } from './types.js';

// GPT-2's pre-tokenizer (OpenAI's encoder.py, Hugging Face's ByteLevel use_regex).
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

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

/** The byte-level BPE tokenizer of a tokenizer.json whose model is BPE without byte fallback. */
export function createByteLevelBpe(json: Json, model: Json): Tokenizer {
  const { addPrefixSpace } = readPreTokenizer(json);
  return new ByteLevelBpeTokenizer(readVocab(model), readMerges(model), readAddedTokens(json), addPrefixSpace,
    model.ignore_merges === true);
}
