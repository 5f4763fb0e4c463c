// Encoder-decoders through the JS API (capability 'text2text'): model.generate(source) streams the target
// (greedy, and beam search with num_beams), model.forward(source, target) gives its logits and
// model.attention(source, target) the encoder, decoder and cross-attention, against the PyTorch references
// of tests/fixtures/gen_t5.py (t5-tiny: relu, tied head; t5-v1_1-tiny: gated-gelu, untied) and the beam
// searches of gen_t5_beams.py (every returned hypothesis with its score, renormalize_logits on and off).
// Greedy tokens stream as they are picked, with the event loop turning between them, so an abort stops the
// generation between two tokens. Bad inputs are named errors, and the model answers correctly afterwards.
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
  const { eos_token_ids: eos, ...rest } = o;
  return { ...rest, eos_token_id: eos };
}

/** Scores within 1e-4, or 1e-4 relative beyond magnitude 1 (as tests/cpp/seq2seq_session_test.cc). */
const scoreError = (got, want) => Math.abs(got - want) / Math.max(1, Math.abs(want));

/** A beam search's sequences (the last item's) against a fixture's sequences and scores. */
function assertSequences(sequences, want, name) {
  assert.deepEqual(sequences.map((s) => s.tokens), want.sequences, name);
  sequences.forEach((s, i) => assert.ok(scoreError(s.score, want.scores[i]) <= 1e-4, `${name} #${i}: ${s.score} vs ${want.scores[i]}`));
}

/** A long greedy run: no end token, as many tokens as t5-tiny's 512 target positions allow. */
const LONG = { max_new_tokens: 500, eos_token_id: [] };

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
      let renormalized = 0;
      for (const c of ref.cases) {
        const steps = await tokensOf(model, ref.src, optionsOf(c.options));
        const best = c.sequences[0];
        const ended = c.options.eos_token_ids.includes(best.at(-1));
        // The stream leaves out the end token, as decoders' generate does.
        assert.deepEqual(steps.filter((s) => s.token >= 0).map((s) => s.token), ended ? best.slice(0, -1) : best, c.name);
        assert.equal(steps.at(-1).finishReason, ended ? 'eos' : 'max_new_tokens', c.name);
        if (c.options.num_beams === 1) {
          assert.equal(steps.at(-1).sequences, undefined, c.name);
          continue;
        }
        // Every returned hypothesis, best first, with transformers' sequences_scores.
        assertSequences(steps.at(-1).sequences, c, c.name);
        if (c.renormalize_off === undefined) continue;
        // Sensitivity: renormalize_logits off gives the reference without LogitNormalization, other scores.
        renormalized++;
        const off = (await tokensOf(model, ref.src, { ...optionsOf(c.options), renormalize_logits: false })).at(-1).sequences;
        assertSequences(off, c.renormalize_off, `${c.name} (off)`);
        assert.ok(Math.abs(off[0].score - c.scores[0]) > 1e-3, `${c.name}: renormalizing changes the scores`);
      }
      assert.equal(renormalized, 2);
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

test("generation_config.json's renormalize_logits (opus-mt's) is a default, and the caller can turn it off", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-t5-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['config.json', 'model.safetensors']) symlinkSync(join(folder('t5-tiny'), f), join(dir, f));
  const ref = beams('t5-tiny');
  const c = ref.cases.find((k) => k.name === 'renormalize_bad_words');
  const { eos_token_ids: eos, num_return_sequences: n, ...config } = c.options;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ ...config, eos_token_id: eos, decoder_start_token_id: 0 }));
  const model = await loadModel(dir);
  try {
    assert.equal(model.info.generation.renormalize_logits, true);
    assertSequences((await tokensOf(model, ref.src, { num_return_sequences: n })).at(-1).sequences, c, c.name);
    const off = (await tokensOf(model, ref.src, { num_return_sequences: n, renormalize_logits: false })).at(-1).sequences;
    assertSequences(off, c.renormalize_off, `${c.name} (off)`);
  } finally {
    model.dispose();
  }
});

