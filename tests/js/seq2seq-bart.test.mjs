// The BART family through the JS API (BART, distilbart, Marian with shared and separate vocabularies,
// M2M100, NLLB): greedy tokens, teacher-forced logits and the cross-attention against the PyTorch
// references of tests/fixtures/gen_bart.py; each checkpoint's generation_config.json applied as the
// defaults (BART's forced_bos_token_id); a source past the learned/sinusoid positions is a named error
// and the model answers as before.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidArgumentError, loadModel } from '../../dist/index.js';
import { folder, maxAbsError, reference } from './fixtures.mjs';

const NAMES = ['bart-tiny', 'distilbart-tiny', 'marian-tiny', 'marian-unshared-tiny', 'm2m100-tiny', 'nllb-tiny'];

// What the references computed: plain argmax over a fixed number of steps, none of the checkpoints'
// generation_config.json processors.
const plainGreedy = (n) => ({
  num_beams: 1, max_new_tokens: n, min_length: 0, eos_token_id: [], no_repeat_ngram_size: 0,
  forced_bos_token_id: null, forced_eos_token_id: null, bad_words_ids: [],
});

async function tokensOf(model, source, options) {
  const tokens = [];
  for await (const step of model.generate(source, options)) if (step.token >= 0) tokens.push(step.token);
  return tokens;
}

const maxAbs = (rows) => Math.max(...rows.flat(Infinity).map(Math.abs));

for (const name of NAMES) {
  test(`${name}: greedy tokens, logits and cross-attention as PyTorch gives them; a source too long is refused`, async () => {
    const ref = reference(name);
    const model = await loadModel(folder(name));
    try {
      assert.ok(model.info.capabilities.includes('text2text'), model.info.capabilities.join());
      const config = JSON.parse(readFileSync(join(folder(name), 'config.json'), 'utf8'));
      assert.equal(model.info.sourceVocabSize, config.vocab_size);
      assert.equal(model.info.nVocab, config.decoder_vocab_size ?? config.vocab_size);
      assert.deepEqual(await tokensOf(model, ref.src, plainGreedy(ref.greedy.length)), ref.greedy);
      const { logits } = await model.forward(ref.src, ref.tgt_in);
      const err = maxAbsError(logits, ref.logits.flat()) / maxAbs(ref.logits);
      assert.ok(err <= 1e-5, `max |logit error| / max |logit| ${err}`);
      const att = await model.attention(ref.src, ref.tgt_in);
      ref.attention.cross.forEach((layer, l) => {
        const e = maxAbsError(att.cross[l], layer.flat(2));
        assert.ok(e <= 1e-5, `cross-attention layer ${l}: ${e}`);
      });
      const positions = model.info.nCtx;
      assert.equal(positions, 64, 'max_position_embeddings');
      const long = Array.from({ length: positions + 1 }, (_, i) => ref.src[i % ref.src.length]);
      await assert.rejects(tokensOf(model, long, plainGreedy(2)),
        (e) => e instanceof InvalidArgumentError && /positions|longer/.test(e.message), 'source one past the positions');
      assert.deepEqual(await tokensOf(model, ref.src, plainGreedy(ref.greedy.length)), ref.greedy, 'usable afterwards');
    } finally {
      model.dispose();
    }
  });
}

test("bart-tiny: generation_config.json's forced_bos_token_id opens the target unless the caller turns it off", async () => {
  const ref = reference('bart-tiny');
  const model = await loadModel(folder('bart-tiny'));
  try {
    assert.equal(model.info.generation.forced_bos_token_id, 0);
    const greedy = { num_beams: 1, max_new_tokens: 4, min_length: 0, eos_token_id: [], no_repeat_ngram_size: 0, forced_eos_token_id: null };
    const forced = await tokensOf(model, ref.src, greedy);
    assert.equal(forced[0], 0);
    // Sensitivity: the reference's own first token is another one.
    assert.notEqual(ref.greedy[0], 0);
    assert.deepEqual(await tokensOf(model, ref.src, { ...greedy, forced_bos_token_id: null }), ref.greedy.slice(0, 4));
  } finally {
    model.dispose();
  }
});
