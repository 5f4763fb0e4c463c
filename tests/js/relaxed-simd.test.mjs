// Which build qkv picks by WebAssembly relaxed SIMD (env.wasm.relaxedSimd,
// web/src/relaxed-simd.ts): the probe module against an assembler written
// here from the instructions' definitions, and qkv started in child
// processes (the build is fixed once per process) with each setting. What
// must happen is decided from the Node.js version (flavours.mjs), never from
// qkv's own probe. Runs under Node.js 20 (no relaxed SIMD; with
// --experimental-wasm-relaxed-simd, a wrong dot product) and Node.js 24.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { InvalidArgumentError, WorkerEngine, env } from '../../dist/index.js';
import { RELAXED_SIMD_PROBE } from '../../dist/relaxed-simd.js';
import { flavourFor, nodeMajor, relaxedExpected } from './flavours.mjs';

// --- an assembler for the probe, from the spec of each instruction -------

const leb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const simd = (op) => [0xfd, ...leb(op)];
const v128 = (bytes) => [...simd(0x0c), ...bytes];
const i8x16 = (lanes) => v128(lanes.map((v) => v & 0xff));
const i32x4 = (lanes) => v128([...new Uint8Array(Int32Array.from(lanes).buffer)]);
const f32x4 = (lanes) => v128([...new Uint8Array(Float32Array.from(lanes).buffer)]);

// The products a conforming relaxed_dot_i8x16_i7x16_add_s must give: b's lanes
// are all below 128, so none is implementation-defined. Worked out here in JS.
const dotA = [-128, -128, -128, -128, 127, 127, 127, 127, 1, -2, 3, -4, -1, 2, -3, 4];
const dotB = [127, 127, 127, 127, 127, 127, 127, 127, 5, 6, 7, 8, 100, 0, 1, 2];
const dotC = [1, -2, 100, 0];
const dotWant = dotC.map((c, lane) => c + [0, 1, 2, 3].reduce((sum, j) => sum + dotA[4 * lane + j] * dotB[4 * lane + j], 0));
// Exact in f32 whether the multiply-add is fused or not.
const madd = { x: [2, 3, 0.5, -1], y: [3, 4, 4, 5], z: [1, -2, 0.25, 10] };
const maddWant = madd.x.map((x, i) => x * madd.y[i] + madd.z[i]);

/** The module `p: () => i32`: 1 when both relaxed instructions give `dot` and `fma`. */
function assemble({ dot = dotWant, fma = maddWant } = {}) {
  const body = [
    ...i8x16(dotA), ...i8x16(dotB), ...i32x4(dotC), ...simd(0x113), // i32x4.relaxed_dot_i8x16_i7x16_add_s
    ...i32x4(dot), ...simd(0x37), ...simd(0xa3), // i32x4.eq, i32x4.all_true
    ...f32x4(madd.x), ...f32x4(madd.y), ...f32x4(madd.z), ...simd(0x105), // f32x4.relaxed_madd
    ...f32x4(fma), ...simd(0x41), ...simd(0xa3), // f32x4.eq, i32x4.all_true
    0x71, 0x0b, // i32.and, end
  ];
  const func = [0, ...body]; // no locals
  const code = [1, ...leb(func.length), ...func];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    1, 5, 1, 0x60, 0, 1, 0x7f, // type: () -> i32
    3, 2, 1, 0, // one function of that type
    7, 5, 1, 1, 0x70, 0, 0, // export "p"
    10, ...leb(code.length), ...code,
  ]);
}

const runProbe = (bytes) => new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.p();

test('the probe qkv ships is the module assembled here from the instructions and the worked-out answers', () => {
  assert.deepEqual(dotWant, [-65023, 64514, 82, -95]);
  assert.deepEqual(Array.from(RELAXED_SIMD_PROBE), Array.from(assemble()));
});

