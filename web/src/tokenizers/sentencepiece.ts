/**
 * A tokenizer from a SentencePiece model file alone (`tokenizer.model`,
 * `spiece.model`, Marian's `source.spm`), encoding and decoding as the
 * sentencepiece library's EncodeAsIds / DecodeIds do, from qkv's own parts:
 *
 * - SentencePiece's normalizer (spm-normalizer.ts) with the file's
 *   precompiled charsmap (precompiled.ts), spaces as "▁";
 * - the model on the normalized text (cut before each "▁" where that
 *   changes nothing, see wordSplitter): Unigram (unigram.ts, only normal
 *   pieces matchable) or BPE (bpe.ts, merges ranked by the joined piece's
 *   score as gguf-spm.ts makes them); unknown runs fuse into one unknown
 *   piece, or become byte pieces with byte_fallback;
 * - SentencePiece's decode (spm-decoder.ts).
 *
 * User-defined pieces are split off before the rest as added tokens (as
 * Hugging Face's converter does); SentencePiece matches them inside its
 * normalized text, which differs only in the spaces next to them. No special
 * tokens are added (EncodeAsIds adds none); control pieces are never matched
 * in text and decode to nothing.
 */
import { FormatError, QkvError, UnsupportedError } from '../errors.js';
import { AddedTokenSplitter } from './added-tokens.js';
import { BpeModel } from './bpe.js';
import type { TokenizerConfig } from './chat-template.js';
import { sentencePieceMerges } from './gguf-spm.js';
import { metaspacePreTokenizer } from './metaspace.js';
import { createPostProcessor } from './post-processors.js';
import type { PreTokenizer } from './pre-tokenizers.js';
import { CharsMap } from './precompiled.js';
import {
  PieceType, readSentencePieceModel, type SentencePieceModel, SpmModelType,
} from './sentencepiece-model.js';
import { spmDecoder } from './spm-decoder.js';
import { spmNormalizer } from './spm-normalizer.js';
import { PipelineTokenizer, type TokenizerModel } from './tokenizer.js';
import type { AddedToken } from './tokenizer-json.js';
import type { Tokenizer } from './types.js';
import { UnigramModel } from './unigram.js';

const MODEL_NAMES: Record<number, string> = { 1: 'UNIGRAM', 2: 'BPE', 3: 'WORD', 4: 'CHAR' };

function buildModel(model: SentencePieceModel, file: string): TokenizerModel {
  const { pieces, trainerSpec: spec } = model;
  const unk = pieces[spec.unkId]!.piece;
  if (spec.modelType === SpmModelType.UNIGRAM) {
    return new UnigramModel({
      vocab: pieces.map((p) => [p.piece, p.score]), unk_id: spec.unkId, byte_fallback: spec.byteFallback,
    }, (id) => pieces[id]!.type === PieceType.NORMAL || pieces[id]!.type === PieceType.USER_DEFINED);
  }
  if (spec.modelType === SpmModelType.BPE) {
    const tokens = pieces.map((p) => p.piece);
    const vocab = new Map(tokens.map((t, id) => [t, id]));
    const scores = Float32Array.from(pieces, (p) => p.score);
    const types = Int32Array.from(pieces, (p) => p.type);
    return new BpeModel({
      type: 'BPE', vocab, merges: sentencePieceMerges(tokens, vocab, scores, types), unk_token: unk, fuse_unk: true,
      byte_fallback: spec.byteFallback,
    });
  }
  throw new UnsupportedError(`${file}: SentencePiece model type ${MODEL_NAMES[spec.modelType]} is not supported; qkv reads UNIGRAM and BPE`);
}

const SPACE_SYMBOL = '\u2581';

/**
 * The library runs its model on the whole normalized text. When no piece has
 * a "▁" past its first character (split_by_whitespace, the trainer's
 * default) and "▁" is a piece, no piece and no unknown run crosses the start
 * of a "▁", so cutting the text before each one gives the same pieces, and
 * lets the model cache words.
 */
function wordSplitter(model: SentencePieceModel): PreTokenizer | null {
  if (!model.normalizerSpec.escapeWhitespaces) return null;
  const pieces = model.pieces;
  if (!pieces.some((p) => p.piece === SPACE_SYMBOL && p.type === PieceType.NORMAL)) return null;
  if (pieces.some((p) => p.piece.indexOf(SPACE_SYMBOL, 1) > 0)) return null;
  return metaspacePreTokenizer({ replacement: SPACE_SYMBOL, prepend_scheme: 'never', split: true }, 'pre_tokenizer');
}

