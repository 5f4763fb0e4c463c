/**
 * model.fillMaskLogits(): the vocabulary logits of a *ForMaskedLM head (src/models/heads/masked_lm.cc)
 * at the mask tokens of each text. The head runs in wasm on the mask positions only (one
 * vocabulary-wide product per mask, not per token); texts are encoded together, each attending to itself.
 */
import { requireCapability } from '../capabilities.js';
import { encodeBatches } from '../encode-batches.js';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { Tokenizer } from '../tokenizers/index.js';
import type { EncoderContext } from './context.js';

/** One text's ids (special tokens included), where its masks are, and their logits [masks, nVocab]. */
export interface MaskedLmResult {
  ids: number[];
  /** Indices into ids of the mask tokens, in order. */
  maskPositions: number[];
  logits: Float32Array;
  dims: [number, number];
}

/** The tokenizer's mask token and id, or an error naming what is missing. */
export function maskTokenOf(tokenizer: Tokenizer, call: string): { token: string; id: number } {
  const token = tokenizer.mask_token;
  if (token === undefined) {
    throw new UnsupportedError(`${call}: the tokenizer does not define a mask_token (tokenizer_config.json names none)`);
  }
  const id = tokenizer.mask_token_id;
  if (id === undefined) throw new UnsupportedError(`${call}: the mask_token ${token} is not in the tokenizer's vocabulary`);
  return { token, id };
}

/** See Model.fillMaskLogits. */
export async function maskedLmLogits(ctx: EncoderContext, texts: string | readonly string[]): Promise<MaskedLmResult[]> {
  const { info, tokenizer } = ctx;
  requireCapability(info, 'fill-mask', 'model.fillMaskLogits()');
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) {
    throw new InvalidArgumentError('fillMaskLogits: expected a string or a non-empty array of strings');
  }
  const mask = maskTokenOf(tokenizer, 'fillMaskLogits');
  const sequences = list.map((text, i) => {
    const ids = tokenizer.encode(text);
    if (ids.length > info.nCtx) {
      throw new InvalidArgumentError(`fillMaskLogits: text ${i} is ${ids.length} tokens; this model reads at most ${info.nCtx}`);
    }
    const maskPositions = ids.flatMap((id, at) => (id === mask.id ? [at] : []));
    if (maskPositions.length === 0) {
      throw new InvalidArgumentError(`fillMaskLogits: no mask_token (${mask.token}) found in text ${i}: ${JSON.stringify(text)}`);
    }
    return { ids, maskPositions };
  });
  const nVocab = info.nVocab;
  return ctx.withHandle((handle) => {
    const out: MaskedLmResult[] = [];
    for (const [first, last] of encodeBatches(sequences.map((s) => s.ids.length))) {
      const batch = sequences.slice(first, last);
      let offset = 0;
      const positions: number[] = [];
      for (const s of batch) {
        positions.push(...s.maskPositions.map((p) => p + offset));
        offset += s.ids.length;
      }
      const logits = ctx.backend.call(() =>
        handle.maskedLm(Int32Array.from(batch.flatMap((s) => s.ids)), batch.map((s) => s.ids.length), positions));
      let row = 0;
      for (const s of batch) {
        const n = s.maskPositions.length;
        out.push({ ...s, logits: logits.slice(row * nVocab, (row + n) * nVocab), dims: [n, nVocab] });
        row += n;
      }
    }
    return out;
  });
}
