/**
 * A loaded model: its tokenizer, generation (decoders), embeddings
 * (encoders), classification logits (encoders with a head), raw logits and
 * attention weights. Calls on one model run one at a time, in the order they
 * were made (a second generate() waits for the first to finish or be aborted).
 */
import type { Backend } from './backend.js';
import { hasCapability, requireCapability } from './capabilities.js';
import type { Dtype, HeldDtype, KvDtype } from './dtype.js';
import { InvalidArgumentError, QkvError } from './errors.js';
import {
  resolveGenerationOptions, withGenerationDefaults, type GenerationDefaults, type GenerationOptions,
} from './generation.js';
import { Chat, type ChatOptions } from './chat.js';
import { prefillPrompt } from './prompt-cache.js';
import type { DenseLayer } from './dense.js';
import type { ClassificationInfo, ClassifyInput, ClassifyResult } from './classification.js';
import type { TokenClassifyResult } from './token-classification.js';
import type { EmbeddingDefaults } from './sentence-transformers.js';
import { sequenceLogits, tokenLogits } from './encoder/classify.js';
import { maskedLmLogits, type MaskedLmResult } from './encoder/fill-mask.js';
import { answerQuestion, answerSpans, type AnswerSpansResult } from './encoder/answer.js';
import type { QuestionAnsweringOptions, QuestionAnsweringOutput } from './question-answering.js';
import { fitEncoder, isIdList, type EncoderContext } from './encoder/context.js';
import { embedTexts, type EmbedOptions, type EmbedResult } from './encoder/embed.js';
import { isConversation, type ChatMessage } from './tokenizers/chat-template.js';
import type { Tokenizer } from './tokenizers/index.js';
import { idOnlyTokenizer, requireTokenizer } from './tokenizers/id-only.js';
import type { ModelHandle, ModelHandleInfo, Seq2SeqSessionHandle, SessionHandle } from './wasm-module.js';
import type { Text2TextInfo } from './text2text-pipeline.js';
import {
  resolveSeq2SeqOptions, seq2seqAttention, seq2seqForward, streamSeq2Seq, type GeneratedSequence, type Seq2SeqAttentionResult,
  type Seq2SeqContext, type Seq2SeqGenerationOptions,
} from './seq2seq.js';

export type { EmbedOptions, EmbedResult, Pooling } from './encoder/embed.js';

/** What the wasm side reports about the model, and the weight type it was loaded as. */
export interface ModelInfo extends ModelHandleInfo {
  /** Weight type in memory of the model's matrices (the embedding and LM head may differ: weightDtypes). */
  dtype: Dtype;
  /**
   * Each weight matrix's type in memory, by its Hub tensor name ({ 'model.embed_tokens.weight': 'q8',
   * 'model.layers.0.self_attn.q_proj.weight': 'q4', … }; 'q8k' for a GGUF's Q5_K matrices, 'q6k' for its Q6_K ones, 'q4k' for its Q4_K ones, 'q8h' for its Q8_0 ones); norms and
   * biases are f32.
   */
  weightDtypes: Record<string, HeldDtype>;
  /** Storage of the KV cache (decoders; loadModel's kvDtype). */
  kvDtype: KvDtype;
  /**
   * Models that embed (encoders, decoder embedding models): how embed()
   * pools, projects and normalizes when its options leave them out — a
   * sentence-transformers repository's own pooling, Dense modules and
   * Normalize (from modules.json and its module folders), and its prompts —
   * else mean pooling, not normalized. Absent for models that cannot embed.
   */
  embedding?: EmbeddingDefaults;
  /**
   * Decoders: the sampling defaults of the checkpoint's generation_config.json
   * that generate() uses for options it is not given ({} without the file).
   */
  generation?: GenerationDefaults;
  /** Encoder-decoders ('text2text'): the first target token (T5, Marian: the pad token; BART: </s>). */
  decoderStartTokenId?: number;
  /** Encoder-decoders: token ids a source may hold (Marian's encoder vocabulary may differ from nVocab, the target's). */
  sourceVocabSize?: number;
  /** Encoder-decoders: config.json's prefix and task_specific_params, which the pipelines apply. */
  text2text?: Text2TextInfo;
  /** Sequence and token classifiers ('classify', 'classify-tokens'): the labels and problem_type of config.json. */
  classification?: ClassificationInfo;
  /** The weights' file format ('safetensors' from a Hub layout, 'gguf' from one llama.cpp file). */
  format?: 'safetensors' | 'gguf';
  /** GGUF: the ggml tensor types of the tensors qkv read, with how many of each ({ Q8_0: 14, F32: 5 }). */
  ggmlTypes?: Record<string, number>;
}

