/**
 * The fill-mask pipeline's post-processing, as transformers' pipelines/fill_mask.py: softmax over
 * the vocabulary at each mask, restricted to the targets' ids when given (not renormalized), the
 * top_k best; each proposition's sequence is the text's ids with that mask filled, decoded without
 * special tokens when the text has one mask (with several, the others and [CLS]/[SEP] stay, as
 * Python keeps them). One list per mask when a text has several.
 */
import type { MaskedLmResult } from './encoder/fill-mask.js';
import { InvalidArgumentError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';
import { requireTokenizer } from './tokenizers/id-only.js';

export interface FillMaskOptions {
  /** How many tokens to return per mask (default 5; capped at the number of targets). */
  top_k?: number;
  /**
   * Score only these tokens. A target not in the vocabulary is tokenized and its first sub-token used
   * (with a warning), as Python does; duplicates count once.
   */
  targets?: string | readonly string[];
}

export interface FillMaskOutput {
  /** The probability of the token at the mask (softmax over the whole vocabulary). */
  score: number;
  token: number;
  token_str: string;
  /** The text with the mask filled (decoded from the ids). */
  sequence: string;
}

/** One text's propositions (a list per mask when it has several), or one of those per text. */
export type FillMaskResults = FillMaskOutput[] | FillMaskOutput[][] | (FillMaskOutput[] | FillMaskOutput[][])[];

/** What the pipeline needs of a model (a Model, or a WorkerModel on a worker). */
export interface MaskFiller {
  readonly tokenizer: Tokenizer | null;
  fillMaskLogits(texts: string | readonly string[]): Promise<MaskedLmResult[]>;
}

function topK(options: FillMaskOptions): number {
  const k = options.top_k ?? 5;
  if (!Number.isInteger(k) || k < 1) {
    throw new InvalidArgumentError(`fill-mask: top_k must be a positive integer, got ${JSON.stringify(k)}`);
  }
  return k;
}

/** get_target_ids: each target's id, or its first sub-token's; duplicates once. */
export function targetIds(tokenizer: Tokenizer, targets: string | readonly string[]): number[] {
  const list = typeof targets === 'string' ? [targets] : targets;
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string')) {
    throw new InvalidArgumentError('fill-mask: targets must be a string or an array of strings');
  }
  const ids = new Set<number>();
  for (const target of list) {
    let id = tokenizer.tokenToId(target);
    if (id === undefined) {
      id = tokenizer.encode(target, { add_special_tokens: false })[0];
      if (id === undefined) {
        console.warn(`qkv: fill-mask: the target ${JSON.stringify(target)} is not in the vocabulary and tokenizes ` +
          'to nothing; ignoring it');
        continue;
      }
      console.warn(`qkv: fill-mask: the target ${JSON.stringify(target)} is not in the vocabulary; using its first ` +
        `token ${JSON.stringify(tokenizer.idToToken(id))}`);
    }
    ids.add(id);
  }
  if (ids.size === 0) throw new InvalidArgumentError('fill-mask: at least one target must be given when targets are');
  return [...ids];
}

function softmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; ++i) sum += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; ++i) out[i]! /= sum;
  return out;
}

/** The propositions for every mask of one text's logits. */
export function fillMaskPropositions(tokenizer: Tokenizer, result: MaskedLmResult, k: number,
  targets: readonly number[] | null): FillMaskOutput[][] {
  const { ids, maskPositions, logits, dims: [, nVocab] } = result;
  const single = maskPositions.length === 1;
  const pad = tokenizer.pad_token_id;
  return maskPositions.map((position, m) => {
    const probs = softmax(logits.subarray(m * nVocab, (m + 1) * nVocab));
    const candidates = targets ?? Array.from({ length: nVocab }, (_, i) => i);
    const best = [...candidates].sort((a, b) => probs[b]! - probs[a]! || a - b).slice(0, k);
    return best.map((token) => {
      const filled = ids.map((id, at) => (at === position ? token : id));
      const kept = pad === undefined ? filled : filled.filter((id) => id !== pad);
      return {
        score: probs[token]!,
        token,
        token_str: tokenizer.decode([token]),
        sequence: tokenizer.decode(kept, { skip_special_tokens: single }),
      };
    });
  });
}

/** The pipeline's call: a text gives a list (a list per mask with several); an array, one of those per text. */
export async function fillMask(model: MaskFiller, texts: string | readonly string[],
  options: FillMaskOptions = {}): Promise<FillMaskResults> {
  const k = topK(options);
  const tokenizer = requireTokenizer(model.tokenizer, 'fill-mask');
  const targets = options.targets === undefined ? null : targetIds(tokenizer, options.targets);
  const results = await model.fillMaskLogits(texts);
  const shaped = results.map((r) => {
    const perMask = fillMaskPropositions(tokenizer, r, k, targets);
    return perMask.length === 1 ? perMask[0]! : perMask;
  });
  return typeof texts === 'string' ? shaped[0]! : shaped;
}
