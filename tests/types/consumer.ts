// A TypeScript application written against qkv's published types: it imports
// 'qkv' by name (resolved through package.json's "exports" to dist/index.d.ts,
// as an installed copy resolves) and uses every public export once, under the
// strictest settings an application might choose (tests/types/tsconfig.json).
// It is compiled, never run: tests/js/types.test.mjs runs `tsc --noEmit -p
// tests/types` and checks that the import below names every export of
// dist/index.d.ts. Lines marked @ts-expect-error must stay errors: they fail
// the compile if a public type widens (to `any`, or to a looser union).
import {
  // values
  env,
  QkvError,
  InvalidArgumentError,
  FormatError,
  UnsupportedError,
  OutOfMemoryError,
  NetworkError,
  HubError,
  IntegrityError,
  InternalError,
  NoTokenizerError,
  softmax,
  createTokenizer,
  loadSentencePieceTokenizer,
  loadMarianTokenizer,
  loadM2M100Tokenizer,
  loadModel,
  downloadModel,
  inspectGguf,
  formatGgufSummary,
  pickGgufFiles,
  Model,
  Chat,
  pipeline,
  TextStreamer,
  WorkerEngine,
  WorkerModel,
  serveWorker,
  backendInfo,
  classifyTexts,
  classifyTokenTexts,
  rerank,
  fillMask,
  zeroShotClassify,
  // types
  type Env,
  type RelaxedSimdSetting,
  type WasmEnv,
  type BackendInfo,
  type Flavour,
  type LoadModelOptions,
  type LoadSource,
  type IgnoredTransformersOptions,
  type ModelFiles,
  type FileInput,
  type ProgressInfo,
  type ModelInfo,
  type ModelSource,
  type Dtype,
  type HeldDtype,
  type DtypeAlias,
  type KvDtype,
  type Capability,
  type GeneratedToken,
  type GenerationUsage,
  type ChatModel,
  type ChatOptions,
  type FinishReason,
  type ForwardResult,
  type AttentionResult,
  type EmbedOptions,
  type EmbedResult,
  type Pooling,
  type EmbeddingDefaults,
  type DenseInfo,
  type DenseActivation,
  type PipelineTask,
  type PipelineOptions,
  type TextGenerationPipeline,
  type TextGenerationOptions,
  type TextGenerationOutput,
  type ChatGenerationOutput,
  type FeatureExtractionPipeline,
  type FeatureExtractionOptions,
  type EmbeddingTensor,
  type TextStreamerOptions,
  type GenerationOptions,
  type Seq2SeqGenerationOptions,
  type Text2TextInfo,
  type Text2TextOutput,
  type Text2TextTask,
  type Text2TextTaskSettings,
  type Text2TextPipeline,
  type Text2TextOptions,
  type Text2TextRun,
  type LanguagePair,
  type TranslationLanguages,
  translationInputs,
  translationLanguages,
  text2textRunner,
  crossAlignment,
  crossAttentionMap,
  type BeamSearchSettings,
  type GeneratedSequence,
  type Seq2SeqAttentionResult,
  type GenerationDefaults,
  type ChatTemplateKwargs,
  type Tokenizer,
  type DecodeStream,
  type DecodeOptions,
  type EncodeOptions,
  type ChatMessage,
  type ChatTemplateOptions,
  type SoftmaxOptions,
  type WorkerEngineOptions,
  type WorkerTokenizer,
  type WorkerSettings,
  type HubErrorReason,
  type DownloadModelOptions,
  type DownloadedModel,
  type InspectGgufOptions,
  type GgufSummary,
  type GgufJsonValue,
  type GgufMetadataEntry,
  type GgufTensorRow,
  type GgufTypeTotal,
  type GgufTokenizerSummary,
  type GgufChoice,
  type TextClassificationPipeline,
  type TextRankingPipeline,
  type Classifier,
  type RerankOptions,
  type RerankResult,
  type ClassificationFunction,
  type ClassificationInfo,
  type ClassifyInput,
  type ClassifyResult,
  type TextClassificationOptions,
  type TextClassificationOutput,
  type EncodedPair,
  type EncodingWithOffsets,
  type PairEncodingWithOffsets,
  type TokenClassificationPipeline,
  type FillMaskPipeline,
  type FillMaskOptions,
  type FillMaskOutput,
  type FillMaskResults,
  type MaskFiller,
  type MaskedLmResult,
  type ZeroShotClassificationPipeline,
  type ZeroShotClassificationOptions,
  type ZeroShotClassificationOutput,
  type QuestionAnsweringPipeline,
  type QuestionAnsweringOptions,
  type QuestionAnsweringOutput,
  type TokenSpan,
  type AnswerSpansResult,
  type AnswerWindow,
  type TokenClassificationOptions,
  type TokenClassificationOutput,
  type TokenClassifyResult,
  type TokenClassificationGroup,
  type AggregationStrategy,
  type GroupingStrategy,
  type RemoteTokenClassifier,
  type TokenEntities,
  type MarianTokenizer,
  type MarianTokenizerFiles,
  type MarianEncodeOptions,
  type MarianDecodeOptions,
  type M2M100Tokenizer,
  type M2M100TokenizerFiles,
  type M2M100EncodeOptions,
  type M2M100TargetOptions,
  type M2M100DecodeOptions,
} from 'qkv';

