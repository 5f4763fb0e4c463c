// Reranking with a cross-encoder (a *ForSequenceClassification checkpoint with one logit, such as
// cross-encoder/ms-marco-MiniLM-L6-v2 or BAAI/bge-reranker-base): pipeline('text-ranking') scores
// each (query, document) pair by the sigmoid of its logit and gives the documents best first, as
// sentence-transformers' CrossEncoder.rank does.
//
// Run (after `npm run build`):
//   node examples/node/rerank.mjs tests/fixtures/rerank-tiny "where is the capital of france" "Paris is the capital of France." "Berlin is in Germany."
//   node examples/node/rerank.mjs cross-encoder/ms-marco-MiniLM-L6-v2 "how do plants make food" "Photosynthesis …" "The stock market …" --top-k 1
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/rerank.mjs <reranker folder, URL or Hub id> "query" "document" ["document" ...] [--top-k N]';

async function main() {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nThe documents best first, each with its score and its position in the list given.`);
    return;
  }
  const at = args.indexOf('--top-k');
  const topK = at >= 0 ? Number(args[at + 1]) : undefined;
  if (at >= 0) args.splice(at, 2);
  const [source, query, ...documents] = args;
  if (documents.length === 0 || (topK !== undefined && !Number.isInteger(topK))) throw new TypeError(USAGE);

  const ranker = await pipeline('text-ranking', source);
  try {
    const ranked = await ranker(query, documents, { return_documents: true, ...(topK === undefined ? {} : { top_k: topK }) });
    console.log(query);
    for (const { corpus_id, score, text } of ranked) console.log(`  ${score.toFixed(4)}  [${corpus_id}] ${text}`);
  } finally {
    await ranker.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
