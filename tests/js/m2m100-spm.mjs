// An M2M100 repository as facebook/m2m100_418M publishes it, without tokenizer.json: m2m100-tiny's config,
// generation config and weights beside tests/fixtures/m2m100-spm's sentencepiece.bpe.model, vocab.json,
// tokenizer_config.json and special_tokens_map.json (gen_m2m100_tokenizer.py, which also computed the
// greedy translations of these weights for the ids of that tokenizer).
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { folder } from './fixtures.mjs';

export const M2M100_SPM = ['sentencepiece.bpe.model', 'vocab.json', 'tokenizer_config.json', 'special_tokens_map.json'];
export const m2m100SpmGoldens = JSON.parse(readFileSync(join(folder('m2m100-spm'), 'goldens.json'), 'utf8'));

/** A temporary folder of links: m2m100-tiny's model files and the tokenizer files `files`; removed after the tests. */
export function m2m100SpmFolder(files = M2M100_SPM) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-m2m100-spm-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['config.json', 'generation_config.json', 'model.safetensors']) symlinkSync(join(folder('m2m100-tiny'), f), join(dir, f));
  for (const f of files) symlinkSync(join(folder('m2m100-spm'), f), join(dir, f));
  return dir;
}