/** true when T is `any`: the public surface must have none. */
type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T>(_value: T, isAny: IsAny<T>): false => isAny as false;

// --- env, backendInfo, softmax -------------------------------------------------
export async function runtime(): Promise<number> {
  const settings: Env = env;
  const wasm: WasmEnv = settings.wasm;
  wasm.numThreads = 0;
  wasm.wasmPaths = undefined;
  const relaxed: RelaxedSimdSetting = wasm.relaxedSimd;
  wasm.relaxedSimd = relaxed === 'auto' ? false : 'auto';
  wasm.relaxedSimd = true;
  // @ts-expect-error relaxedSimd is 'auto', true or false
  wasm.relaxedSimd = 'on';
  settings.useBrowserCache = false;
  // @ts-expect-error env.wasm is readonly
  settings.wasm = wasm;

  const info: BackendInfo = await backendInfo();
  const flavour: Flavour = info.flavour;
  const flavours: Flavour[] = ['qkv-simd', 'qkv-simd-threads', 'qkv-relaxed', 'qkv-relaxed-threads'];
  // @ts-expect-error a flavour qkv does not ship
  const noSuchFlavour: Flavour = 'qkv-simd-relaxed';
  const reason: string | undefined = info.fallbackReason;
  const relaxedSimd: boolean = info.relaxedSimd;
  const whyNotRelaxed: string | undefined = info.relaxedSimdReason;

  const options: SoftmaxOptions = { rows: 2 };
  const probs: Float32Array = await softmax(new Float32Array([1, 2, 3, 4]), options);
  const fromArray: Float32Array = await softmax([1, 2, 3, 4] as const);
  notAny(probs, false);
  return probs.length + fromArray.length + flavour.length + noSuchFlavour.length + (reason ?? '').length +
    flavours.length + Number(relaxedSimd) + (whyNotRelaxed ?? '').length;
}

// --- errors ---------------------------------------------------------------------
export function classify(e: unknown): string {
  const classes = [InvalidArgumentError, FormatError, UnsupportedError, OutOfMemoryError, NetworkError, InternalError];
  for (const ErrorClass of classes) {
    if (e instanceof ErrorClass) return `${e.name}: ${e.message}`;
  }
  if (e instanceof QkvError) {
    const code: string = e.code;
    // @ts-expect-error code is readonly
    e.code = 'other';
    return code;
  }
  const wrapped = new InvalidArgumentError('bad input', { cause: e });
  return wrapped.message;
}

// --- models by Hub id -------------------------------------------------------------
export async function byHubId(signal: AbortSignal): Promise<string> {
  env.remoteHost = 'https://huggingface.co';
  env.remotePathTemplate = '{model}/resolve/{revision}/';
  env.allowRemoteModels = true;
  env.allowLocalModels = false;
  env.localModelPath = '/models/';
  env.cacheDir = undefined;
  env.accessToken = undefined;
  const options: DownloadModelOptions = { revision: 'main', accessToken: 'hf_token', signal, onProgress: (p) => void p.totalLoaded };
  const downloaded: DownloadedModel = await downloadModel('org/name', options);
  const folder: string | undefined = downloaded.folder;
  try {
    const model = await loadModel('org/name', { revision: downloaded.commit, accessToken: 'hf_token' });
    model.dispose();
  } catch (e) {
    if (e instanceof HubError) {
      const reason: HubErrorReason = e.reason;
      return reason;
    }
    if (e instanceof IntegrityError) return e.message;
  }
  // @ts-expect-error a reason the Hub does not give
  const teapot: HubErrorReason = 'Teapot';
  return `${downloaded.files.join(',')} ${folder ?? ''} ${teapot}`;
}

