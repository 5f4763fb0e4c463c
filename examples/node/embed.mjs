// Sentence similarity with an encoder (BERT family): each sentence becomes its
// tokens' last hidden states pooled as the model says (a sentence-transformers
// repository's own pooling, else their mean), scaled to unit length, so the
// cosine similarity of two sentences is the dot product of their vectors.
//
// Run (after `npm run build`):
//   node examples/node/embed.mjs tests/fixtures/bert-tiny "The cat sat on the mat." "A cat was sitting on a rug." "Stocks fell sharply."
import { loadModel } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/embed.mjs <encoder model folder or URL> "sentence" "sentence" ...';

async function main() {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nCosine similarity of sentences embedded by an encoder (BERT family), pooled as the model says.`);
    return;
  }
  const [source, ...sentences] = process.argv.slice(2);
  if (source === undefined || sentences.length === 0) throw new TypeError(USAGE);

  const model = await loadModel(source);
  const { data, dims: [count, width] } = await model.embed(sentences, { normalize: true });
  const { pooling } = model.info.embedding;
  model.dispose();
  const vector = (i) => data.subarray(i * width, (i + 1) * width);
  const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);

  sentences.forEach((s, i) => console.log(`[${i + 1}] ${s}`));
  console.log(`\ncosine similarity (${pooling} pooling, normalized):`);
  const label = (i) => `[${i + 1}]`;
  const pad = label(count - 1).length;
  console.log(' '.repeat(pad) + sentences.map((_, j) => label(j).padStart(7)).join(''));
  for (let i = 0; i < count; i++) {
    const row = sentences.map((_, j) => dot(vector(i), vector(j)).toFixed(3).padStart(7)).join('');
    console.log(label(i).padEnd(pad) + row);
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
