// Text classification with a *ForSequenceClassification checkpoint (DistilBERT, BERT, RoBERTa,
// XLM-RoBERTa): pipeline('sentiment-analysis') gives each text's labels and scores as transformers'
// pipeline computes them; with --pair, the (text, pair) sentence pair is classified instead
// (NLI, or a cross-encoder reranker, whose one logit is scored by its sigmoid).
//
// Run (after `npm run build`):
//   node examples/node/classify.mjs tests/fixtures/distilbert-sst2-tiny "I loved this movie" "What a waste of time."
//   node examples/node/classify.mjs tests/fixtures/rerank-tiny "where is the capital of france" --pair "Paris is the capital of France."
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/classify.mjs <classifier model folder or URL> "text" ["text" ...] [--pair "second text"]';

async function main() {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nEvery label of each text (or of the pair) with its score, best first.`);
    return;
  }
  const at = args.indexOf('--pair');
  const pair = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0) args.splice(at, 2);
  const [source, ...texts] = args;
  if (source === undefined || texts.length === 0 || (at >= 0 && pair === undefined)) throw new TypeError(USAGE);

  const classifier = await pipeline('sentiment-analysis', source);
  try {
    for (const text of texts) {
      const results = await classifier(pair === undefined ? text : { text, text_pair: pair }, { top_k: null });
      console.log(pair === undefined ? text : `${text} | ${pair}`);
      for (const { label, score } of results) console.log(`  ${label.padEnd(16)} ${score.toFixed(4)}`);
    }
  } finally {
    await classifier.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
