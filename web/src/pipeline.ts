/**
 * pipeline() in the style of transformers.js, so switching is a change of
 * import: 'text-generation' returns [{ generated_text }] per input,
 * 'feature-extraction' a Tensor-like { data, dims, type, tolist() },
 * 'text-classification' ('sentiment-analysis') [{ label, score }], 'text-ranking'
 * a reranker's documents best first, 'fill-mask' [{ score, token, token_str, sequence }],
 * 'zero-shot-classification' { sequence, labels, scores }, 'question-answering' { score, start, end, answer }.
 */
import { requireCapability, type Capability } from './capabilities.js';
import type { ClassifyInput, TextClassificationOptions, TextClassificationOutput } from './classification.js';
import { classifyTexts, rerank, type RerankOptions, type RerankResult } from './classification-pipeline.js';
import type {
  GroupingStrategy, TokenClassificationGroup, TokenClassificationOptions, TokenClassificationOutput,
} from './token-classification.js';
import { entitiesOf } from './token-classification-pipeline.js';
import { fillMask, type FillMaskOptions, type FillMaskOutput } from './fill-mask.js';
import type { QuestionAnsweringOptions, QuestionAnsweringOutput } from './question-answering.js';
import { zeroShotClassify, type ZeroShotClassificationOptions, type ZeroShotClassificationOutput } from './zero-shot.js';
import { warnIgnoredOptions, type IgnoredTransformersOptions } from './compat.js';
import { parseDtype, type Dtype, type DtypeAlias } from './dtype.js';
import { InvalidArgumentError } from './errors.js';
import { resolveChatTemplateKwargs, type GenerationOptions } from './generation.js';
import { loadModel, type ModelSource, type ProgressInfo } from './load-model.js';
import type { FinishReason, Model, Pooling } from './model.js';
import type { TextStreamer } from './streamer.js';
import { isConversation, type ChatMessage } from './tokenizers/chat-template.js';
import type { Tokenizer } from './tokenizers/index.js';
import { requireTokenizer } from './tokenizers/id-only.js';
import { isText2TextTask, text2text, type Text2TextOptions, type Text2TextOutput, type Text2TextTask } from './text2text-pipeline.js';

export type PipelineTask = 'text-generation' | 'feature-extraction' | 'text-classification' | 'sentiment-analysis' |
  'text-ranking' | 'token-classification' | 'ner' | 'fill-mask' | 'zero-shot-classification' | 'question-answering' |
  Text2TextTask;

const TASKS: readonly string[] = ['text-generation', 'feature-extraction', 'text-classification', 'sentiment-analysis',
  'text-ranking', 'token-classification', 'ner', 'fill-mask', 'zero-shot-classification', 'question-answering'];

export interface PipelineOptions extends IgnoredTransformersOptions {
  /**
   * Weight type in memory: 'auto' (the default: the checkpoint's), qkv's Dtype ('f32' | 'f16' | 'q8'), or
   * transformers.js's 'fp32' | 'fp16' | 'q8'.
   */
  dtype?: Dtype | DtypeAlias | 'auto';
  /** transformers.js's name for onProgress. */
  progress_callback?: (info: ProgressInfo) => void;
  onProgress?: (info: ProgressInfo) => void;
  /** A Hub id's branch, tag or commit (default 'main'), as transformers.js's `revision`. */
  revision?: string;
  /** The Hub access token for gated or private models (default env.accessToken). */
  accessToken?: string;
  signal?: AbortSignal;
}

export interface TextGenerationOptions extends GenerationOptions {
  /** Include the prompt in generated_text (default true, as transformers.js). */
  return_full_text?: boolean;
  streamer?: TextStreamer;
}

export interface TextGenerationOutput {
  generated_text: string;
  /** Why this text's generation ended (qkv's addition to transformers.js's shape; see FinishReason). */
  finish_reason: FinishReason;
}

/** The output for a conversation, as transformers.js gives it: the messages with the assistant's reply appended. */
export interface ChatGenerationOutput {
  generated_text: ChatMessage[];
  /** Why the reply's generation ended (see FinishReason). */
  finish_reason: FinishReason;
}

export interface FeatureExtractionOptions {
  /**
   * 'none' (every token's state, one text at a time), 'mean', 'cls', 'max' or 'last_token'.
   * Default: a sentence-transformers repository's own pooling (model.info.embedding),
   * else 'none' as transformers.js.
   */
  pooling?: Pooling | 'none';
  /** Default: the model's (a sentence-transformers Normalize module), else false. */
  normalize?: boolean;
  /** One of the model's prompts by name (info.embedding.prompts), as embed()'s prompt_name. */
  prompt_name?: string;
  /** A prompt's text, put before each text (embed()'s prompt). */
  prompt?: string;
}

