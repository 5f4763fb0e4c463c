/**
 * A model's tokenizer from the files its source resolved: tokenizer.json where there is one; else the files
 * of a repository published without it, read unconverted — an M2M100 repository's sentencepiece.bpe.model
 * and vocab.json (facebook/m2m100_418M), a Marian repository's source.spm, target.spm and vocab.json
 * (opus-mt); else none (the model is for id-level use, model.tokenizer null).
 *
 * A repository is M2M100 by its tokenizer_config.json (tokenizer_class 'M2M100Tokenizer') or, with no
 * tokenizer_class, by config.json's model_type 'm2m_100' (as AutoTokenizer picks the class); it is Marian by
 * tokenizer_class 'MarianTokenizer' or by any of the Marian files. One declared by tokenizer_class and missing
 * a file is a FormatError naming it; one known only by its files or model_type loads for id-level use when it
 * has none of them. (A MarianMTModel config alone does not make one: a folder of weights only loads for
 * id-level use.)
 */
import { loadM2M100Tokenizer } from '../tokenizers/m2m100.js';
import { loadMarianTokenizer } from '../tokenizers/marian.js';
import { vocabJsonAsTokenizer } from '../tokenizers/vocab-json-as-tokenizer.js';
import type { TokenizerFiles } from '../tokenizers/vocab-json-files.js';
import { createTokenizer, type Tokenizer } from '../tokenizers/index.js';
import { readOptionalBytes, readOptionalJson, type ReadContext } from './file-input.js';
import type { ResolvedModel } from './source.js';

const MARIAN_FILES = ['source.spm', 'target.spm', 'vocab.json', 'target_vocab.json'] as const;
// special_tokens_map.json (read too for M2M100) is no tokenizer of its own, so it is not what marks the repository.
const M2M100_FILES = ['sentencepiece.bpe.model', 'vocab.json'] as const;

/** `modelType` is config.json's model_type, which names the tokenizer class when tokenizer_config.json does not. */
export async function readTokenizer(files: ResolvedModel, context: ReadContext, modelType?: unknown): Promise<Tokenizer | null> {
  const tokenizerJson = await readOptionalJson(files.tokenizer, 'tokenizer.json', context);
  const tokenizerConfig = await readOptionalJson(files.tokenizerConfig, 'tokenizer_config.json', context);
  if (tokenizerJson !== undefined) return createTokenizer(tokenizerJson, tokenizerConfig);
  const tokenizerClass = field(tokenizerConfig, 'tokenizer_class');
  const read = async (names: readonly string[]): Promise<Record<string, Uint8Array | string | undefined> | null> => {
    const found: Record<string, Uint8Array | string | undefined> = {};
    for (const name of names) found[name] = await readOptionalBytes(files.extraFile?.(name), name, context);
    if (Object.values(found).every((bytes) => bytes === undefined)) return null;
    if (tokenizerConfig !== undefined) found['tokenizer_config.json'] = JSON.stringify(tokenizerConfig);
    return found;
  };

  if (tokenizerClass === 'M2M100Tokenizer' || (tokenizerClass === undefined && modelType === 'm2m_100')) {
    const m2m = await read(M2M100_FILES);
    // Any model without tokenizer files is for id-level use; one that says it is M2M100 needs its files.
    if (m2m === null && tokenizerClass === undefined) return null;
    const map = await readOptionalBytes(files.extraFile?.('special_tokens_map.json'), 'special_tokens_map.json', context);
    const m2mFiles: TokenizerFiles = { ...(m2m ?? withConfig(tokenizerConfig)), ...(map !== undefined ? { 'special_tokens_map.json': map } : {}) };
    return vocabJsonAsTokenizer(loadM2M100Tokenizer(m2mFiles), 'an M2M100 tokenizer (sentencepiece.bpe.model)');
  }

  // target_vocab.json is read only where tokenizer_config.json says the vocabularies are separate.
  const separate = field(tokenizerConfig, 'separate_vocabs') === true;
  const marian = await read(MARIAN_FILES.filter((name) => name !== 'target_vocab.json' || separate));
  if (marian === null && tokenizerClass !== 'MarianTokenizer') return null;
  return vocabJsonAsTokenizer(loadMarianTokenizer(marian ?? withConfig(tokenizerConfig)),
    'a Marian tokenizer (source.spm / target.spm)');
}

function withConfig(tokenizerConfig: unknown): TokenizerFiles {
  return tokenizerConfig !== undefined ? { 'tokenizer_config.json': JSON.stringify(tokenizerConfig) } : {};
}

function field(json: unknown, key: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
}