/** @internal What a model's generation session is made with (loadModel's kvDtype and contextLength). */
export interface SessionOptions {
  kvDtype: KvDtype;
  /** 0: the model's context. */
  contextLength: number;
}

export interface GeneratedToken {
  /**
   * The token id; -1 on a last item that only releases text held back until
   * the end (the lookahead for a stop string, or bytes of an unfinished
   * character) and carries the finishReason (after an end-of-sequence token,
   * an abort with on_abort 'finish', or with max_new_tokens 0), so counting
   * items with token >= 0 counts tokens.
   */
  token: number;
  /** The text this token completes (may be '' while a multi-byte character is split across tokens). */
  text: string;
  /** Set on the last item only: why generation ended (see FinishReason). */
  finishReason?: FinishReason;
  /** Set on the last item only: the token counts of the generation. */
  usage?: GenerationUsage;
  /** An encoder-decoder's beam search, on the last item: its num_return_sequences best hypotheses, best first. */
  sequences?: GeneratedSequence[];
}

/** What a generation computed, on the last item of its stream. */
export interface GenerationUsage {
  /** Tokens of the prompt (after the chat template and any truncation). */
  promptTokens: number;
  /** Of those, the leading ones whose keys and values came from the cache (see cache_prompt): not computed again. */
  cachedTokens: number;
  /** Tokens generated (an end-of-sequence token not counted). */
  generatedTokens: number;
}

/**
 * Why a generation ended: 'eos' (an end-of-sequence token was sampled; it is
 * not yielded), 'max_new_tokens' (that many were generated; also 0), 'context'
 * (the context is full: no position is left for another token), 'stop' (the
 * text reached a stop string; it is cut before it), 'abort' (the signal was
 * aborted and the options say on_abort: 'finish'; by default an abort makes
 * the iterator throw an AbortError instead).
 */
export type FinishReason = 'eos' | 'max_new_tokens' | 'context' | 'stop' | 'abort';

export interface ForwardResult {
  /** Logits of every position, row-major [seq, vocab]. */
  logits: Float32Array;
  dims: [number, number];
}

export interface AttentionResult {
  /** The token strings of the input, as the tokenizer names them. */
  tokens: string[];
  /** The ids of the input. */
  ids: number[];
  /** Per layer: probabilities [head, query, key] as one row-major array. */
  layers: Float32Array[];
  dims: [number, number, number];
}

export class Model {
  /**
   * The model's tokenizer; null for a model loaded without tokenizer files (id-level use, as
   * transformers.js's AutoModel): its calls then take token ids, and text is a NoTokenizerError.
   */
  readonly tokenizer: Tokenizer | null;
  /** The tokenizer, or for a model without one the stand-in whose text calls throw NoTokenizerError. */
  private readonly text: Tokenizer;
  readonly info: ModelInfo;
  private readonly backend: Backend;
  private handle: ModelHandle | undefined;
  private session: SessionHandle | undefined;
  private readonly eos: number[];
  /** The sentence-transformers Dense modules embed() applies after the pooling (info.embedding.dense). */
  private readonly dense: readonly DenseLayer[];
  /** The contextLength asked for at load (0: the model's). */
  private readonly contextLength: number;
  private queue: Promise<unknown> = Promise.resolve();
  /** What the encoder calls (encoder/*.ts) use of this model. */
  private readonly encoder: EncoderContext;
  /** Encoder-decoders ('text2text'): the runner, which holds the encoded source between calls. */
  private seq2seq: Seq2SeqSessionHandle | undefined;