/** A SentencePiece model's tokenizer, and its pieces as the library's EncodeAsPieces gives them. */
export interface SentencePieceProcessor {
  tokenizer: Tokenizer;
  /**
   * The pieces of `text`, an unknown one spelled as the normalized text it
   * stands for (not "<unk>"): Marian looks these strings up in its own vocabulary.
   */
  encodeAsPieces(text: string): string[];
}

/**
 * The tokenizer of a parsed SentencePiece model. `config` (from
 * tokenizer_config.json) gives the special-token strings and chat template.
 */
export function tokenizerFromSentencePieceModel(model: SentencePieceModel, file = 'SentencePiece model',
  config?: TokenizerConfig): Tokenizer {
  return sentencePieceProcessor(model, file, config).tokenizer;
}

export function sentencePieceProcessor(model: SentencePieceModel, file = 'SentencePiece model',
  config?: TokenizerConfig): SentencePieceProcessor {
  const { pieces, trainerSpec: spec, normalizerSpec } = model;
  if (spec.treatWhitespaceAsSuffix) throw new UnsupportedError(`${file}: treat_whitespace_as_suffix is not supported`);
  let map: CharsMap | null = null;
  if (normalizerSpec.precompiledCharsmap.length > 0) {
    try {
      map = new CharsMap(normalizerSpec.precompiledCharsmap, 'normalizer_spec');
    } catch (e) {
      if (!(e instanceof QkvError)) throw e;
      throw new FormatError(`${file}: ${e.message.replace(/^tokenizer\.json: /, '')}`, { cause: e });
    }
  }
  const normalizer = spmNormalizer(normalizerSpec, map);
  const addedTokens: AddedToken[] = [];
  pieces.forEach((p, id) => {
    if (p.type === PieceType.USER_DEFINED) {
      addedTokens.push({ id, content: p.piece, special: false, normalized: false, lstrip: false, rstrip: false, singleWord: false });
    }
  });
  const byType = (type: PieceType): Set<string> => new Set(pieces.filter((p) => p.type === type).map((p) => p.piece));
  const tokenizerModel = buildModel(model, file);
  const splitter = new AddedTokenSplitter(addedTokens, normalizer);
  const preTokenizer = wordSplitter(model);
  const tokenizer = new PipelineTokenizer({
    model: tokenizerModel,
    addedTokens,
    normalizer,
    splitter,
    preTokenizer,
    template: createPostProcessor(null, 'post_processor'),
    decoder: spmDecoder({
      control: byType(PieceType.CONTROL), unknown: pieces[spec.unkId]!.piece, unkSurface: spec.unkSurface,
      isPiece: (token) => tokenizerModel.vocab.has(token),
      bytes: byType(PieceType.BYTE), addDummyPrefix: normalizerSpec.addDummyPrefix,
      removeExtraWhitespaces: normalizerSpec.removeExtraWhitespaces,
    }),
  }, config);
  const encodeAsPieces = (text: string): string[] => {
    const out: string[] = [];
    for (const segment of splitter.split(text)) {
      if ('id' in segment) {
        out.push(pieces[segment.id]!.piece);
        continue;
      }
      // The splitter normalizes.
      for (const word of preTokenizer ? preTokenizer(segment.text, segment.atStart) : [segment.text]) {
        const ids: number[] = [];
        const spans: number[] = [];
        tokenizerModel.tokenize(word, ids, spans);
        ids.forEach((id, i) => out.push(id === spec.unkId ? word.slice(spans[2 * i], spans[2 * i + 1]) : pieces[id]!.piece));
      }
    }
    return out;
  };
  return { tokenizer, encodeAsPieces };
}

/**
 * A tokenizer from the bytes of a SentencePiece model file, which `file`
 * names in errors. Throws FormatError for a damaged file, UnsupportedError
 * for a WORD or CHAR model.
 */
export function loadSentencePieceTokenizer(bytes: Uint8Array, file = 'SentencePiece model'): Tokenizer {
  return tokenizerFromSentencePieceModel(readSentencePieceModel(bytes, file), file);
}
