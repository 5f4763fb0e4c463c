/**
 * model.answerSpans() and model.answer(): extractive question answering with a *ForQuestionAnswering
 * head (src/models/heads: start and end logits per token), as transformers' question-answering
 * pipeline: the question and each window of the context through the pair template, every window
 * encoded in packed batches, the best spans of each window (question-answering.ts), then — with the
 * context's character offsets — the answers' text, equal texts of several windows adding their scores.
 */
import { requireCapability } from '../capabilities.js';
import { encodeBatches } from '../encode-batches.js';
import { InvalidArgumentError } from '../errors.js';
import { pairLayout } from '../pair-layout.js';
import {
  answersFromSpans, contextWindows, resolveQaOptions, windowSpans, type QaSettings, type QuestionAnsweringOptions,
  type QuestionAnsweringOutput, type TokenSpan,
} from '../question-answering.js';
import type { EncoderContext } from './context.js';

/** One window of the context with the question: its tokens and its best spans. */
export interface AnswerWindow {
  /** The window's ids: the question and part of the context through the pair template. */
  ids: number[];
  /** The context tokens in it: context token contextStart sits at ids[contextOffset]. */
  contextStart: number;
  contextOffset: number;
  contextLength: number;
  /** The head's start and end logits of each of its tokens. */
  startLogits: Float32Array;
  endLogits: Float32Array;
  /** Its best spans (token indices into ids, inclusive), best first, at most top_k. */
  spans: TokenSpan[];
  /** Probability of "no answer": [CLS]'s start and end probabilities' product. */
  nullScore: number;
}

export interface AnswerSpansResult {
  windows: AnswerWindow[];
  /** The checked options, defaults filled in. */
  settings: QaSettings;
}

function checkText(name: string, text: unknown): string {
  if (typeof text !== 'string') throw new InvalidArgumentError(`question-answering: ${name} must be a string, got ${JSON.stringify(text)}`);
  if (text.length === 0) throw new InvalidArgumentError(`question-answering: ${name} cannot be empty`);
  return text;
}

/** See Model.answerSpans. */
export async function answerSpans(ctx: EncoderContext, question: string, context: string,
  options: QuestionAnsweringOptions = {}): Promise<AnswerSpansResult> {
  const { info, tokenizer } = ctx;
  requireCapability(info, 'question-answering', 'model.answerSpans()');
  const settings = resolveQaOptions(options, info.nCtx);
  const layout = pairLayout(tokenizer, checkText('question', question), checkText('context', context), 'question-answering');
  const { before, first, between, second, after } = layout;
  const fixed = before.ids.length + first.ids.length + between.ids.length + after.ids.length;
  const room = settings.maxSeqLen - fixed;
  if (room < 1) {
    throw new InvalidArgumentError(`question-answering: the question is ${first.ids.length} tokens; with the ` +
      `${fixed - first.ids.length} special tokens it leaves no room for the context in max_seq_len ${settings.maxSeqLen}`);
  }
  if (second.ids.length === 0) throw new InvalidArgumentError('question-answering: the context has no tokens');
  const secondType = second.types[0]!;
  const typed = (info.nTokenTypes ?? 0) > 1;
  const windows = contextWindows(second.ids.length, room, settings.docStride).map(([from, to]) => {
    const ids = [...before.ids, ...first.ids, ...between.ids, ...second.ids.slice(from, to), ...after.ids];
    const types = [...before.types, ...first.types, ...between.types, ...Array<number>(to - from).fill(secondType), ...after.types];
    return { ids, types, contextStart: from, contextOffset: fixed - after.ids.length, contextLength: to - from };
  });
  const logits = await ctx.withHandle((handle) => {
    const out: Float32Array[] = [];
    for (const [lo, hi] of encodeBatches(windows.map((w) => w.ids.length))) {
      const batch = windows.slice(lo, hi);
      const rows = ctx.backend.call(() => handle.answerLogits(Int32Array.from(batch.flatMap((w) => w.ids)),
        batch.map((w) => w.ids.length), typed ? Int32Array.from(batch.flatMap((w) => w.types)) : null));
      let row = 0;
      for (const w of batch) {
        out.push(rows.subarray(2 * row, 2 * (row + w.ids.length)));
        row += w.ids.length;
      }
    }
    return out;
  });
  return {
    settings,
    windows: windows.map((w, i) => {
      const pairs = logits[i]!;
      const start = Float32Array.from({ length: w.ids.length }, (_, t) => pairs[2 * t]!);
      const end = Float32Array.from({ length: w.ids.length }, (_, t) => pairs[2 * t + 1]!);
      // p_mask: everything but the context, [CLS] (the template's first token) kept for the null score.
      const masked = w.ids.map((_, t) => !(t >= w.contextOffset && t < w.contextOffset + w.contextLength) &&
        !(t === 0 && before.ids.length > 0));
      const { spans, nullScore } = windowSpans(start, end, masked, settings);
      return {
        ids: w.ids, contextStart: w.contextStart, contextOffset: w.contextOffset, contextLength: w.contextLength,
        startLogits: start, endLogits: end, spans, nullScore,
      };
    }),
  };
}

/**
 * See Model.answer: answerSpans(), then the pipeline's postprocess over the offsets and words of the
 * context's tokens (the context tokenized alone, as the pair template holds it: a pair's word ids
 * count from 0 in each text).
 */
export async function answerQuestion(ctx: EncoderContext, question: string, context: string,
  options: QuestionAnsweringOptions = {}): Promise<QuestionAnsweringOutput | QuestionAnsweringOutput[]> {
  const { windows, settings } = await answerSpans(ctx, question, context, options);
  const answers = answersFromSpans(windows, context, ctx.tokenizer.encodeWithOffsets(context, { add_special_tokens: false }), settings);
  // transformers.js's shapes: one answer for top_k 1, else a list (Python unwraps any single answer).
  return settings.topK === 1 ? answers[0] ?? { score: 0, start: 0, end: 0, answer: '' } : answers;
}