  /** @internal Use loadModel(). */
  constructor(backend: Backend, handle: ModelHandle, tokenizer: Tokenizer | null, info: Omit<ModelInfo, 'kvDtype'>,
    eos: number[], session: SessionOptions = { kvDtype: 'f32', contextLength: 0 }, dense: readonly DenseLayer[] = []) {
    this.dense = dense;
    this.backend = backend;
    this.handle = handle;
    const generates = hasCapability(info, 'generate');
    const live = generates ? backend.call(() => handle.createSession(session.kvDtype, session.contextLength)) : undefined;
    this.session = live;
    this.seq2seq = hasCapability(info, 'text2text') ? backend.call(() => handle.createSeq2SeqSession(session.kvDtype)) : undefined;
    this.tokenizer = tokenizer;
    this.text = tokenizer ?? idOnlyTokenizer(info.nVocab);
    // nCtx is what a generation may hold: the context asked for, else the model's.
    this.info = { ...info, nCtx: live !== undefined ? live.maxPositions() : info.nCtx, kvDtype: session.kvDtype,
      ...(this.seq2seq !== undefined ? { decoderStartTokenId: this.seq2seq.decoderStartTokenId(), sourceVocabSize: this.seq2seq.sourceVocabSize() } : {}) };
    this.eos = eos;
    this.contextLength = session.contextLength;
    this.encoder = {
      backend, tokenizer: this.text, info: this.info,
      withHandle: async (work) => {
        const release = await this.acquire();
        try {
          return work(this.liveHandle());
        } finally {
          release();
        }
      },
    };
  }

  /** Frees the model's wasm memory. Any later call throws. */
  dispose(): void {
    this.session?.delete();
    this.seq2seq?.delete();
    this.seq2seq = undefined;
    this.handle?.delete();
    this.session = undefined;
    this.handle = undefined;
  }

  /**
   * Streams generated tokens. A string prompt is tokenized exactly as
   * tokenizer.encode(prompt) does; a conversation (an array of { role,
   * content }) goes through the chat template with the assistant's header
   * appended, as tokenizer.apply_chat_template(messages, { add_generation_prompt: true }).
   * An encoder-decoder ('text2text': T5, BART, Marian) takes a source (text or ids) and streams the target
   * it decodes, its options defaulting to the checkpoint's generation_config.json: greedy tokens as they are
   * picked; a beam search's best hypothesis once it has ended, the last item carrying its `sequences`.
   */
  async *generate(prompt: string | readonly number[] | readonly ChatMessage[],
    givenOptions: GenerationOptions | Seq2SeqGenerationOptions = {}): AsyncGenerator<GeneratedToken> {
    // An encoder-decoder's options are GenerationConfig's beam settings; a decoder's, its sampling.
    if (this.seq2seq !== undefined) {
      yield* this.generateTarget(prompt, givenOptions as Seq2SeqGenerationOptions);
      return;
    }
    const options = givenOptions as GenerationOptions;
    requireCapability(this.info, 'generate', 'model.generate()');
    // The caller's options, checked before the prompt is read.
    const { chatTemplateKwargs } = resolveGenerationOptions(options, this.eos);
    if (!isConversation(prompt) && options.chat_template_kwargs !== undefined) {
      throw new InvalidArgumentError('generate: chat_template_kwargs applies to a conversation ({ role, content } ' +
        'messages); this prompt is ' + (typeof prompt === 'string' ? 'a string' : 'token ids'));
    }
    const promptIds = isConversation(prompt)
      ? this.promptIds(this.text.apply_chat_template(prompt, { ...chatTemplateKwargs, add_generation_prompt: true }))
      : this.promptIds(prompt as string | readonly number[], true);
    const resolved = resolveGenerationOptions(withGenerationDefaults(options, this.info.generation, promptIds.length),
      this.eos);
    const ids = this.fitPrompt(promptIds, resolved.truncation);
    const release = await this.acquire();
    try {
      const session = this.live();
      const { sampling, signal } = resolved;
      // Whether to end here for an abort: throws the signal's reason unless on_abort is 'finish'.
      const aborted = (): boolean => {
        if (signal?.aborted !== true) return false;
        if (resolved.onAbort === 'throw') signal.throwIfAborted();
        return true;
      };
      if (aborted()) {
        yield { token: -1, text: '', finishReason: 'abort', usage: { promptTokens: ids.length, cachedTokens: 0, generatedTokens: 0 } };
        return;
      }
      const cachedTokens = this.backend.call(() => {
        session.seed(resolved.seed);
        // Once per generation: every sample() below uses these options.
        // top_k past the vocabulary keeps every token (as transformers.js), whatever its size.
        session.setSampling(sampling.doSample, sampling.temperature, Math.min(sampling.topK, this.info.nVocab),
          sampling.topP, sampling.repetitionPenalty);
        return prefillPrompt(session, ids, resolved.cachePrompt);
      });
      let generated = 0;
      const usage = (): GenerationUsage => ({ promptTokens: ids.length, cachedTokens, generatedTokens: generated });
      // The stream starts after the prompt, so the first new token decodes as
      // it does mid-text (a SentencePiece "▁world" is " world", not "world").
      const decoder = this.text.createDecodeStream();
      for (const id of ids) decoder.push(id);
      let text = '';
      let emitted = 0; // characters of `text` already yielded
      const longestStop = Math.max(0, ...resolved.stop.map((s) => s.length));
      // The reason goes on the last item. When the sampled token is the last
      // (the budget or the context is spent) it rides on that token, so a
      // stream is not held back a step to learn whether it ends.
      let reason: FinishReason = 'max_new_tokens';
      for (let i = 0; i < resolved.maxNewTokens; i++) {
        if (aborted()) {
          reason = 'abort';
          break;
        }
        const token = this.backend.call(() => session.sample());
        if (resolved.eos.includes(token)) {
          reason = 'eos';
          break;
        }
        generated++;
        // The session holds the prompt and the tokens before this one; no position left: this one is the last.
        const contextFull = session.position() >= this.info.nCtx;
        const last = i + 1 >= resolved.maxNewTokens || contextFull;
        if (last && i + 1 < resolved.maxNewTokens) reason = 'context';
        text += decoder.push(token);
        if (last) text += decoder.flush();
        const stopAt = firstStop(text, resolved.stop);
        if (stopAt >= 0) {
          yield { token, text: text.slice(emitted, Math.max(emitted, stopAt)), finishReason: 'stop', usage: usage() };
          return;
        }
        // Hold back text that could still turn into a stop string.
        const safe = last ? text.length : Math.max(emitted, text.length - Math.max(0, longestStop - 1));
        const piece = text.slice(emitted, safe);
        emitted = safe;
        if (last) {
          yield { token, text: piece, finishReason: reason, usage: usage() };
          return;
        }
        yield { token, text: piece };
        // dispose() may have run while the caller held the token: a named error, not Embind's BindingError.
        const live = this.live();
        this.backend.call(() => live.append(Int32Array.of(token), false));
      }
      // An end-of-sequence token, an abort (on_abort 'finish') or max_new_tokens 0: text
      // held back for stop strings and any bytes of an unfinished character, with the reason.
      const rest = text + decoder.flush();
      yield { token: -1, text: rest.slice(emitted), finishReason: reason, usage: usage() };
    } finally {
      release();
    }
  }

