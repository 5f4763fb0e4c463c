// Summarization with an encoder-decoder (BART / distilbart, T5): pipeline('summarization') with the
// checkpoint's settings (T5's "summarize: " prefix from config.json's task_specific_params, the beam
// settings of generation_config.json) unless the options say otherwise.
//
// Run (after `npm run build`):
//   node examples/node/summarize.mjs tests/fixtures/nllb-tiny "the cat sat on the mat" --num-beams 1 --max-new-tokens 8
//   node examples/node/summarize.mjs sshleifer/distilbart-cnn-6-6 "$(cat article.txt)"
import { parseArgs } from 'node:util';
import { pipeline } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/summarize.mjs <model folder, URL or Hub id> "text" ["text" ...] [--num-beams N] [--max-new-tokens N]';

async function main() {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nOne summary a line, one per text.`);
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'num-beams': { type: 'string' }, 'max-new-tokens': { type: 'string' } },
  });
  const [source, ...texts] = positionals;
  if (source === undefined || texts.length === 0) throw new TypeError(USAGE);
  const options = {
    ...(values['num-beams'] === undefined ? {} : { num_beams: Number(values['num-beams']) }),
    ...(values['max-new-tokens'] === undefined ? {} : { max_new_tokens: Number(values['max-new-tokens']) }),
  };

  const summarizer = await pipeline('summarization', source);
  try {
    for (const { summary_text } of await summarizer(texts, options)) console.log(summary_text);
  } finally {
    await summarizer.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
