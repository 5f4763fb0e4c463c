// Fill-mask with a *ForMaskedLM checkpoint (BERT, RoBERTa, XLM-RoBERTa, DistilBERT, ModernBERT):
// pipeline('fill-mask') gives the best tokens for the tokenizer's mask token ([MASK], <mask>) in each
// text, scored as transformers' pipeline scores them (a list per mask when a text has several).
//
// Run (after `npm run build`):
//   node examples/node/fill-mask.mjs tests/fixtures/bert-mlm-tiny "The capital of France is [MASK]."
//   node examples/node/fill-mask.mjs answerdotai/ModernBERT-base "Paris is the [MASK] of France." --top-k 3
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/fill-mask.mjs <masked LM folder, URL or Hub id> "text with a mask" ["text" ...] [--top-k N]';

async function main() {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nThe best tokens for each mask with their scores and the completed text.`);
    return;
  }
  const at = args.indexOf('--top-k');
  const topK = at >= 0 ? Number(args[at + 1]) : 5;
  if (at >= 0) args.splice(at, 2);
  const [source, ...texts] = args;
  if (source === undefined || texts.length === 0) throw new TypeError(USAGE);

  const unmasker = await pipeline('fill-mask', source);
  try {
    for (const text of texts) {
      const results = await unmasker(text, { top_k: topK });
      console.log(text);
      // One list for one mask; a list per mask for several.
      const perMask = Array.isArray(results[0]) ? results : [results];
      perMask.forEach((list, m) => {
        if (perMask.length > 1) console.log(`  mask ${m + 1}:`);
        for (const { score, token_str, sequence } of list) console.log(`  ${score.toFixed(4)}  ${token_str.padEnd(12)} ${sequence}`);
      });
    }
  } finally {
    await unmasker.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
