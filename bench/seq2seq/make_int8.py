#!/usr/bin/python3
"""transformers.js's default int8 exports of bench/seq2seq's two models, for onnxruntime-web's side
of the q8 comparison (not committed):

  OUT/<name>/onnx/encoder_model_quantized.onnx, decoder_model_merged_quantized.onnx (and the two
  decoder halves the merge is made of), beside make_models.py's f32 files;
  OUT/<name>/reference_int8.json   what ort.mjs check (ORT_DTYPE=q8) and qkv.mjs check (q8) read.

Which files: transformers.js 4.3.1 runs on the wasm device by default in a browser
(src/utils/devices.js:21, DEFAULT_DEVICE = IS_NODE_ENV ? 'cpu' : 'wasm'), where its default dtype
is q8 (src/utils/dtypes.js:53-56, DEFAULT_DEVICE_DTYPE_MAPPING { wasm: q8 }; selectDtype falls back
to it at :111 / :117), whose file suffix is '_quantized' (dtypes.js:64; session.js:55-75 picks the
suffix, utils/model-loader.js:45 builds `${fileName}${suffix}.onnx`); an encoder-decoder
(MODEL_TYPES.Seq2Seq, models/session_config.js:31-35) loads the sessions encoder_model and
decoder_model_merged: so onnx/encoder_model_quantized.onnx and onnx/decoder_model_merged_quantized.onnx.

How they are quantized: as transformers.js's scripts/quantize.py does with onnxruntime's dynamic
quantizer (IntegerOps; QInt8 symmetric per-tensor weights, QUInt8 activations, per_channel and
reduce_range off, MatMulConstBOnly, EnableSubgraph), written without onnxruntime by
bench/gpt2-small/make_int8.py's ops, whose docstring says what each reproduces and from which
onnxruntime file. Here, through make_models.py's hooks (Weights.gather / linear / head):
- every Linear (T5: q, k, v, o, wi, wo; Marian: q/k/v/out_proj, fc1, fc2, with a float bias Add
  after) and the tied LM head: DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul (the MatMul's
  B is the weight transposed, as Optimum's export folds it; the head's is the shared table's
  transpose, its own initializer as in those exports);
- every Gather of a weight: the shared token table, T5's relative-position bias tables, Marian's
  sinusoid tables: uint8, zero point 127, then DequantizeLinear;
- attention's Q.K^T and P.V (no constant B), norms, softmax, final_logits_bias stay f32.
Per tensor, dynamic quantization of a batch of beams quantizes all beams' rows with one scale,
as onnxruntime's DynamicQuantizeLinear does (the emulation here does the same).

reference_int8.json and int8_*.f32 (raw little-endian float32) on make_models.py's 128-token source:
the emulation's encoder states (int8_encoder); its teacher-forced logits along PyTorch's f32 greedy
path (int8_logits: reference.json's tokens fed back: start, greedy[0..62]; int8_f32_logits: the f32
model's along the same path) and both in float64 (int8_*_f64: (the same integer ops, the float parts in float64: how far
rounding alone moves an int8 computation, the bound ort.mjs uses against the emulation, as
bench/gpt2-small/check_int8.mjs); and how far the int8 model is from the f32 one along that path
(top-1 agreement with the f32 greedy tokens, max |logit difference|): the scale qkv.mjs check's q8
bounds are set against.

    /usr/bin/python3 bench/seq2seq/make_int8.py [OUT] [t5-small] [opus-mt-en-de]   # after make_models.py
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "gpt2-small"))
import make_int8 as q8  # noqa: E402  (bench/gpt2-small: the quantized ops, quantizers, ONNX summary)
import make_models as s2s  # noqa: E402

SUFFIX = "_quantized"  # transformers.js's q8 file names
TABLE_KEYS = ("shared.weight", "relative_attention_bias", "embed_positions")  # read by Gather


class Int8Hooks(q8.QuantizedWeights):
    """make_models.Weights' three weight uses as onnxruntime's dynamic quantizer rewrites them."""

    def quantize_weights(self, cfg, w):
        tables = [k for k in w if any(t in k for t in TABLE_KEYS)]
        mats = [k for k, v in w.items() if v.dim() == 2 and k not in tables and k != "final_logits_bias"]
        head = next(k for k in tables if k.endswith("shared.weight"))
        rest = {k: v for k, v in w.items() if k not in tables and k not in mats}
        quantized = [(k[:-len(".weight")], q8.quantize_int8(w[k].T.contiguous())) for k in mats]
        quantized += [(k, q8.quantize_gather_table(w[k])) for k in tables]
        quantized.append(("head:" + head, q8.quantize_int8(w[head].T.contiguous())))
        return rest, quantized, mats, tables

    def gather(self, name, ids):
        return q8.QuantGather.apply(*self.quantized(name), ids)

    def linear(self, x, name):
        y = q8.DynQuantMatMul.apply(x, *self.quantized(name))
        bias = self.w.get(name + ".bias")
        return y if bias is None else y + bias

    def head(self, y, name):
        return q8.DynQuantMatMul.apply(y, *self.quantized("head:" + name))


class T5Int8(Int8Hooks, s2s.T5):
    def __init__(self, cfg, w):
        rest, quantized, mats, tables = self.quantize_weights(cfg, w)
        super().__init__(cfg, rest)
        self.register_quantized(quantized)
        self.mats, self.tables = mats, tables


class MarianInt8(Int8Hooks, s2s.Marian):
    def __init__(self, cfg, w):
        rest, quantized, mats, tables = self.quantize_weights(cfg, w)
        super().__init__(cfg, rest)
        self.register_quantized(quantized)
        self.mats, self.tables = mats, tables


def teacher_forced(model, src, start, tokens, dtype):
    """Encoder states and the logits of each step along `tokens` (fed back from start), in dtype."""
    model = model.to(dtype)
    ids = torch.tensor([src])
    mask = torch.ones_like(ids)
    enc = model.encode(ids, mask)
    past, rows = None, []
    for token in [start] + tokens[:-1]:
        logits, past = model.decode(torch.tensor([[token]]), mask, enc, past)
        rows.append(logits[0, -1])
    return enc[0].float(), torch.stack(rows).float()


def write_int8(name, out):
    folder = os.path.join(out, name)
    with open(os.path.join(folder, "reference.json")) as f:
        ref = json.load(f)
    if name == "t5-small":
        cfg = s2s.T5_SMALL
        w = s2s.gen_t5.make_weights(cfg, s2s.np.random.default_rng(19))  # make_models.py's seed
        model, f32 = T5Int8(cfg, w).eval(), s2s.T5(cfg, w).eval()
        n_layers = cfg["num_layers"]
    else:
        cfg = s2s.OPUS_MT
        w = s2s.marian_weights(cfg, s2s.np.random.default_rng(20))
        model, f32 = MarianInt8(cfg, w).eval(), s2s.Marian(cfg, w).eval()
        n_layers = cfg["decoder_layers"]
    with torch.no_grad():
        # The weights are make_models.py's: the f32 forward reproduces its reference.
        enc, logits = teacher_forced(f32, ref["source"], ref["decoder_start_token_id"], ref["greedy"], torch.float32)
        same = float((logits[0] - torch.tensor(ref["first_logits"])).abs().max())
        assert same < 1e-4, f"{name}: not make_models.py's weights ({same})"
        merged = s2s.export(model, folder, n_layers, SUFFIX)
        enc8, logits8 = teacher_forced(model, ref["source"], ref["decoder_start_token_id"], ref["greedy"], torch.float32)
        enc64, logits64 = teacher_forced(model, ref["source"], ref["decoder_start_token_id"], ref["greedy"], torch.float64)
    onnx_dir = os.path.join(folder, "onnx")
    ops, inits = q8.onnx_summary(os.path.join(onnx_dir, f"decoder_model{SUFFIX}.onnx"))
    # Every decoder Linear and the head quantized; attention's two MatMuls per attention stay f32.
    n_dec = sum(1 for k in model.mats if "decoder." in k) + 1
    assert ops.get("MatMulInteger") == n_dec and ops.get("DynamicQuantizeLinear") == n_dec, ops
    assert ops.get("MatMul") == 4 * n_layers, ops
    agree = int((logits8.argmax(-1) == torch.tensor(ref["greedy"])).sum())
    summary = {
        "name": name, "merge": merged,
        "decoder_ops": dict(sorted(ops.items())),
        "mb": {f: os.path.getsize(os.path.join(onnx_dir, f)) >> 20 for f in sorted(os.listdir(onnx_dir)) if SUFFIX in f},
        # the int8 emulation against its float64 twin (rounding alone) and against the f32 model
        "emulation_f32_vs_f64": {"encoder": float((enc8 - enc64).abs().max()), "logits": float((logits8 - logits64).abs().max())},
        "int8_vs_f32": {"encoder": float((enc8 - enc).abs().max()), "logits": float((logits8 - logits).abs().max()),
                        "max_abs_logit": float(logits.abs().max()), "top1_agree": agree, "steps": len(ref["greedy"])},
    }
    with open(os.path.join(folder, "reference_int8.json"), "w") as f:
        json.dump(summary, f)
    for file, t in (("encoder", enc8), ("encoder_f64", enc64), ("logits", logits8), ("logits_f64", logits64),
                    ("f32_logits", logits)):
        t.contiguous().numpy().tofile(os.path.join(folder, f"int8_{file}.f32"))
    print(json.dumps(summary), flush=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(s2s.ROOT, "bench", "out", "seq2seq")
    torch.set_num_threads(2)
    for name in sys.argv[2:] or list(s2s.MODELS):
        write_int8(name, out)


if __name__ == "__main__":
    main()
