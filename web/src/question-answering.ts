/**
 * The question-answering pipeline's token-level work as transformers' pipelines/question_answering.py
 * does it with a fast tokenizer: the context cut into windows as the tokenizer's
 * truncation='only_second' with a stride cuts it (tokenizers' Encoding.truncate), each window's start and
 * end logits through select_starts_ends (question and special tokens masked, [CLS] kept in the softmax
 * for the null score) and decode_spans (the outer product of start and end probabilities, spans at most
 * max_answer_len tokens, best first); then postprocess's get_indices, which widens each span to whole
 * words.
 */
import { InvalidArgumentError } from './errors.js';

export interface QuestionAnsweringOptions {
  /** How many answers to return, best first (default 1: one answer object; more: a list). */
  top_k?: number;
  /** transformers' older name for top_k. */
  topk?: number;
  /** Tokens each context window shares with the one before (default min(max_seq_len / 2, 128)). */
  doc_stride?: number;
  /** The longest answer in tokens (default 15). */
  max_answer_len?: number;
  /** Tokens of each window, question and special tokens included (default 384, at most the model's positions). */
  max_seq_len?: number;
  /**
   * Accepted for transformers' signature; as in its fast-tokenizer path it cuts nothing (a question that
   * leaves no room for the context is an error).
   */
  max_question_len?: number;
  /** Also consider "no answer", scored by [CLS]'s start and end probabilities (default false). */
  handle_impossible_answer?: boolean;
  /**
   * Widen an answer to whole words (default true, as transformers): from the start of the first
   * token's word to the end of the last token's, as the tokenizer's pre-tokenizer cuts words (a word
   * cut by a window's edge keeps the part in the window). false: the tokens' characters only.
   */
  align_to_words?: boolean;
}

/** The checked options of one call. */
export interface QaSettings {
  topK: number;
  docStride: number;
  maxAnswerLen: number;
  maxSeqLen: number;
  handleImpossible: boolean;
  alignToWords: boolean;
}

/** A span of one window: token indices start..end (inclusive) and its score (a probability). */
export interface TokenSpan {
  start: number;
  end: number;
  score: number;
}

