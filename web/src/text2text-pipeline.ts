/**
 * The encoder-decoder pipelines ('text2text-generation', 'summarization', 'translation' and
 * 'translation_xx_to_yy'), as transformers' pipelines/text2text_generation.py runs them: the task's entry of
 * config.json's task_specific_params updates the model's settings (T5's "summarize: " and "translate English
 * to German: " prefixes, its beam settings), the prefix goes before each text, the model generates, and the
 * target is decoded with its special tokens skipped, in transformers.js's shapes: [{ generated_text }],
 * [{ summary_text }], [{ translation_text }].
 */
import { requireCapability } from './capabilities.js';
import { InvalidArgumentError } from './errors.js';
import type { GenerationDefaults } from './generation.js';
import type { Model } from './model.js';
import { type GeneratedSequence, readSeq2SeqDefaults, type Seq2SeqGenerationOptions } from './seq2seq.js';
import type { Tokenizer } from './tokenizers/index.js';
import { type LanguagePair, translationInputs, translationLanguages } from './translation-languages.js';

/** An encoder-decoder task: 'translation_en_to_de' picks T5's task_specific_params entry of that name. */
export type Text2TextTask = 'text2text-generation' | 'summarization' | 'translation' | `translation_${string}_to_${string}`;

/** What config.json says for one task_specific_params entry (and for the model itself: its prefix). */
export interface Text2TextTaskSettings extends GenerationDefaults {
  /** Put before every input text (T5: 'summarize: '). */
  prefix?: string;
}

/** config.json's prefix and task_specific_params of an encoder-decoder (model.info.text2text). */
export interface Text2TextInfo {
  prefix?: string;
  tasks: Record<string, Text2TextTaskSettings>;
}

export function isText2TextTask(task: string): task is Text2TextTask {
  return task === 'text2text-generation' || task === 'summarization' || task === 'translation' || /^translation_.+_to_.+$/.test(task);
}

/** The prefix and task_specific_params of config.json; entries that are not objects are left out. */
export function readText2TextInfo(config: unknown): Text2TextInfo {
  const json = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  const tasks: Record<string, Text2TextTaskSettings> = {};
  const params = json.task_specific_params;
  if (typeof params === 'object' && params !== null) {
    for (const [name, entry] of Object.entries(params)) {
      if (typeof entry !== 'object' || entry === null) continue;
      const prefix = (entry as Record<string, unknown>).prefix;
      tasks[name] = { ...readSeq2SeqDefaults(entry, undefined), ...(typeof prefix === 'string' ? { prefix } : {}) };
    }
  }
  return { ...(typeof json.prefix === 'string' ? { prefix: json.prefix } : {}), tasks };
}

const OUTPUT_KEY = { generated: 'generated_text', summary: 'summary_text', translation: 'translation_text' } as const;

export type Text2TextOutput = { generated_text: string } | { summary_text: string } | { translation_text: string };

/** The pipeline call's options: generate()'s, and the languages of a multilingual translation model. */
export type Text2TextOptions = Seq2SeqGenerationOptions & LanguagePair;

/**
 * The languages a translation call asks for: the caller's, else those of the task's name
 * ('translation_en_to_fr' on a multilingual model, as transformers' TranslationPipeline._sanitize_parameters),
 * undefined when the model translates without them (T5's prefix, Marian's single pair).
 */
function requestedPair(task: Text2TextTask, tokenizer: Tokenizer, pair: LanguagePair): LanguagePair | undefined {
  if (pair.src_lang !== undefined || pair.tgt_lang !== undefined) {
    if (!task.startsWith('translation')) {
      throw new InvalidArgumentError(`pipeline('${task}'): src_lang / tgt_lang are options of the translation pipeline`);
    }
    return pair;
  }
  if (!task.startsWith('translation') || translationLanguages(tokenizer) === null) return undefined;
  const named = /^translation_(.+)_to_(.+)$/.exec(task);
  return named ? { src_lang: named[1], tgt_lang: named[2] } : {};
}