// --- tokenizers -------------------------------------------------------------------
export function sentencePiece(model: Uint8Array, files: MarianTokenizerFiles): string {
  const spm: Tokenizer = loadSentencePieceTokenizer(model, 'tokenizer.model');
  const marian: MarianTokenizer = loadMarianTokenizer(files);
  const encodeOptions: MarianEncodeOptions = { add_special_tokens: false };
  const decodeOptions: MarianDecodeOptions = { skip_special_tokens: true, use_source_tokenizer: false };
  const ids: number[] = marian.encode('>>fr<< Hello', encodeOptions).concat(marian.encodeTarget('Bonjour'));
  const codes: readonly string[] = marian.languageCodes;
  // @ts-expect-error a Marian tokenizer's files are bytes or text
  loadMarianTokenizer({ 'vocab.json': 42 });
  return spm.decode(spm.encode('Hello')) + marian.decode(ids, decodeOptions) + codes.join(',') + marian.eos_token_id;
}

export function m2m100(files: M2M100TokenizerFiles): string {
  const tokenizer: M2M100Tokenizer = loadM2M100Tokenizer(files);
  const source: M2M100EncodeOptions = { src_lang: 'en', add_special_tokens: true };
  const target: M2M100TargetOptions = { tgt_lang: 'fr' };
  const decodeOptions: M2M100DecodeOptions = { skip_special_tokens: true };
  const ids: number[] = tokenizer.encode('Hello', source).concat(tokenizer.encodeTarget('Bonjour', target));
  const fr: number | undefined = tokenizer.langTokenId('fr');
  const codes: readonly string[] = tokenizer.languageCodes;
  // @ts-expect-error src_lang is a language code
  tokenizer.encode('Hello', { src_lang: 42 });
  return tokenizer.decode(ids, decodeOptions) + codes.join(',') + String(fr) + tokenizer.srcLang + tokenizer.vocabSize;
}

export function tokenize(tokenizerJson: unknown, tokenizerConfig: unknown): string {
  const tokenizer: Tokenizer = createTokenizer(tokenizerJson, tokenizerConfig);
  const encodeOptions: EncodeOptions = { add_special_tokens: false };
  const decodeOptions: DecodeOptions = { skip_special_tokens: true };
  const ids: number[] = tokenizer.encode('Hello', encodeOptions);
  const stream: DecodeStream = tokenizer.createDecodeStream(decodeOptions);
  let text = ids.map((id) => stream.push(id)).join('') + stream.flush();
  text += tokenizer.decode(ids, decodeOptions) + tokenizer.idToToken(ids[0] ?? 0);

  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hi!', name: 'extra fields reach the template' },
  ];
  const chatOptions: ChatTemplateOptions = { add_generation_prompt: true, date_string: '6 Dec 2026' };
  const asText: string = tokenizer.apply_chat_template(messages, { ...chatOptions, tokenize: false });
  const asIds: number[] = tokenizer.apply_chat_template(messages, chatOptions);
  const asDict: { input_ids: number[] } = tokenizer.apply_chat_template(messages, { return_dict: true });
  const template: string | undefined = tokenizer.chat_template;
  // @ts-expect-error vocabSize is readonly
  tokenizer.vocabSize = 0;
  // @ts-expect-error exactOptionalPropertyTypes: an absent option is left out, not set to undefined
  const noUndefined: EncodeOptions = { add_special_tokens: undefined };
  return text + asText + asIds.length + asDict.input_ids.length + (template ?? '') + String(noUndefined);
}