/** The shape of transformers.js's Tensor that feature-extraction results use. */
export interface EmbeddingTensor {
  type: 'float32';
  data: Float32Array;
  dims: number[];
  /** Nested arrays following dims. */
  tolist(): unknown[];
}

interface PipelineBase {
  readonly task: PipelineTask;
  readonly model: Model;
  readonly tokenizer: Tokenizer;
  /** Frees the model. */
  dispose(): Promise<void>;
}

export interface TextGenerationPipeline extends PipelineBase {
  (texts: string, options?: TextGenerationOptions): Promise<TextGenerationOutput[]>;
  (texts: readonly string[], options?: TextGenerationOptions): Promise<TextGenerationOutput[][]>;
  /** A conversation goes through the chat template (with the generation prompt). */
  (messages: readonly ChatMessage[], options?: TextGenerationOptions): Promise<ChatGenerationOutput[]>;
  (conversations: readonly (readonly ChatMessage[])[], options?: TextGenerationOptions): Promise<ChatGenerationOutput[][]>;
}

export interface FeatureExtractionPipeline extends PipelineBase {
  (texts: string | readonly (string | readonly number[])[], options?: FeatureExtractionOptions): Promise<EmbeddingTensor>;
}

export interface TextClassificationPipeline extends PipelineBase {
  /** A text or { text, text_pair }: its top_k labels, best first ([{ label, score }] with top_k 1). */
  (input: ClassifyInput, options?: TextClassificationOptions): Promise<TextClassificationOutput[]>;
  /** Several: one { label, score } per input with top_k 1, else one list per input. */
  (inputs: readonly ClassifyInput[], options?: TextClassificationOptions):
    Promise<TextClassificationOutput[] | TextClassificationOutput[][]>;
}

export interface TextRankingPipeline extends PipelineBase {
  /** The documents for the query, best first (rerank()). */
  (query: string, documents: readonly string[], options?: RerankOptions): Promise<RerankResult[]>;
}

/**
 * The results are { entity, score, index, word, start, end } per token with aggregation_strategy 'none'
 * (the default), { entity_group, score, word, start, end } per entity with a grouping strategy. Options
 * typed as the whole TokenClassificationOptions get the per-token type.
 */
export interface TokenClassificationPipeline extends PipelineBase {
  /** One text: its entities grouped from tokens ('simple') or from words ('first', 'average', 'max'). */
  (text: string, options: TokenClassificationOptions & { aggregation_strategy: GroupingStrategy }): Promise<TokenClassificationGroup[]>;
  /** One text: its tokens' entities with their character spans. */
  (text: string, options?: TokenClassificationOptions): Promise<TokenClassificationOutput[]>;
  /** Several: one list per text. */
  (texts: readonly string[], options: TokenClassificationOptions & { aggregation_strategy: GroupingStrategy }): Promise<TokenClassificationGroup[][]>;
  (texts: readonly string[], options?: TokenClassificationOptions): Promise<TokenClassificationOutput[][]>;
}

export interface FillMaskPipeline extends PipelineBase {
  /** A text with one mask: its top_k tokens; with several masks, a list per mask. */
  (text: string, options?: FillMaskOptions): Promise<FillMaskOutput[] | FillMaskOutput[][]>;
  /** Several texts: one of those per text. */
  (texts: readonly string[], options?: FillMaskOptions): Promise<(FillMaskOutput[] | FillMaskOutput[][])[]>;
}

export interface ZeroShotClassificationPipeline extends PipelineBase {
  /** A text and its candidate labels (an array, or one string of comma-separated labels): labels best first. */
  (text: string, candidateLabels: string | readonly string[], options?: ZeroShotClassificationOptions):
    Promise<ZeroShotClassificationOutput>;
  /** Several texts: one result per text. */
  (texts: readonly string[], candidateLabels: string | readonly string[], options?: ZeroShotClassificationOptions):
    Promise<ZeroShotClassificationOutput[]>;
}

/** 'text2text-generation', 'summarization', 'translation' (and 'translation_xx_to_yy'): text2text-pipeline.ts. */
export interface Text2TextPipeline extends PipelineBase {
  /** One text: [{ generated_text }], [{ summary_text }] or [{ translation_text }]; several: one of those each. */
  (texts: string | readonly string[], options?: Text2TextOptions): Promise<Text2TextOutput[]>;
}

