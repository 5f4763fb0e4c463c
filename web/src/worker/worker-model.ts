/**
 * A model loaded in a worker by WorkerEngine.loadModel(): the calls of Model,
 * each answered by the worker. Results arrive as the worker's own arrays,
 * handed over without a copy; the tokenizer's calls return promises.
 */
import { requireCapability } from '../capabilities.js';
import { Chat, type ChatOptions } from '../chat.js';
import { QkvError } from '../errors.js';
import type { GenerationOptions } from '../generation.js';
import type { Seq2SeqAttentionResult, Seq2SeqGenerationOptions } from '../seq2seq.js';
import type { AttentionResult, EmbedOptions, EmbedResult, ForwardResult, GeneratedToken, ModelInfo } from '../model.js';
import type {
  ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, EncodingWithOffsets, PairEncodingWithOffsets,
} from '../tokenizers/index.js';
import type { ClassifyInput, ClassifyResult } from '../classification.js';
import type { TokenClassificationOptions, TokenClassifyResult } from '../token-classification.js';
import type { TokenEntities } from '../token-classification-pipeline.js';
import type { MaskedLmResult } from '../encoder/fill-mask.js';
import type { FillMaskOptions, FillMaskResults } from '../fill-mask.js';
import type { QuestionAnsweringOptions, QuestionAnsweringOutput } from '../question-answering.js';
import type { Text2TextOptions, Text2TextRun, Text2TextTask } from '../text2text-pipeline.js';
import { withSignal } from './call.js';
import type { WorkerEngine } from './engine.js';
import type { Args, CallEvent, ModelCallName, Result, SpecialTokens } from './protocol.js';

/** The tokenizer of a model in a worker. */
export interface WorkerTokenizer {
  /** As Tokenizer.mask_token (tokenizer_config.json's, e.g. [MASK] or <mask>): what fillMask() looks for. */
  readonly mask_token: string | undefined;
  /** As Tokenizer.mask_token_id. */
  readonly mask_token_id: number | undefined;
  encode(text: string, options?: EncodeOptions): Promise<number[]>;
  /** As Tokenizer.encodeWithOffsets. */
  encodeWithOffsets(text: string, options?: EncodeOptions): Promise<EncodingWithOffsets>;
  /** As Tokenizer.encodePairWithOffsets. */
  encodePairWithOffsets(text: string, textPair: string): Promise<PairEncodingWithOffsets>;
  decode(ids: readonly number[], options?: DecodeOptions): Promise<string>;
  /** As Tokenizer.apply_chat_template (transformers.js's name), rendered in the worker. */
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): Promise<string>;
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { return_dict: true }): Promise<{ input_ids: number[] }>;
  apply_chat_template(messages: readonly ChatMessage[], options?: ChatTemplateOptions): Promise<number[]>;
}

/** A call on one model in the worker, typed by its row of the protocol's table. */
type ModelCall = <N extends ModelCallName>(type: N, args: Args<N>) => Promise<Result<N>>;

class RemoteTokenizer implements WorkerTokenizer {
  readonly mask_token: string | undefined;
  readonly mask_token_id: number | undefined;

  constructor(private readonly call: ModelCall, tokens: SpecialTokens) {
    this.mask_token = tokens.mask_token;
    this.mask_token_id = tokens.mask_token_id;
  }

  encode(text: string, options?: EncodeOptions): Promise<number[]> {
    return this.call('encode', { text, options });
  }

  encodeWithOffsets(text: string, options?: EncodeOptions): Promise<EncodingWithOffsets> {
    return this.call('encodeWithOffsets', { text, options });
  }

  encodePairWithOffsets(text: string, textPair: string): Promise<PairEncodingWithOffsets> {
    return this.call('encodePairWithOffsets', { text, textPair });
  }

  decode(ids: readonly number[], options?: DecodeOptions): Promise<string> {
    return this.call('decode', { ids, options });
  }

  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): Promise<string>;
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { return_dict: true }): Promise<{ input_ids: number[] }>;
  apply_chat_template(messages: readonly ChatMessage[], options?: ChatTemplateOptions): Promise<number[]>;
  apply_chat_template(messages: readonly ChatMessage[], options?: ChatTemplateOptions): Promise<Result<'chatTemplate'>> {
    return this.call('chatTemplate', { messages, options });
  }
}

export class WorkerModel {
  readonly info: ModelInfo;
  /** The model's tokenizer in the worker; null for a model without one (id-level use, as Model.tokenizer). */
  readonly tokenizer: WorkerTokenizer | null;
  private disposed = false;

  /** @internal Use WorkerEngine.loadModel(). */
  constructor(private readonly engine: WorkerEngine, private readonly modelId: number, info: ModelInfo,
    tokens: SpecialTokens | null) {
    this.info = info;
    this.tokenizer = tokens === null ? null : new RemoteTokenizer((type, args) => this.call(type, args), tokens);
  }