// --- loadModel and Model ----------------------------------------------------------
export async function generateOnMainThread(signal: AbortSignal, weights: Blob, bytes: Uint8Array): Promise<string> {
  const config: FileInput = new URL('https://example.com/model/config.json');
  const files: ModelFiles = { config, weights: [weights, bytes.buffer as ArrayBuffer], tokenizer: bytes };
  const onProgress = (p: ProgressInfo): void => {
    const status: 'progress' | 'done' = p.status;
    const fraction: number = p.totalKnown ? p.totalLoaded / p.totalBytes : p.loaded / p.total;
    void `${status} ${p.file} ${p.fileIndex}/${p.fileCount} ${fraction}`;
  };
  const kvDtype: KvDtype = 'f16';
  const options: LoadModelOptions = { dtype: 'q8', kvDtype, contextLength: 2048, onProgress, signal };
  // Code written for transformers.js compiles: its options qkv ignores are typed (and warned about at run time).
  const ported: IgnoredTransformersOptions = { device: 'webgpu', subfolder: 'onnx' };
  await loadModel(files, { ...ported, dtype: 'auto' });
  await pipeline('feature-extraction', files, { device: 'wasm', dtype: 'fp16' });
  // @ts-expect-error a KV cache dtype qkv does not store
  await loadModel(files, { kvDtype: 'q8' });
  // @ts-expect-error a dtype qkv does not load (transformers.js's q4f16 ONNX; qkv's own 4-bit is 'q4')
  await loadModel(files, { dtype: 'q4f16' });
  await loadModel(files, { dtype: 'q4', embeddingDtype: 'q8', lmHeadDtype: 'fp16' });
  // @ts-expect-error a role's dtype is a concrete one, never 'auto'
  await loadModel(files, { lmHeadDtype: 'auto' });

  // A GGUF model: one file, or a split model's parts in order (paths, URLs, Blobs, bytes).
  const parts: LoadSource = [new Blob(['GGUF']), bytes, 'm-00003-of-00003.gguf'];
  (await loadModel(parts, { dtype: 'q8' })).dispose();

  const model: Model = await loadModel(files, options);
  const info: ModelInfo = model.info;
  const dtype: Dtype = info.dtype;
  const perMatrix: Record<string, HeldDtype> = info.weightDtypes;
  const canEmbed: boolean = info.capabilities.includes('encode' satisfies Capability);
  // @ts-expect-error a capability qkv does not name
  info.capabilities.includes('fly');
  const generation: GenerationOptions = {
    max_new_tokens: 20, do_sample: true, temperature: 0.8, top_k: 40, top_p: 0.95,
    repetition_penalty: 1.1, seed: 1, stop: ['\n\n'], eos_token_id: [2], signal, truncation: 'left',
  };
  let text = `${info.architecture} ${info.nCtx} ${dtype} ${Object.keys(perMatrix).length} ${canEmbed}: `;
  for await (const piece of model.generate('Hello', generation)) {
    const token: GeneratedToken = piece;
    notAny(token.token, false);
    text += token.text;
    const reason: FinishReason | undefined = token.finishReason;
    if (reason !== undefined) text += ` [${reason}]`;
    const usage: GenerationUsage | undefined = token.usage;
    if (usage !== undefined) text += ` ${usage.promptTokens} ${usage.cachedTokens} ${usage.generatedTokens}`;
  }
  const chatOptions: ChatOptions = { system: 'Be brief.', generation: { max_new_tokens: 8, cache_prompt: true } };
  const chat: Chat = model.chat(chatOptions);
  for await (const { text: piece } of chat.send('Hi', { seed: 2 })) text += piece;
  const talker: ChatModel = model;
  text += chat.messages.length + String(talker === model);
  // @ts-expect-error a turn is text
  chat.send([1, 2]);
  const aborted: FinishReason = 'abort';
  // @ts-expect-error OpenAI's name for the budget; qkv says 'max_new_tokens'
  const length: FinishReason = 'length';
  void aborted;
  void length;
  const finishing: GenerationOptions = { signal, on_abort: 'finish' };
  // @ts-expect-error an abort either throws or finishes the stream
  const ignoring: GenerationOptions = { on_abort: 'ignore' };
  void finishing;
  void ignoring;
  // A model loaded without tokenizer files has none: ids only, and text is a NoTokenizerError.
  // @ts-expect-error the tokenizer may be null
  model.tokenizer.encode('Hello');
  const forward: ForwardResult = await model.forward(model.tokenizer?.encode('Hello') ?? [1]);
  try {
    await model.forward('Hello');
  } catch (e) {
    if (e instanceof NoTokenizerError) text += e.code;
  }
  const [seq, vocab]: [number, number] = forward.dims;
  const attention: AttentionResult = await model.attention('The cat sat');
  const firstLayer: Float32Array | undefined = attention.layers[0];
  model.dispose();
  return text + seq * vocab + attention.tokens.join(' ') + (firstLayer?.length ?? 0);
}