function wholeAtLeast(name: string, value: unknown, min: number): number {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= min)) {
    throw new InvalidArgumentError(`question-answering: ${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveQaOptions(options: QuestionAnsweringOptions, nCtx: number): QaSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('question-answering: options must be an object');
  const topK = wholeAtLeast('top_k', options.top_k ?? options.topk ?? 1, 1);
  const maxAnswerLen = wholeAtLeast('max_answer_len', options.max_answer_len ?? 15, 1);
  const maxSeqLen = Math.min(wholeAtLeast('max_seq_len', options.max_seq_len ?? 384, 1), nCtx);
  const docStride = wholeAtLeast('doc_stride', options.doc_stride ?? Math.min(Math.floor(maxSeqLen / 2), 128), 0);
  if (options.max_question_len !== undefined) wholeAtLeast('max_question_len', options.max_question_len, 1);
  if (docStride > maxSeqLen) {
    throw new InvalidArgumentError(`question-answering: doc_stride (${docStride}) is larger than max_seq_len (${maxSeqLen})`);
  }
  const handleImpossible = options.handle_impossible_answer ?? false;
  const alignToWords = options.align_to_words ?? true;
  if (typeof handleImpossible !== 'boolean' || typeof alignToWords !== 'boolean') {
    throw new InvalidArgumentError('question-answering: handle_impossible_answer and align_to_words must be true or false');
  }
  return { topK, docStride, maxAnswerLen, maxSeqLen, handleImpossible, alignToWords };
}

/**
 * The context token ranges [start, stop) of each window: tokenizers' Encoding.truncate of the second
 * sequence to `room` tokens with `stride` overlapping, every window but the last `room` long.
 */
export function contextWindows(contextLength: number, room: number, stride: number): [number, number][] {
  if (contextLength <= room) return [[0, contextLength]];
  if (stride >= room) {
    throw new InvalidArgumentError(`question-answering: doc_stride ${stride} must be less than the ${room} context ` +
      'tokens a window holds beside the question (lower doc_stride, or raise max_seq_len)');
  }
  const out: [number, number][] = [];
  for (let start = 0; ; start += room - stride) {
    const stop = Math.min(start + room, contextLength);
    out.push([start, stop]);
    if (stop === contextLength) return out;
  }
}

/** Softmax of the logits with every masked token at -10000, as select_starts_ends normalizes them. */
function maskedSoftmax(logits: ArrayLike<number>, masked: readonly boolean[]): number[] {
  const x = masked.map((m, i) => (m ? -10000 : logits[i]!));
  const max = Math.max(...x);
  const exps = x.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * One window's best spans (select_starts_ends then decode_spans). `masked[i]`: token i cannot be in
 * an answer (p_mask: question and special tokens, [CLS] excepted). Returns the spans best first (ties
 * in row-major order, as numpy's argmax) and the window's null score (the probability of [CLS],
 * token 0, as start times as end), before [CLS] is taken out of the spans.
 */
export function windowSpans(start: ArrayLike<number>, end: ArrayLike<number>, masked: readonly boolean[],
  settings: QaSettings): { spans: TokenSpan[]; nullScore: number } {
  const s = maskedSoftmax(start, masked);
  const e = maskedSoftmax(end, masked);
  const nullScore = s[0]! * e[0]!;
  s[0] = 0;
  e[0] = 0;
  const spans: TokenSpan[] = [];
  // decode_spans keeps (start, end) with start <= end < start + max_answer_len, both tokens wanted
  // (token 0 passes numpy's isin too, with probability 0). Spans of probability 0 are never returned.
  for (let i = 0; i < s.length; i++) {
    if (masked[i] || s[i] === 0) continue;
    for (let j = i; j < Math.min(e.length, i + settings.maxAnswerLen); j++) {
      const score = s[i]! * e[j]!;
      if (!masked[j] && score > 0) spans.push({ start: i, end: j, score });
    }
  }
  spans.sort((a, b) => b.score - a.score || a.start - b.start || a.end - b.end);
  return { spans: spans.slice(0, settings.topK), nullScore };
}

/** One answer as transformers' pipeline gives it: its text, where it is in the context, its score. */
export interface QuestionAnsweringOutput {
  score: number;
  /** UTF-16 index of the answer's first character in the context (0 with `end` 0: no answer). */
  start: number;
  /** UTF-16 index just after the answer's last character. */
  end: number;
  answer: string;
}

/** What answers() needs of a window: its best spans and where its context tokens are. */
export interface SpanWindow {
  contextStart: number;
  contextOffset: number;
  contextLength: number;
  spans: readonly TokenSpan[];
  nullScore: number;
}

/** The context tokenized alone: each token's characters and word (Tokenizer.encodeWithOffsets). */
export interface ContextTokens {
  offsets: readonly (readonly [number, number])[];
  wordIds: readonly (number | null)[];
}

/**
 * The characters of context tokens first..last of a window holding context tokens [from, to): with
 * align_to_words, get_indices' word_to_chars of each end token's word, looked up in the window's
 * encoding (so only the word's tokens inside the window count); a token without a word keeps its
 * offsets, as get_indices' fallback.
 */
function spanChars(tokens: ContextTokens, from: number, to: number, first: number, last: number,
  align: boolean): [number, number] {
  const { offsets, wordIds } = tokens;
  const word = (t: number) => wordIds[t] ?? null;
  if (align && word(first) !== null && word(last) !== null) {
    // A sequence's word ids never decrease, so a word's tokens are next to each other.
    while (first > from && word(first - 1) === word(first)) first--;
    while (last + 1 < to && word(last + 1) === word(last)) last++;
  }
  return [offsets[first]![0], offsets[last]![1]];
}

/**
 * The pipeline's postprocess over every window's spans, in window order: each span's characters from
 * the context's tokens (spanChars), answers with the same text in any case adding their scores, the
 * null answer when handle_impossible_answer (the smallest null score of the windows), best first (a
 * stable sort), top_k of them.
 */
export function answersFromSpans(windows: readonly SpanWindow[], context: string, tokens: ContextTokens,
  settings: QaSettings): QuestionAnsweringOutput[] {
  const answers: QuestionAnsweringOutput[] = [];
  for (const w of windows) {
    const at = (t: number) => w.contextStart + t - w.contextOffset;
    for (const span of w.spans) {
      const [start, end] = spanChars(tokens, w.contextStart, w.contextStart + w.contextLength, at(span.start),
        at(span.end), settings.alignToWords);
      const answer = context.slice(start, end);
      const same = answers.find((a) => a.answer.toLowerCase() === answer.toLowerCase());
      if (same) same.score += span.score;
      else answers.push({ score: span.score, start, end, answer });
    }
  }
  if (settings.handleImpossible) {
    answers.push({ score: Math.min(1000000, ...windows.map((w) => w.nullScore)), start: 0, end: 0, answer: '' });
  }
  return answers.sort((a, b) => b.score - a.score).slice(0, settings.topK);
}
