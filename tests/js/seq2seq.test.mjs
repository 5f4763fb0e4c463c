// Encoder-decoders through the JS API (capability 'text2text'): model.generate(source) streams the target
// (greedy, and beam search with num_beams), model.forward(source, target) gives its logits and
// model.attention(source, target) the encoder, decoder and cross-attention, against the PyTorch references
// of tests/fixtures/gen_t5.py (t5-tiny: relu, tied head; t5-v1_1-tiny: gated-gelu, untied) and the beam
// searches of gen_t5_beams.py. Bad inputs are named errors, and the model answers correctly afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidArgumentError, loadModel, UnsupportedError, WorkerEngine } from '../../dist/index.js';
import { folder, maxAbsError, reference } from './fixtures.mjs';
import { run, snippet } from './readme-snippets.mjs';

const NAMES = ['t5-tiny', 't5-v1_1-tiny'];
const beams = (name) => JSON.parse(readFileSync(join(folder('t5-beams'), `${name}.json`), 'utf8'));

async function tokensOf(model, source, options) {
  const steps = [];
  for await (const step of model.generate(source, options)) steps.push(step);
  return steps;
}

/** The transformers GenerationConfig options of a gen_t5_beams.py case, as generate() takes them. */
function optionsOf(o) {
  const { eos_token_ids: eos, num_return_sequences: _n, ...rest } = o;
  return { ...rest, eos_token_id: eos };
}

/** [layer][head][q][k] nested lists flattened per layer. */
const flat = (layers) => layers.map((l) => l.flat(2));

for (const name of NAMES) {
  test(`${name}: greedy tokens, logits and attention as PyTorch gives them`, async () => {
    const ref = reference(name);
    const model = await loadModel(folder(name));
    try {
      assert.ok(model.info.capabilities.includes('text2text'), model.info.capabilities.join());
      assert.equal(model.info.decoderStartTokenId, 0);
      assert.equal(model.tokenizer, null);
      // Greedy for a fixed number of tokens (no end token): the reference recomputed the whole target per step.
      const steps = await tokensOf(model, ref.src, { max_new_tokens: ref.greedy.length, eos_token_id: [] });
      assert.deepEqual(steps.filter((s) => s.token >= 0).map((s) => s.token), ref.greedy);
      assert.equal(steps.at(-1).finishReason, 'max_new_tokens');
      assert.deepEqual(steps.at(-1).usage, { promptTokens: ref.src.length, cachedTokens: 0, generatedTokens: ref.greedy.length });
      const { logits, dims } = await model.forward(ref.src, ref.tgt_in);
      assert.deepEqual(dims, [ref.tgt_in.length, model.info.nVocab]);
      const err = maxAbsError(logits, ref.logits.flat());
      assert.ok(err <= 1e-4, `max |logit error| ${err}`);
      const att = await model.attention(ref.src, ref.tgt_in);
      for (const [key, want] of [['encoder', 'encoder_attentions'], ['decoder', 'decoder_attentions'], ['cross', 'cross_attentions']]) {
        const got = att[key];
        const expected = flat(ref.attentions[want]);
        assert.equal(got.length, expected.length, key);
        got.forEach((layer, l) => assert.ok(maxAbsError(layer, expected[l]) <= 1e-5, `${key} layer ${l}`));
      }
      assert.equal(att.cross[0].length, model.info.nHead * ref.tgt_in.length * ref.src.length, 'cross: target × source');
      assert.deepEqual(att.sourceTokens, ref.src.map(String));
    } finally {
      model.dispose();
    }
  });

  test(`${name}: beam search and the generation options as transformers' generate`, async () => {
    const ref = beams(name);
    const model = await loadModel(folder(name));
    try {
      for (const c of ref.cases) {
        const steps = await tokensOf(model, ref.src, optionsOf(c.options));
        const best = c.sequences[0];
        const ended = c.options.eos_token_ids.includes(best.at(-1));
        // The stream leaves out the end token, as decoders' generate does.
        assert.deepEqual(steps.filter((s) => s.token >= 0).map((s) => s.token), ended ? best.slice(0, -1) : best, c.name);
        assert.equal(steps.at(-1).finishReason, ended ? 'eos' : 'max_new_tokens', c.name);
      }
    } finally {
      model.dispose();
    }
  });
}