export async function embedOnMainThread(folder: string): Promise<number[]> {
  const source: ModelSource = folder;
  const model = await loadModel(source);
  const embedOptions: EmbedOptions = { pooling: 'mean', normalize: true };
  // @ts-expect-error a pooling qkv does not have (sentence-transformers' mean_sqrt_len_tokens)
  await model.embed('x', { pooling: 'mean_sqrt_len_tokens' });
  const max: Pooling = 'max';
  await model.embed('x', { pooling: max });
  // A sentence-transformers repository's defaults: read-only information, possibly absent (decoders).
  const alias: DtypeAlias = 'fp16';
  // @ts-expect-error transformers.js's ONNX quantizations are no qkv dtype
  const onnx: DtypeAlias = 'int8';
  void onnx;
  (await loadModel('x', { dtype: alias })).dispose();
  const sampling: GenerationDefaults | undefined = model.info.generation;
  // Qwen3's template without thinking; the call itself decides add_generation_prompt.
  const noThinking: ChatTemplateKwargs = { enable_thinking: false };
  // @ts-expect-error generate() appends the assistant header itself
  const own: ChatTemplateKwargs = { add_generation_prompt: false };
  void own;
  for await (const t of model.generate([{ role: 'user', content: 'x' }], { chat_template_kwargs: noThinking })) void t;
  const sampleByDefault: boolean | undefined = sampling?.do_sample;
  void sampleByDefault;
  const defaults: EmbeddingDefaults | undefined = model.info.embedding;
  const pooling: Pooling | undefined = defaults?.pooling;
  const from: 'modules.json' | 'default' | undefined = defaults?.from;
  const why: string | undefined = defaults?.unsupported;
  const cut: number | undefined = defaults?.maxTokens;
  const lowercase: boolean | undefined = defaults?.lowercase;
  // Decoder embedding models: Dense modules, prompts by name (config_sentence_transformers.json).
  const dense: readonly DenseInfo[] | undefined = defaults?.dense;
  const activation: DenseActivation | undefined = dense?.[0]?.activation;
  const prompts: Readonly<Record<string, string>> | undefined = defaults?.prompts;
  const lastToken: Pooling = 'last_token';
  await model.embed('query text', { pooling: lastToken, prompt_name: 'query' });
  await model.embed('document', { prompt: 'title: none | text: ' });
  void [activation, prompts, defaults?.defaultPromptName, defaults?.includePrompt];
  const files: ModelFiles = {
    config: 'config.json', weights: 'model.safetensors', tokenizer: 'tokenizer.json',
    extraFiles: { 'modules.json': new Uint8Array(), '1_Pooling/config.json': new Blob(['{}']) },
  };
  void files;
  const result: EmbedResult = await model.embed(['first text', [101, 102]], embedOptions);
  return [...result.dims, result.data.length, `${pooling} ${from} ${why} ${defaults?.normalize} ${cut} ${lowercase}`.length];
}

// --- pipeline and TextStreamer ----------------------------------------------------
export async function pipelines(folder: string): Promise<string> {
  const task: PipelineTask = 'text-generation';
  const pipelineOptions: PipelineOptions = { dtype: 'fp16', revision: 'main', progress_callback: (p: ProgressInfo) => void p.loaded };
  const generator: TextGenerationPipeline = await pipeline(task, folder, pipelineOptions);

  const streamerOptions: TextStreamerOptions = {
    skip_prompt: true, callback_function: (t: string) => void t, on_finalize: () => undefined,
  };
  const streamer = new TextStreamer(generator.tokenizer, streamerOptions);
  const generationOptions: TextGenerationOptions = { max_new_tokens: 20, return_full_text: false, streamer };
  const outputs: TextGenerationOutput[] = await generator('Hello', generationOptions);
  const batched: TextGenerationOutput[][] = await generator(['a', 'b'], generationOptions);
  const chat: ChatGenerationOutput[] = await generator([{ role: 'user', content: 'Hi!' }], generationOptions);
  const reply: ChatMessage | undefined = chat[0]?.generated_text.at(-1);
  const ended: FinishReason | undefined = outputs[0]?.finish_reason;
  const chatEnded: FinishReason | undefined = chat[0]?.finish_reason;
  void ended;
  void chatEnded;
  await generator.dispose();

  const extractor: FeatureExtractionPipeline = await pipeline('feature-extraction', folder);
  const extractOptions: FeatureExtractionOptions = { pooling: 'cls', normalize: true };
  const tensor: EmbeddingTensor = await extractor(['first text', 'second'], extractOptions);
  const type: 'float32' = tensor.type;
  const nested: unknown[] = tensor.tolist();
  const rows: number = tensor.dims[0] ?? 0;
  notAny(tensor.data, false);
  // @ts-expect-error a task qkv has no pipeline for
  await pipeline('image-classification', folder);
  return `${outputs[0]?.generated_text}${batched.length}${reply?.content}${type}${nested.length}${rows}`;
}