test("with a tokenizer: each returned sequence's text is its tokens decoded, the stream's text the best one's", async () => {
  const t5 = await loadModel({ config: join(folder('t5-tiny'), 'config.json'), weights: join(folder('t5-tiny'), 'model.safetensors'),
    tokenizer: join(folder('t5-tokenizer'), 'tokenizer.json') });
  try {
    const steps = await tokensOf(t5, 'translate English to German: The house is wonderful.', { num_beams: 4, num_return_sequences: 3, max_new_tokens: 8 });
    const { sequences } = steps.at(-1);
    assert.equal(sequences.length, 3);
    for (const s of sequences) assert.equal(s.text, t5.tokenizer.decode(s.tokens, { skip_special_tokens: true }));
    assert.equal(steps.map((s) => s.text).join(''), sequences[0].text);
    assert.ok(sequences[0].score >= sequences[1].score && sequences[1].score >= sequences[2].score);
  } finally {
    t5.dispose();
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
      [() => tokensOf(model, ref.src, { num_beams: 2, num_return_sequences: 3 }), InvalidArgumentError, /num_return_sequences 3 is more than num_beams 2/],
      [() => tokensOf(model, ref.src, { num_return_sequences: 2 }), InvalidArgumentError, /more than num_beams 1/],
      [() => tokensOf(model, ref.src, { num_beams: 2, num_return_sequences: 0 }), InvalidArgumentError, /num_return_sequences must be a whole number >= 1/],
      [() => tokensOf(model, ref.src, { renormalize_logits: 'yes' }), InvalidArgumentError, /renormalize_logits must be a boolean/],
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

test('max_new_tokens 0 generates nothing, as for decoders, and still checks the source', async () => {
  const ref = reference('t5-tiny');
  const model = await loadModel(folder('t5-tiny'));
  try {
    for (const [num_beams, num_return_sequences] of [[1, 1], [3, 2]]) {
      // A beam search still reports its num_return_sequences hypotheses: empty, scored 0.
      const sequences = num_beams > 1 ? { sequences: Array.from({ length: num_return_sequences }, () => ({ tokens: [], text: '', score: 0 })) } : {};
      assert.deepEqual(await tokensOf(model, ref.src, { max_new_tokens: 0, num_beams, num_return_sequences }), [{
        token: -1, text: '', finishReason: 'max_new_tokens', usage: { promptTokens: ref.src.length, cachedTokens: 0, generatedTokens: 0 },
        ...sequences,
      }], `num_beams ${num_beams}`);
    }
    await assert.rejects(tokensOf(model, [...ref.src.slice(0, 3), 300], { max_new_tokens: 0 }),
      (e) => e instanceof InvalidArgumentError && /token id 300/.test(e.message));
    // (Sensitivity) one token is one token.
    assert.deepEqual((await tokensOf(model, ref.src, { max_new_tokens: 1, eos_token_id: [] })).map((s) => s.token), [ref.greedy[0], -1]);
  } finally {
    model.dispose();
  }
});

test('greedy tokens stream as they are picked: a timer runs between them, an abort stops between two', async () => {
  const ref = reference('t5-tiny');
  const model = await loadModel(folder('t5-tiny'));
  try {
    const whole = (await tokensOf(model, ref.src, LONG)).filter((s) => s.token >= 0).map((s) => s.token);
    assert.equal(whole.length, LONG.max_new_tokens);
    assert.deepEqual(whole.slice(0, ref.greedy.length), ref.greedy);
    // An observer: a timer set as the generation starts fires while tokens are still coming.
    const order = [];
    setTimeout(() => order.push('timer'), 0);
    for await (const step of model.generate(ref.src, LONG)) order.push(step.token);
    const at = order.indexOf('timer');
    assert.ok(at > 0 && at < LONG.max_new_tokens, `the timer ran after token ${at} of ${LONG.max_new_tokens}`);
    assert.deepEqual(order.filter((t) => t !== 'timer' && t >= 0), whole);
    // An abort after the 3rd token: exactly 3 tokens, then the reason.
    let controller = new AbortController();
    const three = [];
    for await (const step of model.generate(ref.src, { ...LONG, signal: controller.signal, on_abort: 'finish' })) {
      three.push(step);
      if (three.length === 3) controller.abort();
    }
    assert.deepEqual(three.slice(0, 3).map((s) => s.token), ref.greedy.slice(0, 3));
    assert.equal(three.length, 4);
    assert.equal(three[3].finishReason, 'abort');
    assert.deepEqual(three[3].usage, { promptTokens: ref.src.length, cachedTokens: 0, generatedTokens: 3 });
    // An abort from a timer while the caller only reads the stream: it stops between two tokens.
    controller = new AbortController();
    setTimeout(() => controller.abort(), 0);
    const timed = await tokensOf(model, ref.src, { ...LONG, signal: controller.signal, on_abort: 'finish' });
    assert.equal(timed.at(-1).finishReason, 'abort');
    assert.ok(timed.length - 1 < LONG.max_new_tokens, `${timed.length - 1} tokens`);
    assert.deepEqual(timed.slice(0, -1).map((s) => s.token), whole.slice(0, timed.length - 1));
    // The default on_abort throws the signal's reason; a beam search stops between steps the same way.
    controller = new AbortController();
    setTimeout(() => controller.abort(), 0);
    await assert.rejects(tokensOf(model, ref.src, { ...LONG, signal: controller.signal }), (e) => e.name === 'AbortError');
    controller = new AbortController();
    const beams = [];
    const beamOptions = { max_new_tokens: 500, eos_token_id: [], num_beams: 4, signal: controller.signal, on_abort: 'finish' };
    setTimeout(() => controller.abort(), 0);
    for await (const step of model.generate(ref.src, beamOptions)) beams.push(step);
    assert.deepEqual(beams.map((s) => [s.token, s.finishReason]), [[-1, 'abort']]);
    // Leaving the loop early frees the model for the next call, which is right.
    for await (const step of model.generate(ref.src, LONG)) if (step.token >= 0) break;
    assert.deepEqual((await tokensOf(model, ref.src, LONG)).filter((s) => s.token >= 0).map((s) => s.token), whole);
  } finally {
    model.dispose();
  }
});

test('a model disposed while its stream is read ends the stream with a named error', async () => {
  const ref = reference('t5-tiny');
  const model = await loadModel(folder('t5-tiny'));
  const stream = model.generate(ref.src, LONG);
  assert.ok((await stream.next()).value.token >= 0);
  model.dispose();
  await assert.rejects(stream.next(), (e) => e.code === 'disposed' || /disposed/.test(e.message));
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
    // Tokens stream across the boundary: an abort sent after the 3rd stops the generation long before its end.
    const controller = new AbortController();
    const streamed = [];
    for await (const step of model.generate(ref.src, { ...LONG, signal: controller.signal, on_abort: 'finish' })) {
      streamed.push(step);
      if (streamed.length === 3) controller.abort();
    }
    assert.equal(streamed.at(-1).finishReason, 'abort');
    const got = streamed.slice(0, -1).map((s) => s.token);
    assert.ok(got.length >= 3 && got.length < LONG.max_new_tokens, `${got.length} tokens`);
    const n = Math.min(got.length, ref.greedy.length);
    assert.deepEqual(got.slice(0, n), ref.greedy.slice(0, n));
    // A beam search's hypotheses cross too.
    const beam = beams('t5-tiny').cases.find((c) => c.name === 'renormalize_no_repeat');
    const last = (await tokensOf(model, ref.src, optionsOf(beam.options))).at(-1);
    assertSequences(last.sequences, beam, beam.name);
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