test('generation_config.json gives the defaults; the caller overrides them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-t5-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['config.json', 'model.safetensors']) symlinkSync(join(folder('t5-tiny'), f), join(dir, f));
  const ref = beams('t5-tiny');
  const beam = ref.cases.find((c) => c.name === 'beams4_lp1');
  const { eos_token_ids: eos, num_return_sequences: _n, ...config } = beam.options;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ ...config, eos_token_id: eos, decoder_start_token_id: 0 }));
  const model = await loadModel(dir);
  try {
    assert.equal(model.info.generation.num_beams, 4);
    const steps = await tokensOf(model, ref.src);
    assert.deepEqual(steps.filter((s) => s.token >= 0).map((s) => s.token), beam.sequences[0]);
    // Sensitivity: the caller's num_beams 1 is greedy, which gives another target here.
    const greedy = await tokensOf(model, ref.src, { num_beams: 1 });
    assert.notDeepEqual(greedy.filter((s) => s.token >= 0).map((s) => s.token), beam.sequences[0]);
  } finally {
    model.dispose();
  }
});

test('bad inputs are named errors and the model answers as before afterwards', async () => {
  const ref = reference('t5-tiny');
  const model = await loadModel(folder('t5-tiny'));
  try {
    const greedy = { max_new_tokens: ref.greedy.length, eos_token_id: [] };
    const expectGreedy = async () => assert.deepEqual((await tokensOf(model, ref.src, greedy)).filter((s) => s.token >= 0).map((s) => s.token), ref.greedy);
    const cases = [
      [() => tokensOf(model, [...ref.src.slice(0, 3), 300]), InvalidArgumentError, /token id 300 at position 3 is outside the vocabulary/],
      [() => tokensOf(model, ref.src, { num_beams: 301 }), InvalidArgumentError, /beam/],
      [() => model.forward(ref.src, Array.from({ length: 100000 }, () => 0)), InvalidArgumentError, /max_target_positions|positions/],
      [() => tokensOf(model, []), InvalidArgumentError, /empty|no tokens/],
      [() => model.forward(ref.src), InvalidArgumentError, /\(source, target\)/],
      [() => tokensOf(model, ref.src, { temperature: 0.7 }), UnsupportedError, /not by sampling/],
      [() => tokensOf(model, ref.src, { top_q: 1 }), InvalidArgumentError, /unknown option 'top_q'/],
      [() => tokensOf(model, [{ role: 'user', content: 'hi' }]), InvalidArgumentError, /not a conversation/],
      [() => tokensOf(model, 'text'), Error, /needs a tokenizer/],
    ];
    for (const [call, ErrorClass, message] of cases) {
      await assert.rejects(call(), (e) => e instanceof ErrorClass && message.test(e.message), String(message));
      await expectGreedy();
    }
    // An abort before the start: 'finish' ends the stream with nothing, the default throws.
    const controller = new AbortController();
    controller.abort();
    const finished = await tokensOf(model, ref.src, { signal: controller.signal, on_abort: 'finish' });
    assert.deepEqual(finished.map((s) => s.finishReason), ['abort']);
    await assert.rejects(tokensOf(model, ref.src, { signal: controller.signal }), (e) => e.name === 'AbortError');
    await expectGreedy();
  } finally {
    model.dispose();
  }
});

test('README: the encoder-decoder snippet prints what its comments say', async () => {
  const { code, stdout, stderr } = await run(snippet('**Encoder-decoders (translation, summarization).**'));
  assert.equal(code, 0, stderr);
  const [capabilities, usage, dims, layers, keys] = stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(capabilities, ['text2text']);
  assert.equal(usage.cachedTokens, 0);
  assert.ok(usage.generatedTokens >= 1 && usage.generatedTokens <= 6);
  assert.deepEqual(dims, [2, 300]);
  assert.equal(layers, 2);
  assert.deepEqual(keys, ['generated_text']);
});

test('in a worker: generate, forward(source, target) and attention(source, target) cross the boundary', async () => {
  const ref = reference('t5-tiny');
  // Two threads: the build Node.js's tests run (tests/js/flavours.mjs).
  const engine = await WorkerEngine.create({ numThreads: 2 });
  try {
    const model = await engine.loadModel(folder('t5-tiny'));
    assert.ok(model.info.capabilities.includes('text2text'));
    const steps = [];
    for await (const step of model.generate(ref.src, { max_new_tokens: ref.greedy.length, eos_token_id: [] })) steps.push(step);
    assert.deepEqual(steps.filter((s) => s.token >= 0).map((s) => s.token), ref.greedy);
    const { logits } = await model.forward(ref.src, ref.tgt_in);
    assert.ok(maxAbsError(logits, ref.logits.flat()) <= 1e-4);
    const att = await model.attention(ref.src, ref.tgt_in);
    assert.ok(maxAbsError(att.cross[1], flat(ref.attentions.cross_attentions)[1]) <= 1e-5);
    await assert.rejects(model.forward(ref.src), InvalidArgumentError);
    assert.deepEqual((await model.forward(ref.src, ref.tgt_in)).dims, [ref.tgt_in.length, 300]);
  } finally {
    engine.terminate();
  }
});