  /**
   * Streams generated tokens, as Model.generate(); `signal` aborts generation
   * in the worker (with on_abort 'finish', the worker's last item, finishReason
   * 'abort', arrives as any other end does).
   */
  async *generate(prompt: string | readonly number[] | readonly ChatMessage[],
    options: GenerationOptions | Seq2SeqGenerationOptions = {}): AsyncGenerator<GeneratedToken> {
    const { signal, ...rest } = options;
    if (signal?.aborted === true && rest.on_abort === 'finish') {
      // Aborted before anything was sent: the worker would never hear of it. End as Model.generate() does.
      yield { token: -1, text: '', finishReason: 'abort' };
      return;
    }
    signal?.throwIfAborted();
    const tokens: GeneratedToken[] = [];
    let wake: (() => void) | undefined;
    const call = this.engine.request('generate', this.live(), { prompt, options: rest }, (token) => {
      tokens.push(token);
      wake?.();
    });
    let finished = false;
    const done = withSignal(call, signal).finally(() => {
      finished = true;
      wake?.();
    });
    try {
      for (;;) {
        while (tokens.length > 0) yield tokens.shift()!;
        if (finished) break;
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
      }
      await done; // rethrows the worker's error (AbortError included)
    } finally {
      // The caller stopped early (break / return): stop the worker too.
      if (!finished) {
        call.abort();
        await done.catch(() => {});
      }
    }
  }

  /**
   * A conversation that keeps the worker's KV cache between turns: chat.send(text) streams the reply, and each
   * turn computes only its new tokens (see Chat). The model has one cache, so two chats used in turn
   * still answer exactly, each recomputing what the other displaced.
   */
  chat(options?: ChatOptions): Chat {
    requireCapability(this.info, 'generate', 'model.chat()');
    return new Chat(this, options);
  }

  /** Logits of every position, as Model.forward() (an encoder-decoder's: forward(source, target)). */
  forward(input: string | readonly number[], target?: readonly number[]): Promise<ForwardResult> {
    return this.call('forward', { input, ...(target !== undefined ? { target } : {}) });
  }

  /** Attention probabilities of every layer and head, as Model.attention(). */
  attention(input: string | readonly number[]): Promise<AttentionResult>;
  /** An encoder-decoder's, as Model.attention(source, target). */
  attention(source: string | readonly number[], target: readonly number[]): Promise<Seq2SeqAttentionResult>;
  attention(input: string | readonly number[], target?: readonly number[]): Promise<AttentionResult | Seq2SeqAttentionResult> {
    return this.call('attention', { input, ...(target !== undefined ? { target } : {}) });
  }

  /** Sentence embeddings of an encoder, as Model.embed(). */
  embed(texts: string | readonly (string | readonly number[])[], options: EmbedOptions = {}): Promise<EmbedResult> {
    return this.call('embed', { texts, options });
  }

  /** Logits of a sequence classifier's head, as Model.classify(); with pipeline's post-processing: classifyTexts(). */
  classify(inputs: ClassifyInput | readonly ClassifyInput[]): Promise<ClassifyResult> {
    return this.call('classify', inputs);
  }

  /** Every token's logits through a token classifier's head, as Model.classifyTokens(). */
  classifyTokens(texts: string | readonly string[]): Promise<TokenClassifyResult[]> {
    return this.call('classifyTokens', texts);
  }

  /**
   * The token-classification pipeline's entities of each text, post-processed in the worker (where the
   * tokenizer is); classifyTokenTexts(workerModel, …) is its pipeline-shaped door.
   */
  tokenEntities(texts: readonly string[], options: TokenClassificationOptions = {}): Promise<TokenEntities[]> {
    return this.call('tokenEntities', { texts, options });
  }

  /** A masked LM's logits at the mask tokens, as Model.fillMaskLogits(). */
  fillMaskLogits(texts: string | readonly string[]): Promise<MaskedLmResult[]> {
    return this.call('fillMaskLogits', texts);
  }

  /** The fill-mask pipeline's results (pipeline('fill-mask', …)'s call), computed in the worker. */
  fillMask(texts: string | readonly string[], options: FillMaskOptions = {}): Promise<FillMaskResults> {
    return this.call('fillMask', { texts, options });
  }

  /** The answers to a question in a context, as Model.answer() (the question-answering pipeline's call). */
  answer(question: string, context: string, options: QuestionAnsweringOptions = {}):
    Promise<QuestionAnsweringOutput | QuestionAnsweringOutput[]> {
    return this.call('answer', { question, context, options });
  }

  /**
   * One text through an encoder-decoder's task ('translation', 'summarization', …) as the pipeline runs it,
   * with the source and target ids kept for attention(source, [decoderStartTokenId, ...target]); onText
   * receives the target's text as it is decoded (greedy: token by token).
   */
  text2text(task: Text2TextTask, text: string, options: Omit<Text2TextOptions, 'signal'> = {},
    onText?: (piece: string) => void): Promise<Text2TextRun> {
    return this.call('text2text', { task, text, options }, onText);
  }

  /** The language codes of a multilingual translation model (NLLB, M2M100), null for any other model. */
  translationLanguages(): Promise<{ family: string; codes: string[] } | null> {
    return this.call('translationLanguages', null);
  }

  /** Frees the model's memory in the worker. Any later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.engine.request('dispose', this.modelId, null).result.catch(() => {});
  }

  private call<N extends ModelCallName>(type: N, args: Args<N>, onEvent?: (event: CallEvent<N>) => void): Promise<Result<N>> {
    try {
      return this.engine.request(type, this.live(), args, onEvent).result;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private live(): number {
    if (this.disposed) throw new QkvError('disposed', 'this model has been disposed');
    return this.modelId;
  }
}
