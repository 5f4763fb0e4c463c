// crossAlignment / crossAttentionMap on nllb-tiny's cross-attention against the PyTorch alignment of
// tests/fixtures/gen_translation_tokenizers.py (last decoder layer, mean of the heads), one head against
// reference.json's teacher-forced cross-attention, and named errors for a layer or head it lacks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { crossAlignment, crossAttentionMap, InvalidArgumentError, loadModel } from '../../dist/index.js';
import { folder, reference } from './fixtures.mjs';

test('nllb-tiny: the alignment and one head\'s map as PyTorch computes them; bad layer or head named', async () => {
  const { cases: [c] } = JSON.parse(readFileSync(`${folder('nllb-tiny')}/translation.json`, 'utf8'));
  const model = await loadModel(folder('nllb-tiny'));
  try {
    const att = await model.attention(c.src_ids, [model.info.decoderStartTokenId, ...c.greedy]);
    const aligned = crossAlignment(att).slice(0, c.greedy.length);
    aligned.forEach(({ source, weight }, i) => {
      assert.equal(source, c.alignment[i].source, `row ${i}`);
      assert.ok(Math.abs(weight - c.alignment[i].weight) <= 1e-4, `row ${i}`);
    });
    // One head of layer 0 on reference.json's teacher-forced pass: [layer][head][target][source].
    const ref = reference('nllb-tiny');
    const forced = await model.attention(ref.src, ref.tgt_in);
    const head1 = crossAttentionMap(forced, 0, 1);
    const want = ref.attention.cross[0][1].flat();
    assert.equal(head1.length, want.length);
    head1.forEach((w, i) => assert.ok(Math.abs(w - want[i]) <= 1e-4, `cell ${i}`));
    for (const [layer, head] of [[2, 'mean'], [0, 4], [0, -1], [0, 1.5]]) {
      assert.throws(() => crossAttentionMap(forced, layer, head), InvalidArgumentError, `${layer} ${head}`);
    }
  } finally {
    model.dispose();
  }
});