// --- WorkerEngine, WorkerModel, serveWorker --------------------------------------
export async function generateInWorker(signal: AbortSignal): Promise<string> {
  const settings: WorkerSettings = { numThreads: 0, useBrowserCache: true, relaxedSimd: false };
  const engineOptions: WorkerEngineOptions = settings;
  const engine: WorkerEngine = await WorkerEngine.create(engineOptions);
  const info: BackendInfo = await engine.backendInfo();
  const model: WorkerModel = await engine.loadModel('/models/sotu-llama/', { dtype: 'f16', signal });
  if (model.tokenizer === null) throw new Error('a model without a tokenizer');
  const tokenizer: WorkerTokenizer = model.tokenizer;
  const ids: number[] = await tokenizer.encode('Hello');
  // The mask token arrives with the model: no promise.
  const maskToken: string | undefined = tokenizer.mask_token;
  const maskTokenId: number | undefined = tokenizer.mask_token_id;
  const prompt: string = await tokenizer.apply_chat_template([{ role: 'user', content: 'Hi' }], {
    add_generation_prompt: true, tokenize: false,
  });
  // @ts-expect-error a worker tokenizer answers with promises
  const sync: number[] = tokenizer.encode('Hello');
  let text = `${info.numThreads} ${model.info.architecture} ${prompt} ${maskToken ?? ''} ${maskTokenId ?? ''}`;
  for await (const { text: piece } of model.generate(ids, { max_new_tokens: 40, signal })) text += piece;
  const remoteChat: Chat = model.chat({ system: 'Be brief.' });
  for await (const { text: piece } of remoteChat.send('Hi', { signal })) text += piece;
  // An abort that ends the stream: the worker sends the last item with finishReason 'abort'.
  for await (const { text: piece, finishReason } of model.generate(ids, { signal, on_abort: 'finish' })) {
    text += piece;
    if (finishReason === 'abort') text += ' [aborted]';
  }
  const { layers }: AttentionResult = await model.attention(ids);
  model.dispose();
  engine.terminate();
  return text + layers.length + sync.length;
}

export function ownWorker(): WorkerEngine {
  // The app's own worker script, which calls serveWorker() (below).
  const worker = new Worker(new URL('./my-worker.js', import.meta.url), { type: 'module' });
  return new WorkerEngine(worker, { numThreads: 1 });
}

export async function insideTheWorker(): Promise<void> {
  await serveWorker();
}

// --- GGUF: the header summary, and the files a choice picks from a listing ------------------------
export async function gguf(file: Blob, bytes: Uint8Array): Promise<string> {
  const options: InspectGgufOptions = { signal: AbortSignal.timeout(1000) };
  const summary: GgufSummary = await inspectGguf([file, bytes], options);
  const entry: GgufMetadataEntry = summary.metadata[0]!;
  const value: GgufJsonValue = entry.value;
  const tensor: GgufTensorRow = summary.tensors[0]!;
  const total: GgufTypeTotal = summary.tensorTypes[0]!;
  const tokenizer: GgufTokenizerSummary | undefined = summary.tokenizer;
  const vocab: number | undefined = tokenizer?.vocabSize;
  notAny(value, false);
  const choice: GgufChoice = { quant: 'Q4_K_M' };
  const files: string[] = pickGgufFiles(['a-Q4_K_M.gguf'], choice, "'org/name'");
  // @ts-expect-error a quant is a string
  pickGgufFiles([], { quant: 4 });
  return `${formatGgufSummary(summary)} ${tensor.dims.join('x')} ${total.nbytes} ${vocab ?? 0} ${files.join()}`;
}

// --- Text classification: pipeline, classify(), rerank(), pairs -------------------------------
export async function classification(folder: string, remote: WorkerModel): Promise<string> {
  const classifier: TextClassificationPipeline = await pipeline('sentiment-analysis', folder);
  const options: TextClassificationOptions = { top_k: null, function_to_apply: 'sigmoid' };
  const fn: ClassificationFunction = options.function_to_apply ?? 'softmax';
  const [best]: TextClassificationOutput[] = await classifier('I loved it');
  const pair: ClassifyInput = { text: 'A man plays.', text_pair: 'A person plays.' };
  const cut: ClassifyInput = { text: 'A long premise.', text_pair: 'A hypothesis.', truncation: 'only_first' };
  const each = await classifier(['good', pair, cut], options);
  // @ts-expect-error function_to_apply is 'softmax', 'sigmoid' or 'none'
  await classifier('x', { function_to_apply: 'relu' });
  const model: Model = classifier.model;
  const info: ClassificationInfo | undefined = model.info.classification;
  const { logits, dims }: ClassifyResult = await model.classify([pair, 'single']);
  const encoded: EncodedPair = classifier.tokenizer.encodePair('a', 'b');
  const asClassifier: Classifier = remote;
  const remoteScores = await classifyTexts(asClassifier, 'text');
  const ranking: TextRankingPipeline = await pipeline('text-ranking', folder);
  const rankOptions: RerankOptions = { top_k: 2, return_documents: true };
  const ranked: RerankResult[] = await rerank(model, 'query', ['doc a', 'doc b'], rankOptions);
  const viaPipeline: RerankResult[] = await ranking('query', ['doc']);
  notAny(logits, false);
  await classifier.dispose();
  await ranking.dispose();
  return `${best?.label}${fn}${each.length}${info?.labels.join()}${dims.join()}${encoded.token_type_ids.length}` +
    `${remoteScores.length}${ranked[0]?.corpus_id}${viaPipeline.length}`;
}

