/**
 * The zero-shot-classification pipeline as transformers' pipelines/zero_shot_classification.py runs
 * it: each text (the premise) is paired with one hypothesis per candidate label ("This example is
 * {}." with the label in place of {}), every pair goes through an NLI sequence classifier in one
 * classify() call (packed batches; a text too long for the model cut at its end, as the pipeline's
 * truncation=ONLY_FIRST cuts the premise), and the logit of its "entailment" label scores the label.
 */
import type { Classifier } from './classification-pipeline.js';
import type { ClassificationInfo } from './classification.js';
import { InvalidArgumentError, UnsupportedError } from './errors.js';

export interface ZeroShotClassificationOptions {
  /**
   * The hypothesis each label is put into, where its {} is (default "This example is {}."); one
   * without {} is an error, as in transformers.
   */
  hypothesis_template?: string;
  /**
   * false (default): the labels compete, their scores (a softmax of the entailment logits over the
   * labels) add up to 1. true: each label on its own, the softmax of its entailment logit against its
   * contradiction logit (as transformers also scores a single label).
   */
  multi_label?: boolean;
}

/** One text's labels best first, with their scores (transformers' and transformers.js's shape). */
export interface ZeroShotClassificationOutput {
  sequence: string;
  labels: string[];
  scores: number[];
}

export const DEFAULT_HYPOTHESIS_TEMPLATE = 'This example is {}.';

/**
 * The candidate labels as transformers' _parse_labels reads them: an array as given, a string split
 * at commas with each label trimmed and empty ones dropped.
 */
export function parseCandidateLabels(labels: unknown): string[] {
  const list = typeof labels === 'string' ? labels.split(',').map((l) => l.trim()).filter((l) => l !== '') : labels;
  if (!Array.isArray(list) || !list.every((l) => typeof l === 'string')) {
    throw new InvalidArgumentError('zero-shot-classification: candidate_labels must be a string of comma-separated ' +
      `labels or an array of strings, got ${JSON.stringify(labels)}`);
  }
  if (list.length === 0) throw new InvalidArgumentError('zero-shot-classification: give at least one candidate label');
  return list as string[];
}

/**
 * The hypothesis of one label: Python's str.format with one positional field. As transformers, a
 * template the label leaves unchanged (no {}) is an error.
 */
export function formatHypothesis(template: string, label: string): string {
  if (typeof template !== 'string' || !template.includes('{}')) {
    throw new InvalidArgumentError(`zero-shot-classification: the hypothesis_template ${JSON.stringify(template)} ` +
      'has no {} where the label goes (e.g. "This example is {}.")');
  }
  return template.replaceAll('{{', '\u0000').replaceAll('}}', '\u0001').replaceAll('{}', label)
    .replaceAll('\u0000', '{').replaceAll('\u0001', '}');
}

/**
 * The id of the model's entailment label: transformers' entailment_id, the first label whose name
 * starts with "entail" in any case. Without one transformers warns and scores with the last label;
 * qkv names the problem instead.
 */
export function entailmentId(info: ClassificationInfo): number {
  const id = info.labels.findIndex((l) => l.toLowerCase().startsWith('entail'));
  if (id < 0) {
    throw new UnsupportedError(`zero-shot-classification: the model's labels (${info.labels.join(', ')}) have no ` +
      "entailment label (a name starting with 'entail'): it is not an NLI classifier");
  }
  return id;
}

function softmax(xs: readonly number[]): number[] {
  const max = Math.max(...xs);
  const exps = xs.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * One text's scores from its [labels, n_model_labels] logits, as transformers' postprocess: with
 * multi_label or a single candidate, the softmax of [contradiction, entailment] per label
 * (contradiction is label 0, or the last label when entailment is 0); else the softmax of the
 * entailment logits over the candidates. Labels best first; ties keep the later label first, as
 * Python's reversed(argsort).
 */
export function zeroShotScores(logits: Float32Array, width: number, labels: readonly string[], entail: number,
  multiLabel: boolean): { labels: string[]; scores: number[] } {
  const row = (i: number, j: number) => logits[i * width + j]!;
  let scores: number[];
  if (multiLabel || labels.length === 1) {
    const contradiction = entail === 0 ? width - 1 : 0;
    scores = labels.map((_, i) => softmax([row(i, contradiction), row(i, entail)])[1]!);
  } else {
    scores = softmax(labels.map((_, i) => row(i, entail)));
  }
  const order = labels.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || b - a);
  return { labels: order.map((i) => labels[i]!), scores: order.map((i) => scores[i]!) };
}

/** The pipeline's call: one text gives one result, an array one result per text. */
export async function zeroShotClassify(model: Classifier, texts: string | readonly string[], candidateLabels: unknown,
  options: ZeroShotClassificationOptions = {}): Promise<ZeroShotClassificationOutput | ZeroShotClassificationOutput[]> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('zero-shot-classification: options must be an object');
  }
  const { hypothesis_template: template = DEFAULT_HYPOTHESIS_TEMPLATE, multi_label: multiLabel = false } = options;
  if (typeof multiLabel !== 'boolean') {
    throw new InvalidArgumentError(`zero-shot-classification: multi_label must be true or false, got ${JSON.stringify(multiLabel)}`);
  }
  const list = typeof texts === 'string' ? [texts] : texts;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) {
    throw new InvalidArgumentError('zero-shot-classification: expected a text or a non-empty array of texts');
  }
  const labels = parseCandidateLabels(candidateLabels);
  const hypotheses = labels.map((l) => formatHypothesis(template, l));
  // pipeline() checked the capability; a model without labels cannot get here.
  const info = model.info.classification!;
  const entail = entailmentId(info);
  // truncation ONLY_FIRST, as the pipeline's _parse_and_tokenize: a long text loses its end, never the hypothesis.
  const pairs = list.flatMap((text) => hypotheses.map((text_pair) => ({ text, text_pair, truncation: 'only_first' as const })));
  const { logits, dims: [, width] } = await model.classify(pairs);
  const block = labels.length * width;
  const results = list.map((sequence, s) => ({
    sequence, ...zeroShotScores(logits.subarray(s * block, (s + 1) * block), width, labels, entail, multiLabel),
  }));
  return typeof texts === 'string' ? results[0]! : results;
}
