// Translation with an encoder-decoder: NLLB and M2M100 take the languages (--src-lang, --tgt-lang: the
// source becomes [src_lang] text </s> and the target starts with the tgt_lang token, as transformers'
// translation pipeline does), Marian (opus-mt) translates its one pair, T5 its config's
// 'translation_xx_to_yy' tasks. With --align, each target token is followed by the source token its step
// attended to most (cross-attention of the last decoder layer, mean of the heads).
//
// Run (after `npm run build`):
//   node examples/node/translate.mjs tests/fixtures/nllb-tiny "hello world" --src-lang fra_Latn --tgt-lang deu_Latn
//   node examples/node/translate.mjs facebook/nllb-200-distilled-600M "How are you?" --src-lang eng_Latn --tgt-lang fra_Latn --align
import { parseArgs } from 'node:util';
import { crossAlignment, loadModel, text2textRunner } from '../../dist/index.js';

const USAGE = 'usage: node examples/node/translate.mjs <model folder, URL or Hub id> "text" [--src-lang CODE] [--tgt-lang CODE] [--num-beams N] [--max-new-tokens N] [--align]';

async function main() {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(`${USAGE}\n\nThe translation of the text; --align adds, per target token, the source token it attends to most.`);
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'src-lang': { type: 'string' }, 'tgt-lang': { type: 'string' }, 'num-beams': { type: 'string' }, 'max-new-tokens': { type: 'string' }, align: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 2) throw new TypeError(USAGE);
  const [source, text] = positionals;
  const options = {
    ...(values['src-lang'] === undefined ? {} : { src_lang: values['src-lang'] }),
    ...(values['tgt-lang'] === undefined ? {} : { tgt_lang: values['tgt-lang'] }),
    ...(values['num-beams'] === undefined ? {} : { num_beams: Number(values['num-beams']) }),
    ...(values['max-new-tokens'] === undefined ? {} : { max_new_tokens: Number(values['max-new-tokens']) }),
  };

  const model = await loadModel(source);
  try {
    // What pipeline('translation') runs, keeping the source and target ids for the attention.
    const translate = text2textRunner(model, model.tokenizer, 'translation');
    const { sourceIds, targetIds, text: translation } = await translate(text, options);
    console.log(translation);
    if (!values.align) return;
    const attention = await model.attention(sourceIds, [model.info.decoderStartTokenId, ...targetIds]);
    crossAlignment(attention).slice(0, targetIds.length).forEach(({ source: s, weight }, i) => {
      console.log(`  ${attention.targetTokens[i + 1]} <- ${attention.sourceTokens[s]} ${weight.toFixed(3)}`);
    });
  } finally {
    model.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof TypeError && e.message === USAGE ? USAGE : `${e.name}: ${e.message}`);
  process.exitCode = 1;
});