/** One text through a text2text task: the ids it ran on and the target's text. */
export interface Text2TextRun {
  /** The source as the model saw it (the task's prefix, or a multilingual model's language tokens, included). */
  sourceIds: number[];
  /** The generated target ids (the end-of-sequence that ended it left out; the decoder start not included). */
  targetIds: number[];
  /** The target decoded without special tokens: the pipeline's output text. */
  text: string;
  /** With num_return_sequences (beam search): each returned sequence's text, the best first. */
  texts: string[];
}

/**
 * What the pipeline runs for one text of `task`, with the ids kept (the CLI and the demo page draw the
 * cross-attention of source and target from them). onText, when given, receives the target's text piece by
 * piece as greedy decoding picks its tokens (a beam search's best, once it has ended).
 */
export function text2textRunner(model: Model, tokenizer: Tokenizer, task: Text2TextTask):
  (text: string, options?: Text2TextOptions, onText?: (piece: string) => void) => Promise<Text2TextRun> {
  requireCapability(model.info, 'text2text', `text2text('${task}')`);
  const info = model.info.text2text ?? { tasks: {} };
  // transformers' Pipeline.__init__: model.config.update(task_specific_params[task]).
  const { prefix: taskPrefix, ...taskDefaults } = info.tasks[task] ?? {};
  const prefix = taskPrefix ?? info.prefix ?? '';
  return async (text, options = {}, onText) => {
    if (typeof text !== 'string') throw new InvalidArgumentError(`pipeline('${task}'): each input must be a string, got ${typeof text}`);
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`pipeline('${task}'): options must be an object`);
    const { src_lang, tgt_lang, ...given } = options;
    const pair = requestedPair(task, tokenizer, { src_lang, tgt_lang });
    // A multilingual model's source carries its language and the target starts with its own (no prefix:
    // transformers' TranslationPipeline.preprocess hands the text to _build_translation_inputs as it is).
    const { input_ids: sourceIds, forced_bos_token_id: forced } = pair === undefined
      ? { input_ids: tokenizer.encode(prefix + text), forced_bos_token_id: undefined }
      : translationInputs(tokenizer, text, pair);
    const generation = { ...taskDefaults, ...given, ...(forced === undefined ? {} : { forced_bos_token_id: forced }) };
    const targetIds: number[] = [];
    let sequences: readonly GeneratedSequence[] | undefined;
    for await (const step of model.generate(sourceIds, generation)) {
      if (step.token >= 0) targetIds.push(step.token);
      else sequences = step.sequences;
      if (step.text !== '') onText?.(step.text);
    }
    // Ids past the tokenizer's vocabulary (a padded embedding) are dropped, as Hugging Face tokenizers' decode does.
    const known = targetIds.filter((t) => t < tokenizer.vocabSize);
    const best = tokenizer.decode(known, { skip_special_tokens: true });
    return { sourceIds, targetIds, text: best, texts: sequences?.map((q) => q.text) ?? [best] };
  };
}

/**
 * The pipeline's call for `task`: each text's target in the task's output shape; with num_return_sequences n,
 * each text's n targets in turn (best first), one flat list as transformers.js's batch_decode gives them.
 */
export function text2text(model: Model, tokenizer: Tokenizer, task: Text2TextTask) {
  const key = task === 'summarization' ? OUTPUT_KEY.summary : task.startsWith('translation') ? OUTPUT_KEY.translation : OUTPUT_KEY.generated;
  const run = text2textRunner(model, tokenizer, task);
  const some = async (text: string, options: Text2TextOptions) =>
    (await run(text, options)).texts.map((t) => ({ [key]: t }) as Text2TextOutput);
  return async (texts: string | readonly string[], options: Text2TextOptions = {}) => {
    if (typeof texts === 'string') return some(texts, options);
    if (!Array.isArray(texts)) throw new InvalidArgumentError(`pipeline('${task}'): give a text or an array of texts`);
    const out: Text2TextOutput[] = [];
    for (const text of texts) out.push(...await some(text, options));
    return out;
  };
}
