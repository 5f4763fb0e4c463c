// Zero-shot classification with an NLI classifier (a *ForSequenceClassification checkpoint with an
// "entailment" label): pipeline('zero-shot-classification') scores candidate labels chosen at run
// time, as transformers' pipeline does, by pairing the text with "This example is {label}.".
//
// Run (after `npm run build`):
//   node examples/node/zero-shot.mjs tests/fixtures/bert-nli-tiny "The team won the match" sports,politics,music [--multi-label]
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/zero-shot.mjs <NLI model folder or URL> "text" label,label,... [--multi-label]';

async function main() {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nEach candidate label with its score, best first.`);
    return;
  }
  const multiLabel = args.includes('--multi-label');
  const [source, text, labels, ...rest] = args.filter((a) => a !== '--multi-label');
  if (labels === undefined || rest.length > 0) throw new TypeError(USAGE);

  const classifier = await pipeline('zero-shot-classification', source);
  try {
    const result = await classifier(text, labels, { multi_label: multiLabel });
    console.log(result.sequence);
    result.labels.forEach((label, i) => console.log(`  ${label.padEnd(16)} ${result.scores[i].toFixed(4)}`));
  } finally {
    await classifier.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
