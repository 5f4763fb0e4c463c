// Extractive question answering with a *ForQuestionAnswering checkpoint (BERT, RoBERTa, DistilBERT,
// ModernBERT): pipeline('question-answering') finds the answer's span in the context as transformers'
// pipeline does (a long context is cut into overlapping windows) and gives its text, where it is in
// the context and its score.
//
// Run (after `npm run build`):
//   node examples/node/qa.mjs tests/fixtures/bert-qa-tiny "Where does the city lie?" "The old city of Paris lies on the river Seine." [--top-k 3]
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/qa.mjs <QA model folder or URL> "question" "context" [--top-k N]';

async function main() {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nThe best answers with their scores and character positions in the context.`);
    return;
  }
  const at = args.indexOf('--top-k');
  const topK = at >= 0 ? Number(args[at + 1]) : 1;
  if (at >= 0) args.splice(at, 2);
  const [source, question, context, ...rest] = args;
  if (context === undefined || rest.length > 0 || !Number.isInteger(topK)) throw new TypeError(USAGE);

  const answerer = await pipeline('question-answering', source);
  try {
    const result = await answerer(question, context, { top_k: topK });
    for (const { answer, score, start, end } of Array.isArray(result) ? result : [result]) {
      console.log(`${score.toFixed(4)}  [${start}, ${end})  ${JSON.stringify(answer)}`);
    }
  } finally {
    await answerer.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
