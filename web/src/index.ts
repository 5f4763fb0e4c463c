/**
 * qkv: small Transformer models in the browser and Node.js on a SIMD
 * WebAssembly core. See README.md for the API.
 */
export { env } from './env.js';
export type { Env, RelaxedSimdSetting, WasmEnv } from './env.js';
export {
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
} from './errors.js';
export type { HubErrorReason } from './errors.js';
export type { BackendInfo, Flavour } from './backend.js';
export { softmax } from './ops.js';
export { createTokenizer } from './tokenizers/index.js';
export { loadSentencePieceTokenizer } from './tokenizers/sentencepiece.js';
export { loadMarianTokenizer } from './tokenizers/marian.js';
export type { MarianTokenizer, MarianTokenizerFiles, MarianEncodeOptions, MarianDecodeOptions } from './tokenizers/marian.js';
export { loadM2M100Tokenizer } from './tokenizers/m2m100.js';
export type {
  M2M100Tokenizer, M2M100TokenizerFiles, M2M100EncodeOptions, M2M100TargetOptions, M2M100DecodeOptions,
} from './tokenizers/m2m100.js';
export { loadModel } from './load-model.js';
export { downloadModel } from './hub/download-model.js';
export { inspectGguf } from './gguf-inspect.js';
export type { InspectGgufOptions } from './gguf-inspect.js';
export { formatGgufSummary } from './weights/gguf-summary.js';
export type {
  GgufSummary, GgufJsonValue, GgufMetadataEntry, GgufTensorRow, GgufTypeTotal, GgufTokenizerSummary,
} from './weights/gguf-summary.js';
export { pickGgufFiles } from './sources/gguf-files.js';
export type { GgufChoice } from './sources/gguf-files.js';
export type { DownloadModelOptions, DownloadedModel } from './hub/download-model.js';
export type { LoadModelOptions, LoadSource, ModelFiles, FileInput, ModelSource, ProgressInfo } from './load-model.js';
export type { IgnoredTransformersOptions } from './compat.js';
export type { Dtype, DtypeAlias, HeldDtype, KvDtype } from './dtype.js';
export type { Capability } from './capabilities.js';
export { Model } from './model.js';
export { Chat } from './chat.js';
export type { ChatModel, ChatOptions } from './chat.js';
export type {
  ModelInfo, GeneratedToken, GenerationUsage, FinishReason, ForwardResult, AttentionResult, EmbedOptions, EmbedResult, Pooling,
} from './model.js';
export type { EmbeddingDefaults } from './sentence-transformers.js';
export type { DenseInfo, DenseActivation } from './dense.js';
export { pipeline } from './pipeline.js';
export type {
  PipelineTask,
  PipelineOptions,
  TextGenerationPipeline,
  TextGenerationOptions,
  TextGenerationOutput,
  ChatGenerationOutput,
  FeatureExtractionPipeline,
  FeatureExtractionOptions,
  EmbeddingTensor,
  TextClassificationPipeline,
  TextRankingPipeline,
  TokenClassificationPipeline,
  ZeroShotClassificationPipeline,
  QuestionAnsweringPipeline,
  Text2TextPipeline,
} from './pipeline.js';
export type {
  AggregationStrategy, GroupingStrategy, TokenClassificationGroup, TokenClassificationOptions, TokenClassificationOutput, TokenClassifyResult,
} from './token-classification.js';
export { classifyTexts, rerank } from './classification-pipeline.js';
export { classifyTokenTexts } from './token-classification-pipeline.js';
export type { RemoteTokenClassifier, TokenEntities } from './token-classification-pipeline.js';
export type { Classifier, RerankOptions, RerankResult } from './classification-pipeline.js';
export type {
  ClassificationFunction, ClassificationInfo, ClassifyInput, ClassifyResult, TextClassificationOptions, TextClassificationOutput,
} from './classification.js';
export type { FillMaskPipeline } from './pipeline.js';
export { fillMask } from './fill-mask.js';
export type { FillMaskOptions, FillMaskOutput, FillMaskResults, MaskFiller } from './fill-mask.js';
export type { MaskedLmResult } from './encoder/fill-mask.js';
export type { QuestionAnsweringOptions, QuestionAnsweringOutput, TokenSpan } from './question-answering.js';
export type { AnswerSpansResult, AnswerWindow } from './encoder/answer.js';
export { zeroShotClassify } from './zero-shot.js';
export type { ZeroShotClassificationOptions, ZeroShotClassificationOutput } from './zero-shot.js';
export { TextStreamer } from './streamer.js';
export type { TextStreamerOptions } from './streamer.js';
export type { ChatTemplateKwargs, GenerationOptions, GenerationDefaults } from './generation.js';
export type { BeamSearchSettings, GeneratedSequence, Seq2SeqAttentionResult, Seq2SeqGenerationOptions } from './seq2seq.js';
export type { Text2TextInfo, Text2TextOptions, Text2TextOutput, Text2TextTask, Text2TextTaskSettings } from './text2text-pipeline.js';
export { translationInputs, translationLanguages } from './translation-languages.js';
export { crossAlignment, crossAttentionMap } from './cross-alignment.js';
export { text2textRunner, type Text2TextRun } from './text2text-pipeline.js';
export type { LanguagePair, TranslationLanguages } from './translation-languages.js';
export type {
  Tokenizer, DecodeStream, DecodeOptions, EncodedPair, EncodeOptions, EncodingWithOffsets, PairEncodingWithOffsets, ChatMessage, ChatTemplateOptions,
} from './tokenizers/index.js';
export type { SoftmaxOptions } from './ops.js';
export { WorkerEngine } from './worker/engine.js';
export type { WorkerEngineOptions } from './worker/engine.js';
export { WorkerModel } from './worker/worker-model.js';
export type { WorkerTokenizer } from './worker/worker-model.js';
export { serveWorker } from './worker/serve.js';
export type { WorkerSettings } from './worker/serve.js';

import { getBackend, type BackendInfo } from './backend.js';

/**
 * Starts the wasm runtime if it is not running yet and tells which build,
 * how many threads and which SIMD set it uses.
 */
export async function backendInfo(): Promise<BackendInfo> {
  const backend = await getBackend();
  return { ...backend.info };
}