// --- Token classification (NER) ------------------------------------------------------------
export async function tokenClassification(folder: string): Promise<string> {
  const ner: TokenClassificationPipeline = await pipeline('ner', folder);
  const options: TokenClassificationOptions = { ignore_labels: [], aggregation_strategy: 'none' };
  const entities: TokenClassificationOutput[] = await ner('Sarah lives in London', options);
  const perText: TokenClassificationOutput[][] = await ner(['a', 'b']);
  const groups = await ner('Sarah lives in London', { aggregation_strategy: 'first' });
  const group: string = `${groups[0]?.entity_group}${groups[0]?.start}${groups[0]?.end}${entities[0]?.start}`;
  const spans: PairEncodingWithOffsets = ner.tokenizer.encodePairWithOffsets('a', 'b');
  const sequence: 0 | 1 | null | undefined = spans.sequenceIds[0];
  const single: EncodingWithOffsets = ner.tokenizer.encodeWithOffsets('a', { add_special_tokens: false });
  const word: number | null | undefined = single.wordIds[0] ?? spans.wordIds[1];
  const strategy: AggregationStrategy = 'max';
  const grouping: GroupingStrategy = 'simple';
  const viaFunction: TokenClassificationGroup[] = await classifyTokenTexts(ner.model, 'a', { aggregation_strategy: grouping });
  const remote: RemoteTokenClassifier = { tokenEntities: async (): Promise<TokenEntities[]> => [] };
  const perToken: TokenClassificationOutput[][] = await classifyTokenTexts(remote, ['a'], { aggregation_strategy: 'none' });
  void [group, sequence, single, word, strategy, viaFunction, perToken];
  // @ts-expect-error an aggregation strategy transformers does not have
  await ner('x', { aggregation_strategy: 'best' });
  const [raw]: TokenClassifyResult[] = await ner.model.classifyTokens('text');
  await ner.dispose();
  return `${entities[0]?.entity}${entities[0]?.word}${perText.length}${raw?.dims.join()}`;
}

// --- Fill-mask, zero-shot classification, question answering -------------------------------
export async function encoderTasks(folder: string, remote: WorkerModel): Promise<string> {
  const unmasker: FillMaskPipeline = await pipeline('fill-mask', folder);
  const fillOptions: FillMaskOptions = { top_k: 3, targets: ['paris', 'london'] };
  const proposals = await unmasker('The capital of France is [MASK].', fillOptions);
  const filler: MaskFiller = unmasker.model;
  const [logits]: MaskedLmResult[] = await filler.fillMaskLogits('a [MASK]');
  const viaFunction: FillMaskResults = await fillMask(filler, ['a [MASK]', 'b [MASK]']);
  const inWorker: FillMaskResults = await remote.fillMask('a [MASK]', { top_k: 1 });
  const first: FillMaskOutput | FillMaskOutput[] | undefined = proposals[0];
  // @ts-expect-error targets are strings
  await unmasker('a [MASK]', { targets: [1] });

  const zeroShot: ZeroShotClassificationPipeline = await pipeline('zero-shot-classification', folder);
  const zeroOptions: ZeroShotClassificationOptions = { hypothesis_template: 'This text is about {}.', multi_label: true };
  const labelled: ZeroShotClassificationOutput = await zeroShot('The match ended 2-1', ['sport', 'politics'], zeroOptions);
  const several: ZeroShotClassificationOutput[] = await zeroShot(['a', 'b'], 'sport, politics');
  const viaZeroShot = await zeroShotClassify(remote, 'text', ['x', 'y']);

  const answerer: QuestionAnsweringPipeline = await pipeline('question-answering', folder);
  const qaOptions: QuestionAnsweringOptions = {
    top_k: 2, doc_stride: 64, max_answer_len: 10, handle_impossible_answer: true, align_to_words: false,
  };
  const answers = await answerer('Who?', 'Sarah did.', qaOptions);
  const best: QuestionAnsweringOutput | undefined = Array.isArray(answers) ? answers[0] : answers;
  const spans: AnswerSpansResult = await answerer.model.answerSpans('Who?', 'Sarah did.');
  const window: AnswerWindow | undefined = spans.windows[0];
  const span: TokenSpan | undefined = window?.spans[0];
  const startLogit: number | undefined = window?.startLogits[0] ?? window?.endLogits[0];
  const fromWorker = await remote.answer('Who?', 'Sarah did.');
  for (const p of [unmasker, zeroShot, answerer]) await p.dispose();
  return `${logits?.ids.length}${JSON.stringify(viaFunction).length}${JSON.stringify(inWorker).length}${JSON.stringify(first)}${labelled.labels[0]}` +
    `${several.length}${JSON.stringify(viaZeroShot)}${best?.answer}${span?.score}${startLogit}${JSON.stringify(fromWorker)}`;
}