export interface QuestionAnsweringPipeline extends PipelineBase {
  /** The best answer ({ score, start, end, answer }), or with top_k > 1 a list, best first. */
  (question: string, context: string, options?: QuestionAnsweringOptions):
    Promise<QuestionAnsweringOutput | QuestionAnsweringOutput[]>;
}

/** What the model must be able to do for each task. */
const TASK_CAPABILITY: Record<Exclude<PipelineTask, Text2TextTask>, Capability> = {
  'text-generation': 'generate', 'feature-extraction': 'encode', 'text-classification': 'classify',
  'sentiment-analysis': 'classify', 'text-ranking': 'classify', 'token-classification': 'classify-tokens',
  ner: 'classify-tokens', 'fill-mask': 'fill-mask', 'zero-shot-classification': 'classify',
  'question-answering': 'question-answering',
};

export async function pipeline(task: 'text-generation', source: ModelSource,
  options?: PipelineOptions): Promise<TextGenerationPipeline>;
export async function pipeline(task: 'feature-extraction', source: ModelSource,
  options?: PipelineOptions): Promise<FeatureExtractionPipeline>;
export async function pipeline(task: 'text-classification' | 'sentiment-analysis', source: ModelSource,
  options?: PipelineOptions): Promise<TextClassificationPipeline>;
export async function pipeline(task: 'text-ranking', source: ModelSource,
  options?: PipelineOptions): Promise<TextRankingPipeline>;
export async function pipeline(task: 'token-classification' | 'ner', source: ModelSource,
  options?: PipelineOptions): Promise<TokenClassificationPipeline>;
export async function pipeline(task: 'fill-mask', source: ModelSource,
  options?: PipelineOptions): Promise<FillMaskPipeline>;
export async function pipeline(task: 'zero-shot-classification', source: ModelSource,
  options?: PipelineOptions): Promise<ZeroShotClassificationPipeline>;
export async function pipeline(task: 'question-answering', source: ModelSource,
  options?: PipelineOptions): Promise<QuestionAnsweringPipeline>;
export async function pipeline(task: Text2TextTask, source: ModelSource,
  options?: PipelineOptions): Promise<Text2TextPipeline>;