test(`this Node.js ${process.versions.node} ${relaxedExpected ? 'runs the probe and it answers 1' : 'refuses the probe (no relaxed SIMD by default)'}`, () => {
  assert.equal(WebAssembly.validate(RELAXED_SIMD_PROBE), relaxedExpected);
  if (!relaxedExpected) return;
  assert.equal(runProbe(RELAXED_SIMD_PROBE), 1);
  // The comparison can fail: one lane off in either instruction's answer gives 0.
  assert.equal(runProbe(assemble({ dot: [...dotWant.slice(0, 3), dotWant[3] + 1] })), 0);
  assert.equal(runProbe(assemble({ fma: [...maddWant.slice(0, 3), maddWant[3] + 1] })), 0);
});

/** Starts qkv in a child Node.js with these settings; what backendInfo() said, or the error, and a softmax. */
function startIn({ numThreads, relaxedSimd }, nodeFlags = [], preamble = '') {
  const index = new URL('../../dist/index.js', import.meta.url).href;
  const script = `${preamble}
    const { env, backendInfo, softmax } = await import('${index}');
    env.wasm.numThreads = ${numThreads};
    ${relaxedSimd === undefined ? '' : `env.wasm.relaxedSimd = ${JSON.stringify(relaxedSimd)};`}
    try {
      const info = await backendInfo();
      const y = Array.from(await softmax([0, Math.log(3)]));
      console.log(JSON.stringify({ info, y }));
    } catch (e) {
      console.log(JSON.stringify({ error: { name: e.name, message: e.message } }));
    }`;
  const run = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

function assertComputes({ y }) {
  assert.ok(Math.abs(y[0] - 0.25) < 1e-6 && Math.abs(y[1] - 0.75) < 1e-6, String(y));
}

test('relaxedSimd = false starts the SIMD128 builds, one thread and threads, and says why', () => {
  for (const numThreads of [1, 2]) {
    const started = startIn({ numThreads, relaxedSimd: false });
    assert.equal(started.info.flavour, numThreads > 1 ? 'qkv-simd-threads' : 'qkv-simd');
    assert.equal(started.info.flavour, flavourFor(numThreads, false));
    assert.equal(started.info.relaxedSimd, false);
    assert.equal(started.info.relaxedSimdReason, 'env.wasm.relaxedSimd is false');
    assert.equal(started.info.numThreads, numThreads);
    assertComputes(started);
  }
});

test(`'auto' (the default) ${relaxedExpected ? 'starts the relaxed-SIMD builds here' : 'falls back to SIMD128 here, saying why'}`, () => {
  for (const numThreads of [1, 2]) {
    const started = startIn({ numThreads });
    assert.equal(started.info.flavour, flavourFor(numThreads));
    assert.equal(started.info.relaxedSimd, relaxedExpected);
    if (relaxedExpected) assert.equal(started.info.relaxedSimdReason, undefined);
    else assert.equal(started.info.relaxedSimdReason, 'this engine lacks WebAssembly relaxed SIMD');
    assertComputes(started);
  }
});

test(`relaxedSimd = true ${relaxedExpected ? 'starts the relaxed-SIMD build' : 'is an UnsupportedError naming the cause'}`, () => {
  const started = startIn({ numThreads: 1, relaxedSimd: true });
  if (relaxedExpected) {
    assert.equal(started.info.flavour, 'qkv-relaxed');
    assert.equal(started.info.relaxedSimd, true);
    assertComputes(started);
  } else {
    assert.deepEqual(started.error, {
      name: 'UnsupportedError',
      message: "env.wasm.relaxedSimd is true, but this engine lacks WebAssembly relaxed SIMD; set it to 'auto' to fall back to SIMD128",
    });
  }
});

// Node.js 20's relaxed SIMD, switched on by flag, validates but its dot product
// returns twice the products' sum without the accumulator: qkv must not use it.
// (Node.js 24 has no such flag: it ships relaxed SIMD.)
test(`Node.js 20 with --experimental-wasm-relaxed-simd keeps SIMD128: the probe's answer is wrong there${nodeMajor >= 22 ? ' (not Node.js 20: its run checks the probe only)' : ''}`, () => {
  if (nodeMajor >= 22) {
    // Here the same probe must answer correctly (checked above); nothing to start under a flag.
    assert.equal(runProbe(RELAXED_SIMD_PROBE), 1);
    return;
  }
  const flags = ['--experimental-wasm-relaxed-simd'];
  const engine = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', `
    import { RELAXED_SIMD_PROBE } from '${new URL('../../dist/relaxed-simd.js', import.meta.url).href}';
    console.log(WebAssembly.validate(RELAXED_SIMD_PROBE),
      new WebAssembly.Instance(new WebAssembly.Module(RELAXED_SIMD_PROBE)).exports.p());`], { encoding: 'utf8' });
  assert.equal(engine.stdout.trim(), 'true 0', engine.stderr);
  const wrong = "this engine's relaxed SIMD computes wrong results (its relaxed dot product or multiply-add failed a known-answer check)";
  for (const numThreads of [1, 2]) {
    const started = startIn({ numThreads }, flags);
    assert.equal(started.info.flavour, flavourFor(numThreads));
    assert.equal(started.info.relaxedSimdReason, wrong);
    assertComputes(started);
  }
  assert.deepEqual(startIn({ numThreads: 1, relaxedSimd: true }, flags).error, {
    name: 'UnsupportedError',
    message: `env.wasm.relaxedSimd is true, but ${wrong}; set it to 'auto' to fall back to SIMD128`,
  });
});

// The paths after validation, in engines that validate the probe: one whose
// probe answers wrongly (as Node.js 20's, played here with a stand-in for
// WebAssembly.Instance), one where it cannot run at all (a page whose CSP
// forbids compiling, say). Under Node.js 20 the validation fails first.
test('an engine whose probe answers wrongly, or cannot run it, keeps SIMD128 and says why', () => {
  // (The runtime itself is instantiated with WebAssembly.instantiate, which these leave alone.)
  const wrongAnswer = 'WebAssembly.Instance = function () { return { exports: { p: () => 0 } }; };';
  const refused = `WebAssembly.Instance = function () { throw new Error('compiling refused'); };`;
  const lacks = 'this engine lacks WebAssembly relaxed SIMD';
  for (const [preamble, reason] of [
    [wrongAnswer, "this engine's relaxed SIMD computes wrong results (its relaxed dot product or multiply-add failed a known-answer check)"],
    [refused, 'the relaxed SIMD probe could not run (compiling refused)'],
  ]) {
    const started = startIn({ numThreads: 2 }, [], preamble);
    assert.equal(started.info.flavour, 'qkv-simd-threads');
    assert.equal(started.info.relaxedSimdReason, relaxedExpected ? reason : lacks);
    assertComputes(started);
  }
});

test('env.wasm.relaxedSimd takes only auto, true or false', () => {
  assert.equal(env.wasm.relaxedSimd, 'auto');
  for (const bad of ['yes', 1, null, undefined, 'AUTO']) {
    assert.throws(() => { env.wasm.relaxedSimd = bad; },
      (e) => e instanceof InvalidArgumentError && /^env\.wasm\.relaxedSimd must be 'auto', true or false, got /.test(e.message));
  }
  assert.equal(env.wasm.relaxedSimd, 'auto');
  env.wasm.relaxedSimd = false;
  env.wasm.relaxedSimd = true;
  env.wasm.relaxedSimd = 'auto';
});

test("WorkerEngine: relaxedSimd in its settings applies to the worker's env; a bad one fails its calls by name", async () => {
  const forced = await WorkerEngine.create({ numThreads: 1, relaxedSimd: false });
  try {
    const info = await forced.backendInfo();
    assert.deepEqual([info.flavour, info.relaxedSimd, info.relaxedSimdReason], ['qkv-simd', false, 'env.wasm.relaxedSimd is false']);
  } finally {
    forced.terminate();
  }
  const auto = await WorkerEngine.create({ numThreads: 2 });
  try {
    assert.equal((await auto.backendInfo()).flavour, flavourFor(2));
  } finally {
    auto.terminate();
  }
  const bad = await WorkerEngine.create({ relaxedSimd: 'sometimes' });
  try {
    await assert.rejects(bad.backendInfo(),
      (e) => e instanceof InvalidArgumentError && /env\.wasm\.relaxedSimd must be 'auto', true or false, got "sometimes"/.test(e.message));
  } finally {
    bad.terminate();
  }
});
