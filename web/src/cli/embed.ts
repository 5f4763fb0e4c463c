/**
 * qkv embed: sentence embeddings of an encoder or a decoder embedding model
 * (the model's own pooling, or --pooling; its Dense modules; unit length),
 * optionally after one of its prompts, and the cosine similarity of every
 * pair, or the vectors as JSON.
 */
import { UnsupportedError } from '../errors.js';
import type { Pooling } from '../model.js';
import type { Command } from './command.js';
import { given, jsonOption, runModelTask, textOption } from './model-task.js';

export const embedCommand: Command = {
  name: 'embed',
  usage: '<model> <sentence>...',
  summary: 'cosine similarities of sentence embeddings (BERT family, Qwen3-Embedding, EmbeddingGemma)',
  details: [
    'Embeds each sentence (pooled over its tokens, scaled to unit length) and prints the numbered',
    'sentences, then their cosine similarity matrix (symmetric, 1.000 on the diagonal). With --json,',
    'prints { "dims": [sentences, width], "embeddings": [[...], ...] } instead. Without --pooling, a',
    'sentence-transformers model pools as its modules.json says (its 1_Pooling folder), others by the mean.',
    '--prompt-name puts one of the prompts of its config_sentence_transformers.json before each sentence',
    '(e.g. query for Qwen3-Embedding\'s instruction), as SentenceTransformer.encode(prompt_name=...).',
  ],
  positionals: { min: 2, max: Infinity },
  options: [
    {
      name: 'pooling', type: 'string', choices: ['mean', 'cls', 'max', 'last_token'],
      description: "mean over the tokens, the [CLS] token, each dimension's max, or the last token (default: the model's)",
    },
    { name: 'prompt-name', type: 'string', description: "one of the model's prompts by name (e.g. query), put before each sentence" },
    textOption('prompt', 'a prompt text put before each sentence (wins over --prompt-name)'),
    jsonOption('the embeddings instead of the similarity matrix'),
  ],
  examples: [
    'qkv embed tests/fixtures/bert-tiny "The cat sat on the mat." "A cat was sitting on a rug." "Stocks fell sharply."',
  ],
  async run(args) {
    const sentences = args.positionals.slice(1);
    const chosen = args.string('pooling') as Pooling | undefined;
    await runModelTask(args, {
      command: 'embed',
      run: async (model) => {
        const defaults = model.info.embedding;
        if (chosen === undefined && defaults?.unsupported !== undefined) {
          throw new UnsupportedError(`qkv embed: ${defaults.unsupported}; choose a pooling with --pooling mean|cls|max|last_token`);
        }
        const pooling = chosen ?? defaults?.pooling ?? 'mean';
        // Always unit length: the report is of cosines, and --json gives the same vectors.
        const { data, dims } = await model.embed(sentences, {
          pooling, normalize: true, ...given('prompt_name', args.string('prompt-name')), ...given('prompt', args.string('prompt')),
        });
        const width = dims[1]!;
        return { pooling, dims, vectors: sentences.map((_, i) => data.subarray(i * width, (i + 1) * width)) };
      },
      json: ({ dims, vectors }) => JSON.stringify({ dims, embeddings: vectors.map((v) => Array.from(v)) }),
      lines: ({ pooling, vectors }) => [similarityReport(sentences, vectors, pooling)],
    });
  },
};

/** The numbered sentences, then the matrix of dot products of their unit vectors. */
export function similarityReport(sentences: readonly string[], vectors: readonly Float32Array[], pooling: string): string {
  const labels = sentences.map((_, i) => `[${i + 1}]`);
  const cell = 7;
  const lines = sentences.map((s, i) => `${labels[i]} ${s}`);
  lines.push('', `cosine similarity (${pooling} pooling, normalized):`);
  lines.push(' '.repeat(labels.at(-1)!.length) + labels.map((l) => l.padStart(cell)).join(''));
  vectors.forEach((a, i) => {
    const row = vectors.map((b) => dot(a, b).toFixed(3).padStart(cell)).join('');
    lines.push(labels[i]!.padEnd(labels.at(-1)!.length) + row);
  });
  return lines.join('\n');
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