// --- encoder-decoders ('text2text') ------------------------------------------------
export async function translate(folder: string): Promise<string> {
  const model = await loadModel(folder);
  const options: Seq2SeqGenerationOptions = { num_beams: 4, length_penalty: 1, early_stopping: 'never', max_new_tokens: 20,
    bad_words_ids: [[0]], forced_bos_token_id: 5, num_return_sequences: 2, renormalize_logits: true };
  // @ts-expect-error early_stopping is true, false or 'never'
  const wrong: Seq2SeqGenerationOptions = { early_stopping: 'always' };
  void wrong;
  let text = '';
  let hypotheses: GeneratedSequence[] = [];
  for await (const { text: piece, sequences } of model.generate('translate English to German: Hello', options)) {
    text += piece;
    if (sequences !== undefined) hypotheses = sequences;
  }
  const second: string = hypotheses[1] !== undefined ? `${hypotheses[1].text} ${hypotheses[1].score} ${hypotheses[1].tokens.length}` : '';
  const start: number = model.info.decoderStartTokenId ?? 0;
  const sourceVocab: number = model.info.sourceVocabSize ?? model.info.nVocab;
  const defaults: BeamSearchSettings | undefined = model.info.generation;
  const beams: number | undefined = defaults?.num_beams;
  const { dims } = await model.forward([1, 2, 1], [start, 5]);
  const att: Seq2SeqAttentionResult = await model.attention([1, 2, 1], [start, 5]);
  const cross: Float32Array | undefined = att.cross[0];
  model.dispose();
  return `${text} ${dims.join("x")} ${beams ?? ""} ${att.sourceTokens.join(" ")} ${cross?.length ?? 0} ${att.nHead} ${sourceVocab} ${second}`;
}

export async function summarize(folder: string): Promise<string> {
  const task: Text2TextTask = 'translation_en_to_de';
  const translator: Text2TextPipeline = await pipeline(task, folder);
  const [out]: Text2TextOutput[] = await translator('Hello', { num_beams: 2 });
  const info: Text2TextInfo | undefined = translator.model.info.text2text;
  const settings: Text2TextTaskSettings | undefined = info?.tasks['summarization'];
  await translator.dispose();
  const summarizer = await pipeline('summarization', folder);
  const summaries = await summarizer(['a', 'b']);
  await summarizer.dispose();
  return `${out !== undefined && 'translation_text' in out ? out.translation_text : ''} ${settings?.prefix ?? ''} ${summaries.length}`;
}

export async function translateLanguages(folder: string): Promise<string> {
  const translator = await pipeline('translation', folder);
  const pair: LanguagePair = { src_lang: 'eng_Latn', tgt_lang: 'fra_Latn' };
  const options: Text2TextOptions = { ...pair, num_beams: 1 };
  await translator('Hello', options);
  const { model } = translator;
  const languages: TranslationLanguages | null = model.tokenizer === null ? null : translationLanguages(model.tokenizer);
  const codes: string[] = languages?.codes ?? [];
  if (model.tokenizer === null) return '';
  const { input_ids, forced_bos_token_id }: { input_ids: number[]; forced_bos_token_id: number } = translationInputs(model.tokenizer, 'Hello', pair);
  const run: Text2TextRun = await text2textRunner(model, model.tokenizer, 'translation')('Hello', options);
  const att = await model.attention(run.sourceIds, [model.info.decoderStartTokenId ?? 0, ...run.targetIds]);
  const aligned: Array<{ source: number; weight: number }> = crossAlignment(att, 0, 'mean');
  const map: Float32Array = crossAttentionMap(att, 0, 1);
  await translator.dispose();
  return `${codes.join(' ')} ${input_ids.length} ${forced_bos_token_id} ${run.text} ${aligned.length} ${map.length}`;
}
