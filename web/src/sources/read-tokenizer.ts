/**
 * A model's tokenizer from the files its source resolved: tokenizer.json
 * where there is one; else a Marian repository's source.spm, target.spm and
 * vocab.json (opus-mt ships no tokenizer.json), read unconverted; else none
 * (the model is for id-level use, model.tokenizer null). A repository is
 * Marian by its tokenizer_config.json (tokenizer_class 'MarianTokenizer') or
 * by any of the Marian files; a Marian repository missing one of its files
 * is a FormatError naming it. (A MarianMTModel config alone does not make
 * one: a folder of weights only loads for id-level use.)
 */
import { loadMarianTokenizer, type MarianTokenizerFiles } from '../tokenizers/marian.js';
import { marianAsTokenizer } from '../tokenizers/marian-as-tokenizer.js';
import { createTokenizer, type Tokenizer } from '../tokenizers/index.js';
import { readOptionalBytes, readOptionalJson, type ReadContext } from './file-input.js';
import type { ResolvedModel } from './source.js';

const MARIAN_FILES = ['source.spm', 'target.spm', 'vocab.json', 'target_vocab.json'] as const;

export async function readTokenizer(files: ResolvedModel, context: ReadContext): Promise<Tokenizer | null> {
  const tokenizerJson = await readOptionalJson(files.tokenizer, 'tokenizer.json', context);
  const tokenizerConfig = await readOptionalJson(files.tokenizerConfig, 'tokenizer_config.json', context);
  if (tokenizerJson !== undefined) return createTokenizer(tokenizerJson, tokenizerConfig);
  const read = (name: string) => readOptionalBytes(files.extraFile?.(name), name, context);
  const marian: Record<string, Uint8Array | string | undefined> = {};
  for (const name of MARIAN_FILES) {
    // target_vocab.json is read only where tokenizer_config.json says the vocabularies are separate.
    if (name === 'target_vocab.json' && field(tokenizerConfig, 'separate_vocabs') !== true) continue;
    marian[name] = await read(name);
  }
  // A MarianMTModel folder with none of the tokenizer's files is for id-level use, as any model
  // without tokenizer files; one with some of them but not all is an error naming what is missing.
  const declared = field(tokenizerConfig, 'tokenizer_class') === 'MarianTokenizer';
  if (!declared && Object.values(marian).every((bytes) => bytes === undefined)) return null;
  if (tokenizerConfig !== undefined) marian['tokenizer_config.json'] = JSON.stringify(tokenizerConfig);
  return marianAsTokenizer(loadMarianTokenizer(marian as MarianTokenizerFiles));
}

function field(json: unknown, key: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
}
