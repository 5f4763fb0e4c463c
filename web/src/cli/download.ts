/**
 * qkv download: a Hub model's files into the cache (huggingface_hub's
 * layout, shared with Python), verified, so that it loads later offline.
 */
import { downloadModel } from '../hub/download-model.js';
import type { Command } from './command.js';
import { formatBytes, formatMs } from './format.js';
import { applyThreads, revisionOf } from './load.js';
import { LoadProgress } from './progress.js';

export const downloadCommand: Command = {
  name: 'download',
  usage: '<org/name>',
  summary: "a Hub model's files into the cache (shared with Python's huggingface_hub), for offline use",
  details: [
    'Fetches config.json, tokenizer.json, the optional tokenizer and generation configs, the safetensors',
    'weights (every shard) and sentence-transformers module configs at one commit, checks each file',
    "against the Hub's hash, and prints the snapshot folder (loadable as a folder). The cache is",
    '$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub; HF_ENDPOINT picks the Hub and',
    'HF_TOKEN authenticates (gated and private models). Files already cached are not fetched again.',
  ],
  positionals: { min: 1, max: 1 },
  options: [],
  examples: ['qkv download HuggingFaceTB/SmolLM2-135M-Instruct', 'qkv download sentence-transformers/all-MiniLM-L6-v2 --revision main'],
  async run(args) {
    const [id] = args.positionals as [string];
    applyThreads(args);
    const progress = args.flag('quiet') ? undefined : new LoadProgress(process.stderr);
    const start = performance.now();
    let bytes = 0;
    try {
      const downloaded = await downloadModel(id, {
        ...revisionOf(args),
        onProgress: (p) => {
          bytes = p.totalBytes;
          progress?.update(p);
        },
      });
      progress?.end();
      if (!args.flag('quiet')) {
        process.stderr.write(`${id} at ${downloaded.commit}: ${downloaded.files.length} files, ${formatBytes(bytes)}, `
          + `${formatMs(performance.now() - start)}\n`);
      }
      process.stdout.write(`${downloaded.folder ?? ''}\n`);
    } finally {
      progress?.end();
    }
  },
};
