// The checks the causal-LM suites (llama-suite.mjs, gemma3-suite.mjs) run on
// each of their fixtures against its PyTorch reference (tests/fixtures).
import assert from 'node:assert/strict';
import { compareLogits, maxAttentionError, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError } from '../../dist/index.js';

/** The ids generate() picks greedily for `input`, at most maxNewTokens of them. */
export async function generateIds(model, input, maxNewTokens) {
  const tokens = [];
  for await (const step of model.generate(input, { max_new_tokens: maxNewTokens })) tokens.push(step.token);
  return tokens;
}

/** generate() continues each prompt as PyTorch's greedy run did. */
export async function assertGreedyContinuations(model, prompts) {
  for (const prompt of prompts) {
    assert.deepEqual(await generateIds(model, prompt.ids, prompt.greedy.new_tokens), prompt.greedy.ids);
  }
}

/**
 * Every stored logits row of fixture `name` within 1e-4 of PyTorch's with the
 * same top token, the greedy continuations of every prompt (generate() decodes
 * with the KV cache; PyTorch recomputed the whole sequence per step), and the
 * attention probabilities of the reference's attention prompt within 1e-5.
 * Returns the number of logits rows compared.
 */
export async function assertMatchesReference(model, name) {
  const ref = reference(name);
  const { maxAbs, rows, agree } = await compareLogits(model, name);
  assert.ok(maxAbs <= 1e-4, `max |logit error| ${maxAbs}`);
  assert.equal(agree, rows);
  await assertGreedyContinuations(model, ref.prompts);
  const att = await model.attention(ref.prompts[ref.attention.prompt].ids);
  const n = ref.attention.shape[2];
  assert.deepEqual(att.dims, [ref.attention.shape[1], n, n]);
  const maxProb = maxAttentionError(att.layers, ref.attention.probs, n);
  assert.ok(maxProb <= 1e-5, `max |attention error| ${maxProb}`);
  return rows;
}

/**
 * For each [dtype, bound]: the model `load(dtype)` gives is within `bound` of
 * fixture `name`'s logits and keeps the top token wherever PyTorch's top-2 gap
 * exceeds twice the bound.
 */
export async function assertDtypesKeepTopToken(load, name, bounds) {
  for (const [dtype, bound] of bounds) {
    const model = await load(dtype);
    try {
      const { maxAbs, clearRows, clearAgree } = await compareLogits(model, name, 2 * bound);
      assert.ok(maxAbs <= bound, `${dtype}: max |logit error| ${maxAbs}`);
      assert.equal(clearAgree, clearRows, dtype);
      assert.equal(model.info.dtype, dtype);
    } finally {
      model.dispose();
    }
  }
}

/**
 * A generate-only model refuses embed() and rejects an id past its vocabulary
 * (`badId`, named in the message) and a prompt past nCtx, then still continues
 * `prompt` as PyTorch did. `token` is a valid id for the other positions.
 */
export async function assertRefusesBadInputs(model, { token, badId, prompt }) {
  await assert.rejects(model.embed('hello'), UnsupportedError);
  await assert.rejects(model.forward([token, badId]),
    (e) => e instanceof InvalidArgumentError && new RegExp(String(badId)).test(e.message));
  const tooLong = Array.from({ length: model.info.nCtx + 1 }, () => token);
  await assert.rejects(model.forward(tooLong), InvalidArgumentError);
  await assertGreedyContinuations(model, [prompt]);
}
