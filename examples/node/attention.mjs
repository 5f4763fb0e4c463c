// The strongest attention links of every layer and head: for the text's
// tokens, the K (query token -> key token) pairs with the largest weights.
//
// Links into the first token are left out unless --keep-first is given: in a
// causal model the first query can only attend to itself (weight 1 by
// construction), and many heads of decoders and encoders park the attention
// they do not need on the first token (<s>, [CLS] or the first word), the
// "attention sink" (Xiao et al. 2023, "Efficient Streaming Language Models
// with Attention Sinks"; Clark et al. 2019, "What Does BERT Look At?"). Kept
// in, those links fill most heads' top K and hide what the head does.
//
// Run (after `npm run build`):
//   node examples/node/attention.mjs tests/fixtures/llama-tiny "The cat sat on the mat" --top 3
//   node examples/node/attention.mjs <folder or URL> "<text>" [--top K] [--keep-first]
import { parseArgs } from 'node:util';
import { loadModel } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/attention.mjs <model folder or URL> "<text>" [--top K] [--keep-first]';

async function main() {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nThe strongest attention links (query token -> key token) of every layer and head.\n  --top K        links per head (default 3)\n  --keep-first   keep links into the first token (the attention sink)`);
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '3' }, 'keep-first': { type: 'boolean', default: false } },
  });
  const top = Number(values.top);
  if (positionals.length !== 2 || !Number.isInteger(top) || top < 1) throw new TypeError(USAGE);
  const [source, text] = positionals;

  const model = await loadModel(source);
  const { tokens, layers, dims: [heads, n] } = await model.attention(text);
  const causal = model.info.capabilities.includes('generate');
  model.dispose();

  const name = (i) => `${tokens[i]}(${i})`;
  console.log(`tokens: ${tokens.map((_, i) => name(i)).join(' ')}`);
  if (!values['keep-first']) console.log(`links into ${name(0)} left out (attention sink; --keep-first keeps them)`);
  layers.forEach((probs, layer) => {
    for (let head = 0; head < heads; head++) {
      const links = [];
      for (let q = 0; q < n; q++) {
        for (let k = values['keep-first'] ? 0 : 1; k < n; k++) {
          if (causal && k > q) break; // a causal query never sees later keys
          links.push({ q, k, w: probs[(head * n + q) * n + k] });
        }
      }
      links.sort((a, b) => b.w - a.w);
      const shown = links.slice(0, top).map(({ q, k, w }) => `${name(q)} -> ${name(k)} ${w.toFixed(3)}`);
      console.log(`layer ${layer} head ${head}: ${shown.join(' | ')}`);
    }
  });
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