  /**
   * A conversation that keeps the KV cache between turns: chat.send(text) streams the reply, and each
   * turn computes only its new tokens (see Chat). The model has one cache, so two chats used in turn
   * still answer exactly, each recomputing what the other displaced.
   */
  chat(options?: ChatOptions): Chat {
    requireCapability(this.info, 'generate', 'model.chat()');
    return new Chat(this, options);
  }

  /** Logits of every position for these ids (or this text). */
  async forward(input: string | readonly number[], target?: readonly number[]): Promise<ForwardResult> {
    if (this.seq2seq !== undefined || target !== undefined) {
      const [sourceIds, targetIds] = this.sourceAndTarget('forward', input, target);
      return this.withSeq2Seq((ctx) => seq2seqForward(ctx, sourceIds, targetIds));
    }
    requireCapability(this.info, 'generate', 'model.forward()');
    const ids = this.promptIds(input);
    const release = await this.acquire();
    try {
      const session = this.live();
      const logits = this.backend.call(() => {
        session.reset();
        session.append(Int32Array.from(ids), true);
        return session.allLogits();
      });
      return { logits, dims: [ids.length, this.info.nVocab] };
    } finally {
      release();
    }
  }

  /** Attention probabilities of every layer and head for this text (or ids). */
  attention(input: string | readonly number[]): Promise<AttentionResult>;
  /** An encoder-decoder's: encoder self-attention, decoder self-attention and cross-attention (target × source). */
  attention(source: string | readonly number[], target: readonly number[]): Promise<Seq2SeqAttentionResult>;
  async attention(input: string | readonly number[], target?: readonly number[]): Promise<AttentionResult | Seq2SeqAttentionResult> {
    if (this.seq2seq !== undefined || target !== undefined) {
      const [sourceIds, targetIds] = this.sourceAndTarget('attention', input, target);
      return this.withSeq2Seq((ctx) => seq2seqAttention(ctx, sourceIds, targetIds, (id) => this.text.idToToken(id)));
    }
    const ids = this.promptIds(input);
    const release = await this.acquire();
    try {
      // An encoder attends over the whole (cut) sequence; a decoder causally, through its session.
      const encoder = hasCapability(this.info, 'encode');
      if (!encoder) requireCapability(this.info, 'generate', 'model.attention()');
      const layers = encoder
        ? this.backend.call(() => this.liveHandle().encodeAttention(Int32Array.from(fitEncoder(ids, this.info.nCtx))))
        : this.backend.call(() => this.live().attention(Int32Array.from(ids)));
      const tokens = ids.map((id) => this.text.idToToken(id) ?? String(id));
      return { tokens, ids, layers, dims: [this.info.nHead, ids.length, ids.length] };
    } finally {
      release();
    }
  }

