// Checks model_int8.onnx (bench/gpt2-small/make_int8.py) under onnxruntime-web (wasm execution
// provider, Node, one thread) against make_int8.py's PyTorch emulation of the same ONNX ops:
//   1. each quantized op alone (ops.onnx): DynamicQuantizeLinear's uint8 values, scale and zero
//      point bit-equal, the MatMulInteger pattern and the quantized Gather within 1e-6 relative;
//   2. the model's layer-0 keys and values on the 128-token prompt within 1e-5 (Gather +
//      DequantizeLinear, LayerNorm, one DynamicQuantizeLinear and MatMulInteger: no divergence yet);
//   3. the logits on the prompt and on one decode step after it. Past layer 0 the two computations
//      cannot stay equal: their float parts (LayerNorm, GELU, softmax, summation order) round
//      differently by an ulp, and once such a difference moves an activation across a uint8
//      rounding boundary the next layers amplify it. The bound is therefore measured, not guessed:
//      twice the difference between the emulation and the same emulation with its float parts in
//      float64 (the same integers, other rounding). The f32 model must differ by more than 0.05.
// Prints one JSON line; exits 1 when a bound fails.
//   node bench/gpt2-small/check_int8.mjs [model dir] [check dir]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [dirArg, checkArg] = process.argv.slice(2);
const dir = dirArg ?? fileURLToPath(new URL('../out/gpt2-small/', import.meta.url));
const check = checkArg ?? fileURLToPath(new URL('../out/gpt2-int8-check/', import.meta.url));
const inputs = JSON.parse(readFileSync(`${check}/inputs.json`, 'utf8'));
const { vocab } = inputs;
const read = (name, Type = Float32Array) => {
  const b = readFileSync(`${check}/${name}`);
  return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
};

// Max abs difference, max abs reference value and, for logits, rows whose argmax agrees.
function compare(got, want, rowLength = 0) {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < got.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  const out = { max_abs_diff: +maxAbs.toExponential(3), max_abs_ref: +maxRef.toFixed(4) };
  if (rowLength) {
    let agree = 0;
    for (let r = 0; r < got.length / rowLength; r++) {
      let bg = r * rowLength;
      let bw = bg;
      for (let i = r * rowLength; i < (r + 1) * rowLength; i++) {
        if (got[i] > got[bg]) bg = i;
        if (want[i] > want[bw]) bw = i;
      }
      if (bg === bw) agree++;
    }
    out.top1_agree = `${agree}/${got.length / rowLength}`;
  }
  return out;
}

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
const failures = [];
const expect = (ok, what) => ok || failures.push(what);
const i64 = (list, dims) => new ort.Tensor('int64', BigInt64Array.from(list.map(BigInt)), dims);

// 1. Each op alone.
const ops = await ort.InferenceSession.create(`${check}/ops.onnx`, { executionProviders: ['wasm'] });
const o = await ops.run({
  x: new ort.Tensor('float32', read('op_x.f32'), inputs.op_x_dims),
  ids: i64(inputs.op_ids, [inputs.op_ids.length]),
});
const wantQ = read('op_dql_q.u8', Uint8Array);
let qMismatches = 0;
for (let i = 0; i < wantQ.length; i++) if (o.dql_q.data[i] !== wantQ[i]) qMismatches++;
const opResult = {
  dql_q_mismatches: `${qMismatches}/${wantQ.length}`,
  dql_scale_equal: o.dql_scale.data[0] === read('op_dql_scale.f32')[0],
  dql_zp_equal: o.dql_zp.data[0] === read('op_dql_zp.u8', Uint8Array)[0],
  matmul: compare(o.matmul.data, read('op_matmul.f32')),
  gather: compare(o.gather.data, read('op_gather.f32')),
};
expect(qMismatches === 0 && opResult.dql_scale_equal && opResult.dql_zp_equal, 'DynamicQuantizeLinear');
expect(opResult.matmul.max_abs_diff <= 1e-6 * opResult.matmul.max_abs_ref, 'MatMulInteger pattern');
expect(opResult.gather.max_abs_diff <= 1e-6 * opResult.gather.max_abs_ref, 'Gather + DequantizeLinear');

// 2 and 3. The model.
const session = await ort.InferenceSession.create(`${dir}/model_int8.onnx`, { executionProviders: ['wasm'] });
const empty = new ort.Tensor('float32', new Float32Array(0), [12, 12, 0, 64]);
const prompt = i64(inputs.prompt, [1, inputs.prompt.length]);
const pre = await session.run({ input_ids: prompt, past_k: empty, past_v: empty });
const next = i64([inputs.next_token], [1, 1]);
const step = await session.run({ input_ids: next, past_k: pre.present_k, past_v: pre.present_v });
const layer0 = (t) => t.data.subarray(0, t.data.length / 12);
const floor = {
  prefill: compare(read('int8_f64_prefill.f32'), read('int8_prefill.f32'), vocab),
  step: compare(read('int8_f64_step.f32'), read('int8_step.f32'), vocab),
};
const result = {
  ops: opResult,
  layer0_k: compare(layer0(pre.present_k), read('int8_layer0_k.f32')),
  layer0_v: compare(layer0(pre.present_v), read('int8_layer0_v.f32')),
  prefill_vs_emulation: compare(pre.logits.data, read('int8_prefill.f32'), vocab),
  step_vs_emulation: compare(step.logits.data, read('int8_step.f32'), vocab),
  rounding_floor: floor,
  prefill_vs_f32: compare(pre.logits.data, read('f32_prefill.f32'), vocab),
  step_vs_f32: compare(step.logits.data, read('f32_step.f32'), vocab),
  emulation_vs_f32: compare(read('int8_prefill.f32'), read('f32_prefill.f32'), vocab),
};
expect(result.layer0_k.max_abs_diff <= 1e-5 && result.layer0_v.max_abs_diff <= 1e-5, 'layer 0 keys/values');
expect(result.prefill_vs_emulation.max_abs_diff <= 2 * floor.prefill.max_abs_diff, 'prefill logits');
expect(result.step_vs_emulation.max_abs_diff <= 2 * Math.max(floor.step.max_abs_diff, 1e-3), 'step logits');
expect(result.prefill_vs_f32.max_abs_diff >= 0.05, 'int8 differs from f32');
result.failures = failures;
console.log(JSON.stringify(result));
process.exit(failures.length ? 1 : 0);
