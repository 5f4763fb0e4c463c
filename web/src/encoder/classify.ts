/**
 * model.classify() and model.classifyTokens(): the logits of a sequence or token classifier's head,
 * which runs in wasm (src/models/heads/classification.cc), over inputs encoded together, each
 * attending only to itself, so results do not depend on the batch.
 */
import { requireCapability } from '../capabilities.js';
import { tokenizeInputs, type ClassifyInput, type ClassifyResult } from '../classification.js';
import { encodeBatches } from '../encode-batches.js';
import { InvalidArgumentError } from '../errors.js';
import { pairLayout, truncateFirst } from '../pair-layout.js';
import type { TokenClassifyResult } from '../token-classification.js';
import { fitEncoder, type EncoderContext } from './context.js';

/** See Model.classify. */
export async function sequenceLogits(ctx: EncoderContext, inputs: ClassifyInput | readonly ClassifyInput[]): Promise<ClassifyResult> {
  const { info } = ctx;
  requireCapability(info, 'classify', 'model.classify()');
  const sequences = tokenizeInputs(ctx.tokenizer, inputs, 'classify').map((s, i) => {
    if (s.ids.length <= info.nCtx) return s;
    if (s.onlyFirst !== undefined) {
      const layout = pairLayout(ctx.tokenizer, s.onlyFirst[0], s.onlyFirst[1], 'classify');
      return truncateFirst(layout, s.ids.length - info.nCtx, `classify: input ${i}`);
    }
    if (s.types !== null) {
      throw new InvalidArgumentError(`classify: input ${i} is a pair of ${s.ids.length} tokens; this model reads at ` +
        `most ${info.nCtx}: shorten its text or text_pair`);
    }
    return { ids: fitEncoder(s.ids, info.nCtx), types: null };
  });
  const nLabels = info.classification!.labels.length;
  // One token type (RoBERTa) or none read (ModernBERT, whose pair template may still number B 1): no types.
  const typed = (info.nTokenTypes ?? 0) > 1;
  return ctx.withHandle((handle) => {
    const logits = new Float32Array(sequences.length * nLabels);
    for (const [first, last] of encodeBatches(sequences.map((s) => s.ids.length))) {
      const batch = sequences.slice(first, last);
      const types = typed && batch.some((s) => s.types !== null)
        ? Int32Array.from(batch.flatMap((s) => s.types ?? s.ids.map(() => 0))) : null;
      const rows = ctx.backend.call(() =>
        handle.classify(Int32Array.from(batch.flatMap((s) => s.ids)), batch.map((s) => s.ids.length), types));
      logits.set(rows, first * nLabels);
    }
    return { logits, dims: [sequences.length, nLabels] };
  });
}

/** See Model.classifyTokens. */
export async function tokenLogits(ctx: EncoderContext, texts: string | readonly string[]): Promise<TokenClassifyResult[]> {
  const { info } = ctx;
  requireCapability(info, 'classify-tokens', 'model.classifyTokens()');
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) {
    throw new InvalidArgumentError('classifyTokens: expected a string or a non-empty array of strings');
  }
  const sequences = list.map((t) => fitEncoder(ctx.tokenizer.encode(t), info.nCtx));
  const width = info.classification!.labels.length;
  return ctx.withHandle((handle) => {
    const out: TokenClassifyResult[] = [];
    for (const [first, last] of encodeBatches(sequences.map((s) => s.length))) {
      const batch = sequences.slice(first, last);
      const logits = ctx.backend.call(() => handle.classifyTokens(Int32Array.from(batch.flat()), batch.map((s) => s.length), null));
      let row = 0;
      for (const ids of batch) {
        out.push({ ids, logits: logits.slice(row * width, (row + ids.length) * width), dims: [ids.length, width] });
        row += ids.length;
      }
    }
    return out;
  });
}