  /**
   * Sentence embeddings of an encoder (BERT family) or a decoder embedding
   * model (Qwen3-Embedding, EmbeddingGemma): each text, after the prompt if
   * one is chosen, is tokenized with its special tokens ([CLS] … [SEP],
   * … <|endoftext|>), cut to the model's context, encoded, pooled, passed
   * through the repository's Dense modules and normalized. Texts are encoded
   * together, each attending only to itself, so results do not depend on the
   * batch. An entry may also be an array of token ids, used as given
   * (special tokens included, no prompt).
   */
  embed(texts: string | readonly (string | readonly number[])[], options: EmbedOptions = {}): Promise<EmbedResult> {
    return embedTexts(this.encoder, this.dense, texts, options);
  }

  /**
   * Logits of a sequence classifier's head (a *ForSequenceClassification checkpoint), row-major
   * [inputs, labels] in id2label order (info.classification). Each input is a text, tokenized as
   * tokenizer.encode() does, or a { text, text_pair } pair through the tokenizer's pair template
   * with its token types (left out for a model without them, as DistilBERT's tokenizer does). Inputs
   * are encoded together, each attending only to itself: results do not depend on the batch.
   */
  classify(inputs: ClassifyInput | readonly ClassifyInput[]): Promise<ClassifyResult> {
    return sequenceLogits(this.encoder, inputs);
  }

  /**
   * Every token's logits through a token classifier's head (a *ForTokenClassification checkpoint:
   * NER), [tokens, labels] per text in id2label order, with the text's ids (special tokens included;
   * a text longer than the context is cut as embed() cuts it). Texts are encoded together.
   */
  classifyTokens(texts: string | readonly string[]): Promise<TokenClassifyResult[]> {
    return tokenLogits(this.encoder, texts);
  }

  /**
   * The vocabulary logits of a masked LM's head (a *ForMaskedLM checkpoint) at the mask tokens
   * (tokenizer.mask_token) of each text: [masks, nVocab] per text, with its ids and mask positions.
   * A text without a mask token is an InvalidArgumentError. The pipeline 'fill-mask' ranks them.
   */
  async fillMaskLogits(texts: string | readonly string[]): Promise<MaskedLmResult[]> {
    // Texts only, and the mask token is the tokenizer's: without one, say so first.
    requireTokenizer(this.tokenizer, 'fillMaskLogits()');
    return maskedLmLogits(this.encoder, texts);
  }

  /**
   * Extractive question answering at token level (a *ForQuestionAnswering checkpoint): the question
   * and each window of the context through the pair template (windows of options.max_seq_len tokens
   * sharing doc_stride, as transformers' pipeline cuts a long context), each window's best spans by
   * start and end probability. pipeline('question-answering') turns them into answers with text.
   */
  answerSpans(question: string, context: string, options: QuestionAnsweringOptions = {}): Promise<AnswerSpansResult> {
    return answerSpans(this.encoder, question, context, options);
  }

  /**
   * The answers to a question in a context, as transformers' question-answering pipeline gives them
   * ({ score, start, end, answer }; start and end index the context's characters): answerSpans(), each
   * span's text from the tokenizer's offsets, equal texts of several windows adding their scores, the
   * null answer with handle_impossible_answer. One answer for top_k 1, else a list, best first.
   */
  answer(question: string, context: string, options: QuestionAnsweringOptions = {}):
    Promise<QuestionAnsweringOutput | QuestionAnsweringOutput[]> {
    return answerQuestion(this.encoder, question, context, options);
  }

