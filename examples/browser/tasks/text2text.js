// Encoder-decoders (T5, BART, Marian, M2M100, NLLB): translate, summarize or any text-to-text task as the
// pipelines run them (WorkerModel.text2text in the worker: T5's task prefixes, NLLB's / M2M100's source
// language token and forced target language), then the cross-attention of the target over the source as an
// alignment heatmap beside the output (Model.attention(source, [decoder start, ...target])).
import { CrossAttentionView } from '../cross-attention-view.js';
import { optionalNumber } from '../task-panel.js';

/** The first two language codes of a multilingual model (its default source and a target), '' otherwise. */
const languages = async (model) => (await model.translationLanguages())?.codes ?? [];

export const text2textTask = {
  id: 'text2text',
  label: 'Translate, summarize (encoder-decoders)',
  available: (info) => info.capabilities.includes('text2text'),
  fields: [
    { id: 'mode', label: 'Pipeline', options: ['translation', 'summarization', 'text2text-generation'] },
    { id: 'text', label: 'Text', rows: 3, value: 'hello world' },
    { id: 'src_lang', label: 'Source language (NLLB: eng_Latn, M2M100: en; empty: the tokenizer\'s default)', rows: 1, value: async (model) => (await languages(model))[0] ?? '' },
    { id: 'tgt_lang', label: 'Target language (translation with NLLB / M2M100)', rows: 1, value: async (model) => (await languages(model))[1] ?? '' },
    { id: 'num_beams', label: 'num_beams (empty: the checkpoint\'s)', type: 'number', min: 1, value: '1' },
    { id: 'max_new_tokens', label: 'max_new_tokens', type: 'number', min: 0, value: '16' },
  ],
  async run(model, { mode, text, src_lang, tgt_lang, num_beams, max_new_tokens }, onText) {
    const pair = mode !== 'translation' ? {} : {
      ...(src_lang.trim() === '' ? {} : { src_lang: src_lang.trim() }),
      ...(tgt_lang.trim() === '' ? {} : { tgt_lang: tgt_lang.trim() }),
    };
    const options = { ...pair, num_beams: optionalNumber(num_beams), max_new_tokens: optionalNumber(max_new_tokens) };
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
    const run = await model.text2text(mode, text, options, onText);
    const attention = await model.attention(run.sourceIds, [model.info.decoderStartTokenId, ...run.targetIds]);
    return { run, attention };
  },
  render({ run, attention }, output) {
    // The output text, and beside it (below on a narrow page) its alignment.
    const result = document.createElement('div');
    result.className = 'text2text-result';
    const text = document.createElement('p');
    text.className = 'text2text-output';
    text.id = 'text2text-output';
    text.textContent = run.text;
    const alignment = document.createElement('div');
    alignment.className = 'text2text-alignment';
    result.append(text, alignment);
    output.append(result);
    if (run.targetIds.length === 0) {
      alignment.textContent = 'Nothing was generated (the first token ended the target), so there is no alignment to draw.';
      return;
    }
    // Row i: the decoder input before the i-th generated token, named by the token it produced.
    new CrossAttentionView(alignment, { attention, generated: attention.targetTokens.slice(1) });
  },
};
