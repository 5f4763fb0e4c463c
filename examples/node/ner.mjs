// Named entities with a *ForTokenClassification checkpoint (BERT, RoBERTa, XLM-RoBERTa, DistilBERT):
// pipeline('ner') with an aggregation_strategy (default 'simple') groups the tokens into entities as
// transformers' pipeline does, each with its span of the text, which is printed with the entity marked.
//
// Run (after `npm run build`):
//   node examples/node/ner.mjs tests/fixtures/bert-ner-tiny "My name is Sarah and I live in London" [--aggregation first]
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/ner.mjs <token classifier model folder or URL> "text" [--aggregation none|simple|first|average|max]';

async function main() {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nEach entity of the text: its label, score and span, with the span marked in the text.`);
    return;
  }
  const at = args.indexOf('--aggregation');
  const strategy = at >= 0 ? args[at + 1] : 'simple';
  if (at >= 0) args.splice(at, 2);
  const [source, text] = args;
  if (source === undefined || text === undefined || strategy === undefined || args.length !== 2) throw new TypeError(USAGE);

  const ner = await pipeline('ner', source);
  try {
    for (const e of await ner(text, { aggregation_strategy: strategy })) {
      const label = e.entity_group ?? e.entity;
      const marked = `${text.slice(0, e.start)}[${text.slice(e.start, e.end)}]${text.slice(e.end)}`;
      console.log(`${label.padEnd(8)} ${e.score.toFixed(4)} ${String(e.start).padStart(3)}-${String(e.end).padEnd(3)} ${marked}`);
    }
  } finally {
    await ner.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