export async function pipeline(task: PipelineTask, source: ModelSource,
  options: PipelineOptions = {}): Promise<TextGenerationPipeline | FeatureExtractionPipeline | TextClassificationPipeline |
  TextRankingPipeline | TokenClassificationPipeline | FillMaskPipeline | ZeroShotClassificationPipeline | QuestionAnsweringPipeline |
  Text2TextPipeline> {
  if (!TASKS.includes(task) && !isText2TextTask(task)) {
    throw new InvalidArgumentError(`pipeline: task ${JSON.stringify(task)} is not supported; qkv runs ` +
      TASKS.map((t) => `'${t}'`).join(', '));
  }
  const dtype = parseDtype(options.dtype, 'pipeline: ');
  warnIgnoredOptions(options, 'pipeline()');
  const onProgress = options.onProgress ?? options.progress_callback;
  const model = await loadModel(source, {
    dtype,
    ...(options.revision !== undefined ? { revision: options.revision } : {}),
    ...(options.accessToken !== undefined ? { accessToken: options.accessToken } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  let tokenizer: Tokenizer;
  try {
    requireCapability(model.info, isText2TextTask(task) ? 'text2text' : TASK_CAPABILITY[task], `pipeline('${task}')`,
      InvalidArgumentError);
    // A pipeline takes text: a model without a tokenizer (id-level use) is refused here, by name.
    tokenizer = requireTokenizer(model.tokenizer, `pipeline('${task}')`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const base: PipelineBase = {
    task, model, tokenizer,
    dispose: async () => { model.dispose(); },
  };
  const run = isText2TextTask(task) ? text2text(model, tokenizer, task)
    : task === 'text-generation' ? textGeneration(model)
    : task === 'feature-extraction' ? featureExtraction(model)
      : task === 'text-ranking' ? (query: string, documents: readonly string[], o?: RerankOptions) => rerank(model, query, documents, o)
        : task === 'token-classification' || task === 'ner' ? tokenClassification(model)
          : task === 'fill-mask' ? (texts: string | readonly string[], o?: FillMaskOptions) => fillMask(model, texts, o)
          : task === 'zero-shot-classification' ? (texts: string | readonly string[], labels: unknown,
            o?: ZeroShotClassificationOptions) => zeroShotClassify(model, texts, labels, o)
          : task === 'question-answering' ? (question: string, context: string, o?: QuestionAnsweringOptions) =>
            model.answer(question, context, o)
          : (inputs: ClassifyInput | readonly ClassifyInput[], o?: TextClassificationOptions) => classifyTexts(model, inputs, o);
  return Object.assign(run, base) as TextGenerationPipeline | FeatureExtractionPipeline | TextClassificationPipeline |
    TextRankingPipeline | TokenClassificationPipeline | FillMaskPipeline | ZeroShotClassificationPipeline | QuestionAnsweringPipeline |
    Text2TextPipeline;
}

function textGeneration(model: Model) {
  type Input = string | readonly string[] | readonly ChatMessage[] | readonly (readonly ChatMessage[])[];
  return async (texts: Input, options: TextGenerationOptions = {}) => {
    const { return_full_text: fullText = true, streamer, ...generation } = options;
    /** The new text for one prompt and why it ended (the streamer sees the prompt's text first). */
    const complete = async (prompt: string, input: string | number[]): Promise<{ text: string; reason: FinishReason }> => {
      streamer?.onText(prompt, true);
      let text = '';
      // Every stream's last item carries its reason; the fallback only satisfies the type.
      let reason: FinishReason = 'max_new_tokens';
      try {
        // A conversation is rendered here, with the template's kwargs; its ids go on without them.
        const { chat_template_kwargs: _rendered, ...idsOptions } = generation;
        const options = typeof input === 'string' ? generation : idsOptions;
        for await (const { text: piece, finishReason } of model.generate(input, options)) {
          text += piece;
          if (finishReason !== undefined) reason = finishReason;
          streamer?.onText(piece, false);
        }
      } finally {
        streamer?.end();
      }
      return { text, reason };
    };
    const one = async (prompt: string): Promise<TextGenerationOutput[]> => {
      const { text, reason } = await complete(prompt, prompt);
      return [{ generated_text: fullText ? prompt + text : text, finish_reason: reason }];
    };
    // A conversation: as transformers.js, generated_text is the messages plus the assistant's reply.
    const chat = async (messages: readonly ChatMessage[]): Promise<ChatGenerationOutput[]> => {
      const tokenizer = requireTokenizer(model.tokenizer, 'a conversation');
      const prompt = tokenizer.apply_chat_template(messages,
        { ...resolveChatTemplateKwargs(generation.chat_template_kwargs), add_generation_prompt: true, tokenize: false });
      const ids = tokenizer.encode(prompt, { add_special_tokens: false });
      const { text: content, reason } = await complete(prompt, ids);
      return [{ generated_text: [...messages, { role: 'assistant', content }], finish_reason: reason }];
    };
    if (typeof texts === 'string') return one(texts);
    if (isConversation(texts)) return chat(texts);
    if (Array.isArray(texts) && texts.length > 0 && texts.every((t) => isConversation(t))) {
      const results: ChatGenerationOutput[][] = [];
      for (const messages of texts as readonly (readonly ChatMessage[])[]) results.push(await chat(messages));
      return results;
    }
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) {
      throw new InvalidArgumentError('text-generation: expected a string, an array of strings, an array of ' +
        '{ role, content } messages, or an array of such conversations');
    }
    const results: TextGenerationOutput[][] = [];
    for (const prompt of texts as readonly string[]) results.push(await one(prompt));
    return results;
  };
}

function tokenClassification(model: Model) {
  return async (texts: string | readonly string[], options: TokenClassificationOptions = {}) => {
    const entities = await entitiesOf(model, typeof texts === 'string' ? [texts] : texts, options);
    return typeof texts === 'string' ? entities[0]! : entities;
  };
}

function featureExtraction(model: Model) {
  return async (texts: string | readonly (string | readonly number[])[],
    options: FeatureExtractionOptions = {}): Promise<EmbeddingTensor> => {
    // A sentence-transformers repository pools as its modules say (embed()'s defaults); other models
    // give every token's state unless asked, as transformers.js.
    const own = model.info.embedding?.from === 'modules.json';
    const pooling = options.pooling ?? (own ? undefined : 'none');
    const { data, dims } = await model.embed(texts, {
      ...(pooling !== undefined ? { pooling } : {}),
      ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
      ...(options.prompt_name !== undefined ? { prompt_name: options.prompt_name } : {}),
      ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
    });
    return { type: 'float32', data, dims, tolist: () => toNested(data, dims) };
  };
}

function toNested(data: Float32Array, dims: readonly number[]): unknown[] {
  const build = (offset: number, axis: number): unknown[] => {
    const size = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[axis]! }, (_, i) =>
      axis === dims.length - 1 ? data[offset + i] : build(offset + i * size, axis + 1));
  };
  return build(0, 0);
}
