// The models the demo offers in its list, one line each. `path` is relative to
// this page; `weights` names the safetensors file(s) in that folder (listed,
// so the page never probes for a shard index that is not there); `optional` names the optional files the
// folder has (tokenizer_config.json, generation_config.json), passed when listed and never asked for otherwise;
// `tokenizerConfig`, a path relative to this page, takes tokenizer_config.json from elsewhere (a chat template);
// `extra` names a sentence-transformers folder's files (modules.json, its module folders' files, the prompts),
// passed as extraFiles, taken from `extraPath` (relative to this page) when given, else from the folder;
// `tokenizerJson: false` passes no tokenizer.json (a tokenizer read from the repository's own files, in extra).
export const MODELS = [
  { id: 'sotu-llama', label: 'sotu-llama: State of the Union addresses (demo model)', path: '../models/sotu-llama/', weights: ['model.safetensors'], optional: ['generation_config.json'], prompt: 'My fellow citizens, ' },
  { id: 'llama-tiny', label: 'llama-tiny (test fixture: random weights, 2 layers, 4 heads)', path: '../../tests/fixtures/llama-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat because' },
  { id: 'llama-tiny-chat', label: 'llama-tiny-chat (test fixture: llama-tiny with the Zephyr chat template; chat mode)', path: '../../tests/fixtures/llama-tiny/', weights: ['model.safetensors'], tokenizerConfig: '../../tests/fixtures/chat-templates/zephyr-tokenizer_config.json', prompt: 'The cat sat on the mat because' },
  { id: 'gpt2-tiny', label: 'gpt2-tiny (test fixture: random weights, 2 layers, 2 heads)', path: '../../tests/fixtures/gpt2-tiny/', weights: ['model.safetensors'], optional: ['tokenizer_config.json', 'generation_config.json'], prompt: 'Hello, world. The cat sat on the mat' },
  {
    id: 'embeddinggemma-tiny', label: 'embeddinggemma-tiny (test fixture: EmbeddingGemma layout, bidirectional; similarity with prompts)',
    path: '../../tests/fixtures/embeddinggemma-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat',
    extra: ['modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors', '3_Dense/config.json',
      '3_Dense/model.safetensors', 'sentence_bert_config.json', 'config_sentence_transformers.json'],
  },
  { id: 'bert-tiny', label: 'bert-tiny (test fixture: random weights encoder; attention and similarity)', path: '../../tests/fixtures/bert-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat' },
  { id: 'distilbert-sst2-tiny', label: 'distilbert-sst2-tiny (test fixture: DistilBERT sentiment classifier layout, random weights; tasks)', path: '../../tests/fixtures/distilbert-sst2-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat' },
  { id: 'bert-nli-tiny', label: 'bert-nli-tiny (test fixture: BERT NLI classifier layout, random weights; tasks: pairs, zero-shot)', path: '../../tests/fixtures/bert-nli-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat' },
  { id: 'bert-ner-tiny', label: 'bert-ner-tiny (test fixture: BERT token classifier layout, random weights; tasks: NER)', path: '../../tests/fixtures/bert-ner-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat' },
  { id: 'bert-mlm-tiny', label: 'bert-mlm-tiny (test fixture: BERT masked-LM layout, random weights; tasks: fill-mask)', path: '../../tests/fixtures/bert-mlm-tiny/', weights: ['model.safetensors'], optional: ['tokenizer_config.json'], prompt: 'The cat sat on the mat' },
  { id: 'bert-qa-tiny', label: 'bert-qa-tiny (test fixture: BERT extractive QA layout, random weights; tasks: question answering)', path: '../../tests/fixtures/bert-qa-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat' },
  { id: 'nllb-tiny', label: 'nllb-tiny (test fixture: NLLB layout, random weights, six languages; tasks: translate with the cross-attention)', path: '../../tests/fixtures/nllb-tiny/', weights: ['model.safetensors'], optional: ['tokenizer_config.json', 'generation_config.json'], prompt: 'hello world' },
  { id: 'm2m100-tiny', label: 'm2m100-tiny (test fixture: M2M100 layout, random weights, six languages; tasks: translate)', path: '../../tests/fixtures/m2m100-tiny/', weights: ['model.safetensors'], optional: ['tokenizer_config.json', 'generation_config.json'], prompt: 'hello world' },
  {
    id: 'm2m100-tiny-spm', label: 'm2m100-tiny-spm (test fixture: m2m100-tiny as facebook/m2m100_418M ships its tokenizer: sentencepiece.bpe.model + vocab.json, 100 languages; tasks: translate)',
    path: '../../tests/fixtures/m2m100-tiny/', weights: ['model.safetensors'], optional: ['generation_config.json'], prompt: 'hello world',
    tokenizerJson: false, tokenizerConfig: '../../tests/fixtures/m2m100-spm/tokenizer_config.json', extraPath: '../../tests/fixtures/m2m100-spm/',
    extra: ['sentencepiece.bpe.model', 'vocab.json', 'special_tokens_map.json'],
  },
  { id: 'rerank-tiny', label: 'rerank-tiny (test fixture: one-logit cross-encoder, random weights; tasks: rerank)', path: '../../tests/fixtures/rerank-tiny/', weights: ['model.safetensors'], prompt: 'The cat sat on the mat' },
];

/** Absolute URLs of a listed model's files, as loadModel({ config, weights, tokenizer, ... }) takes them. */
export function modelFiles(entry, base = location.href) {
  const folder = new URL(entry.path, base);
  const has = (name) => entry.optional?.includes(name) ?? false;
  const extraFolder = entry.extraPath !== undefined ? new URL(entry.extraPath, base) : folder;
  return {
    config: new URL('config.json', folder).href,
    weights: entry.weights.map((name) => new URL(name, folder).href),
    ...(entry.tokenizerJson !== false ? { tokenizer: new URL('tokenizer.json', folder).href } : {}),
    ...(entry.tokenizerConfig !== undefined ? { tokenizerConfig: new URL(entry.tokenizerConfig, base).href } : {}),
    ...(has('tokenizer_config.json') ? { tokenizerConfig: new URL('tokenizer_config.json', folder).href } : {}),
    ...(has('generation_config.json') ? { generationConfig: new URL('generation_config.json', folder).href } : {}),
    ...(entry.extra !== undefined
      ? { extraFiles: Object.fromEntries(entry.extra.map((name) => [name, new URL(name, extraFolder).href])) } : {}),
  };
}
