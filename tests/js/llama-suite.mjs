// The LLaMA family through the public API (loadModel, forward, generate,
// attention, pipeline, TextStreamer) against the PyTorch references of
// tests/fixtures/llama-tiny, qwen2-tiny, llama3-tiny, the sliding-window
// fixtures mistral-window-tiny and qwen2-window-tiny, qwen3-tiny and
// smollm3-tiny (gen_llama.py). Run by llama-single.test.mjs and
// llama-threads.test.mjs, once per wasm build.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertDtypesKeepTopToken, assertMatchesReference, assertRefusesBadInputs, generateIds,
} from './causal-lm-checks.mjs';
import { folder, idsOnlyFiles, reference } from './fixtures.mjs';
import {
  InvalidArgumentError, TextStreamer, backendInfo, env, loadModel, pipeline,
} from '../../dist/index.js';

export function llamaSuite({ numThreads, flavour }) {
  before(async () => {
    env.wasm.numThreads = numThreads;
    assert.equal((await backendInfo()).flavour, flavour);
  });

  for (const [name, source, architecture] of [
    ['llama-tiny', () => folder('llama-tiny'), 'LlamaForCausalLM'],
    ['qwen2-tiny', idsOnlyFiles('qwen2-tiny'), 'Qwen2ForCausalLM'],
    // rope_scaling of type "llama3" (Llama 3.1 / 3.2), in all three frequency bands.
    ['llama3-tiny', idsOnlyFiles('llama3-tiny'), 'LlamaForCausalLM'],
    // Sliding windows from the config: every layer over 8 keys (Mistral); layer 1
    // over 6 keys, layer 0 full (Qwen2's use_sliding_window + max_window_layers).
    // Prompts and continuations run past the windows; the attention
    // probabilities are 0 outside them, as PyTorch's.
    ['mistral-window-tiny', idsOnlyFiles('mistral-window-tiny'), 'MistralForCausalLM'],
    ['qwen2-window-tiny', idsOnlyFiles('qwen2-window-tiny'), 'Qwen2ForCausalLM'],
    // Qwen3: q_norm / k_norm on every query and key head before RoPE, head_dim 32
    // from the config (hidden 64 / 4 heads would be 16), tied head, layer 1 over 6 keys.
    ['qwen3-tiny', idsOnlyFiles('qwen3-tiny'), 'Qwen3ForCausalLM'],
    // SmolLM3: no_rope_layers [1, 1, 0], so layer 2 attends without positions.
    ['smollm3-tiny', idsOnlyFiles('smollm3-tiny'), 'SmolLM3ForCausalLM'],
  ]) {
    test(`${name}: logits, greedy continuations and attention equal PyTorch's`, async () => {
      const model = await loadModel(source());
      try {
        assert.equal(model.info.architecture, architecture);
        assert.deepEqual(model.info.capabilities, ['generate']);
        assert.ok(await assertMatchesReference(model, name) >= 19);
      } finally {
        model.dispose();
      }
    });
  }

  test("llama-tiny: an empty text is its BOS token alone, so it continues as PyTorch's [BOS] prompt", async () => {
    const model = await loadModel(folder('llama-tiny'));
    try {
      const bos = reference('llama-tiny').prompts.find((p) => p.ids.length === 1);
      assert.deepEqual(model.tokenizer.encode(''), bos.ids);
      assert.deepEqual(await generateIds(model, '', bos.greedy.new_tokens), bos.greedy.ids);
    } finally {
      model.dispose();
    }
  });

  test('llama-tiny: text prompts tokenize with BOS as Hugging Face does and generate the same continuation', async () => {
    const model = await loadModel(folder('llama-tiny'));
    try {
      const withText = reference('llama-tiny').prompts.filter((p) => p.text !== undefined);
      assert.ok(withText.length >= 3);
      for (const prompt of withText) {
        assert.deepEqual(model.tokenizer.encode(prompt.text), prompt.ids, prompt.text);
        assert.deepEqual(await generateIds(model, prompt.text, prompt.greedy.new_tokens), prompt.greedy.ids);
      }
    } finally {
      model.dispose();
    }
  });

  // The fixtures amplify weight rounding ~7x (peaky attention, large
  // weights): see tests/cpp/llama_checkpoint_test.cc for the measurements.
  test("dtype 'q8' and 'f16' keep the top token wherever PyTorch's margin exceeds twice the error bound", async () => {
    await assertDtypesKeepTopToken((dtype) => loadModel(folder('llama-tiny'), { dtype }), 'llama-tiny',
      [['q8', 3.0], ['f16', 0.15]]);
  });

  test("pipeline('text-generation') returns [{ generated_text }] and streams through a TextStreamer", async () => {
    const generator = await pipeline('text-generation', folder('llama-tiny'));
    try {
      const prompt = reference('llama-tiny').prompts.find((p) => p.text !== undefined);
      // As transformers.js: the whole sequence decoded, so the first new token keeps its leading space.
      const full = generator.tokenizer.decode([...prompt.ids, ...prompt.greedy.ids], { skip_special_tokens: true });
      assert.ok(full.startsWith(prompt.text));
      const continuation = full.slice(prompt.text.length);
      assert.ok(/^\s/.test(continuation), 'the continuation starts with a space: the case that lost it');
      const pieces = [];
      const streamer = new TextStreamer(generator.tokenizer, { skip_prompt: true, callback_function: (t) => pieces.push(t) });
      const out = await generator(prompt.text, { max_new_tokens: prompt.greedy.new_tokens, streamer });
      // The reference's greedy run ended at its token budget unless it sampled an end-of-sequence token.
      const ended = prompt.greedy.ids.length === prompt.greedy.new_tokens ? 'max_new_tokens' : 'eos';
      assert.deepEqual(out, [{ generated_text: prompt.text + continuation, finish_reason: ended }]);
      assert.equal(pieces.join(''), continuation);
      const [only] = await generator(prompt.text, { max_new_tokens: prompt.greedy.new_tokens, return_full_text: false });
      assert.equal(only.generated_text, continuation);
      const batch = await generator([prompt.text, prompt.text], { max_new_tokens: 3 });
      assert.equal(batch.length, 2);
      assert.deepEqual(batch[0], batch[1]);
      await assert.rejects(generator(prompt.text, { max_new_tokens: -1 }), InvalidArgumentError);
      await assert.rejects(generator(prompt.text, { no_such_option: 1 }), InvalidArgumentError);
    } finally {
      await generator.dispose();
    }
    await assert.rejects(pipeline('automatic-speech-recognition', folder('llama-tiny')), (e) => e instanceof InvalidArgumentError &&
      /automatic-speech-recognition.*text-generation.*feature-extraction/.test(e.message));
    // A task of the encoder-decoders: named by the capability it needs.
    await assert.rejects(pipeline('translation', folder('llama-tiny')), (e) => e instanceof InvalidArgumentError &&
      /^pipeline\('translation'\): LlamaForCausalLM cannot 'text2text'; it can 'generate'/.test(e.message));
    await assert.rejects(pipeline('feature-extraction', folder('llama-tiny')), (e) => e instanceof InvalidArgumentError &&
      /^pipeline\('feature-extraction'\): LlamaForCausalLM cannot 'encode'; it can 'generate'/.test(e.message));
  });

  test('a LLaMA model refuses embed(), and bad inputs leave it working', async () => {
    const model = await loadModel(folder('llama-tiny'));
    try {
      await assertRefusesBadInputs(model, { token: 1, badId: 32000, prompt: reference('llama-tiny').prompts[1] });
    } finally {
      model.dispose();
    }
  });
}