  /** An encoder-decoder's generate(): the source encoded once, the target decoded against it. */
  private async *generateTarget(source: string | readonly number[] | readonly ChatMessage[],
    options: Seq2SeqGenerationOptions): AsyncGenerator<GeneratedToken> {
    if (isConversation(source)) {
      throw new InvalidArgumentError('generate: an encoder-decoder takes a source text or token ids, not a conversation');
    }
    const resolved = resolveSeq2SeqOptions(options, this.info.generation ?? {}, this.eos);
    const ids = this.sourceIds(source as string | readonly number[]);
    if (resolved.signal?.aborted === true) {
      if (resolved.onAbort === 'throw') resolved.signal.throwIfAborted();
      yield { token: -1, text: '', finishReason: 'abort', usage: { promptTokens: ids.length, cachedTokens: 0, generatedTokens: 0 } };
      return;
    }
    const release = await this.acquire();
    try {
      yield* streamSeq2Seq(() => this.seq2seqContext(), ids, resolved);
    } finally {
      release();
    }
  }

  /** An encoder-decoder call's source (text or ids) and target ids, checked. */
  private sourceAndTarget(call: string, source: string | readonly number[], target: readonly number[] | undefined): [number[], number[]] {
    if (this.seq2seq === undefined) {
      throw new InvalidArgumentError(`${call}: a target is for encoder-decoders; ${this.info.architecture} takes one input`);
    }
    if (target === undefined || typeof target === 'string') {
      throw new InvalidArgumentError(`${call}: an encoder-decoder takes (source, target): the target as token ids, ` +
        `usually starting with the decoder start token (model.info.decoderStartTokenId)`);
    }
    return [this.sourceIds(source), this.promptIds(target)];
  }

  /** An encoder-decoder's source ids, within the encoder's vocabulary. */
  private sourceIds(source: string | readonly number[]): number[] {
    return this.promptIds(source, false, this.info.sourceVocabSize);
  }

  /** Runs `work` on the runner with the model's lock held. */
  private async withSeq2Seq<T>(work: (ctx: Seq2SeqContext) => T): Promise<T> {
    const release = await this.acquire();
    try {
      return work(this.seq2seqContext());
    } finally {
      release();
    }
  }

  /** What the seq2seq calls use of this model (a named error once it is disposed). */
  private seq2seqContext(): Seq2SeqContext {
    const session = this.seq2seq;
    if (session === undefined) throw new QkvError('disposed', 'this model has been disposed');
    return { backend: this.backend, session, tokenizer: this.text, nVocab: this.info.nVocab, nHead: this.info.nHead };
  }

  private liveHandle(): ModelHandle {
    if (this.handle === undefined) throw new QkvError('disposed', 'this model has been disposed');
    return this.handle;
  }

  /** `chat`: the caller (generate) also takes a conversation, which the error then mentions. */
  /** A prompt's limits said in the caller's terms (tokens, contextLength), before the session sees it. */
  private fitPrompt(ids: number[], truncation: 'left' | undefined): number[] {
    if (ids.length === 0) {
      throw new InvalidArgumentError('generate: the prompt has no tokens to process (an empty id list, or an empty ' +
        'text and a tokenizer that adds no beginning-of-sequence token): give at least one token, e.g. the model\'s ' +
        'bos_token_id');
    }
    const limit = this.info.nCtx;
    if (ids.length <= limit) return ids;
    if (truncation === 'left') return ids.slice(ids.length - limit);
    const asked = this.contextLength > 0;
    throw new InvalidArgumentError(`generate: your prompt is ${ids.length} tokens; this model reads at most ${limit} ` +
      `(${asked ? 'contextLength' : "the model's context"}): shorten it, ` +
      `${asked ? 'load with a larger contextLength, ' : ''}or pass truncation: 'left' to keep its last ${limit} tokens`);
  }

  private promptIds(input: string | readonly number[], chat = false, vocab = this.info.nVocab): number[] {
    if (typeof input === 'string') return this.text.encode(input);
    if (!isIdList(input)) {
      throw new InvalidArgumentError(`expected a string or an array of token ids${chat ? ' (or of { role, content } messages)' : ''}`);
    }
    // Checked here: the ids reach wasm as an Int32Array, where 2^32 + 5 would silently become 5.
    input.forEach((id, i) => {
      if (id < 0 || id >= vocab) {
        throw new InvalidArgumentError(`token id ${id} at position ${i} is outside the vocabulary [0, ${vocab})`);
      }
    });
    return [...input];
  }

  private live(): SessionHandle {
    this.liveHandle();
    if (this.session === undefined) throw new QkvError('disposed', 'this model has been disposed');
    return this.session;
  }

  /** Waits for earlier calls on this model; returns the release function. */
  private async acquire(): Promise<() => void> {
    this.liveHandle();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const previous = this.queue;
    this.queue = previous.then(() => mine);
    await previous;
    return release;
  }
}

function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}
