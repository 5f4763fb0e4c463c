#!/usr/bin/python3
"""The peer of qkv's q8 GPT-2-small: transformers.js's default int8 model, made here without onnx/onnxruntime.

transformers.js ships `model_quantized.onnx` (its "q8" dtype, the default on the wasm device, i.e.
what onnxruntime-web runs in the browser when no dtype is given; in Node its default is fp32 on
onnxruntime-node), made by its scripts/quantize.py from an Optimum ONNX export. That script runs
onnxruntime's
ONNXQuantizer (onnxruntime 1.20.1, pinned in its scripts/requirements.txt) with:
  mode IntegerOps, static=False (dynamic), weight type QInt8 (the model has no Conv), activation
  type QUInt8, per_channel and reduce_range off, op types = IntegerOpsRegistry (MatMul, and Gather
  from the common registry), extra options MatMulConstBOnly=True, EnableSubgraph=True.
Neither the onnx nor the onnxruntime Python package can be installed here, so this script writes the
graph that quantizer produces directly, through torch.onnx.export (TorchScript, opset 14, as
make_model.py): each quantized op is a torch.autograd.Function whose forward computes what the ONNX
ops compute (the emulation the check compares onnxruntime-web against) and whose symbolic emits them.

What each choice reproduces, and from which onnxruntime file (onnxruntime/python/tools/quantization/):
- Which MatMuls: operators/matmul.py (MatMulInteger.should_quantize) skips a MatMul whose B is not
  an initializer when MatMulConstBOnly is set, so attention's Q.K^T and P.V stay f32; every Linear
  (c_attn, c_proj, c_fc, mlp c_proj: Optimum's Gemm, turned into MatMul + Add by
  onnx_model.replace_gemm_with_matmul in dynamic mode) and the LM head are quantized. The LM head
  is a MatMul against its own pre-transposed [768, 50257] initializer, as the Optimum export has
  it (the TorchScript exporter constant-folds the tied embedding's Transpose), so it is quantized
  separately from the embedding table.
- The MatMul pattern: operators/matmul.py (MatMulInteger.do_quantization):
  DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q, x_zp, W_zp) -> Cast(to float) ->
  Mul(by Mul(x_scale, W_scale)); the bias Add stays a float Add after it. DynamicQuantizeLinear
  comes from onnx_quantizer.py (_get_quantize_input_nodes: fuse_dynamic_quant for opset >= 11 and a
  uint8 activation type).
- The weights: base_quantizer.py (quantize_initializer_impl) with is_weight_symmetric True for
  QInt8, reduce_range False; quant_utils.py (quantize_data, compute_scale_zp,
  get_qmin_qmax_for_qType, quantize_nparray): per tensor, rmin = min(w, 0), rmax = max(w, 0),
  symmetric -> [-absmax, absmax] onto [-127, 127], scale = float32(float64(2 absmax) / 254),
  zero point 0, q = clip(round_half_even(float32(w) / scale) + 0, -128, 127) as int8.
- The embedding tables (wte, wpe): operators/gather.py (GatherQuant) quantizes a Gather's
  initializer data with quantize_activation, i.e. the activation type uint8, through the same
  quantize_initializer_impl, whose symmetric flag in 1.20 is is_weight_symmetric (True): range
  [0, 254], scale = float32(float64(2 absmax) / 254), zero point 127 (later onnxruntime versions
  use the activation's asymmetric [0, 255] here). The Gather then reads the uint8 table and a
  DequantizeLinear ((q - 127) * scale, float32) feeds the float Add.
- DynamicQuantizeLinear at run time, as the ONNX spec and onnxruntime's kernel (GetQuantizationParameter
  in core/util/qmath.h, MlasQuantizeLinear) compute it: per tensor, lo = min(min(x), 0),
  hi = max(max(x), 0), scale = (hi - lo) / 255 in float32 (onnxruntime: 1 when hi == lo),
  zp = round_half_even(clamp(0 - lo / scale, 0, 255)), q = clamp(round_half_even(x / scale) + zp, 0, 255).
- MatMulInteger: exact int32 sums of (x_q - x_zp) * (W_q - W_zp) (int64 would not change them:
  |sum| < 3072 * 255 * 128 < 2^31); Cast rounds int32 to float32; then one float32 Mul by
  x_scale * W_scale (that product first, as the quantizer's separate Mul node computes it).
onnxruntime-web fuses the pattern at session start (MatMulIntegerToFloatFusion, then
DynamicQuantizeMatMulFusion, as for transformers.js's file); the fused kernel computes the same
arithmetic (scale product, int32 GEMM, float scale, then bias), bit-equal in check_int8.mjs.
Not reproduced, as irrelevant to speed: transformers.js's decoder_model_merged wraps the with-past
and without-past graphs in an If node (quantized alike through EnableSubgraph); this file is the
with-past graph alone, like model.onnx, run with an empty past for the prefill. The exporter
merges the equal zero-point initializers the quantizer writes once per weight.

    /usr/bin/python3 bench/gpt2-small/make_int8.py [OUT] [CHECK_DIR]

writes OUT/model_int8.onnx (OUT default bench/out/gpt2-small/, the weights of make_model.py) and,
for bench/gpt2-small/check_int8.mjs, CHECK_DIR (default bench/out/gpt2-int8-check/): a graph of each
quantized op alone with PyTorch's outputs, and the emulation's (float32 and float64 float parts) and
the f32 model's logits on bench.mjs's 128-token prompt and one decode step after it.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_model as mm  # noqa: E402  (weights, shapes, the f32 forward the int8 model shares)

FLOAT = 1  # onnx TensorProto.FLOAT
LINEARS = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")
TABLES = ("transformer.wte.weight", "transformer.wpe.weight")
PROMPT = [(i * 7919 + 13) % 50000 for i in range(128)]  # bench.mjs's prompt
NEXT_TOKEN = 464  # the decode step's input, fixed so both engines see the same one
OP_IDS = [0, 1, 50256, 1234, 7]  # rows of the token table the op-level check gathers


def symmetric_scale(w, qrange):
    """quant_utils.compute_scale_zp, symmetric: float64 (rmax - rmin) / qrange, stored as float32."""
    rmin = torch.clamp(w.min(), max=0.0)
    rmax = torch.clamp(w.max(), min=0.0)
    absmax = torch.maximum(rmin.abs(), rmax.abs())
    return torch.tensor((2 * absmax).double().item() / qrange, dtype=torch.float32)


def quantize_int8(w):
    """A MatMul weight: int8, symmetric over [-127, 127], zero point 0."""
    scale = symmetric_scale(w, 254.0)
    q = torch.clamp(torch.round(w / scale), -128, 127).to(torch.int8)
    return q, scale, torch.tensor(0, dtype=torch.int8)


def quantize_gather_table(w):
    """A Gather's table: uint8 with the symmetric range [0, 254] and zero point 127."""
    scale = symmetric_scale(w, 254.0)
    q = torch.clamp(torch.round(w / scale) + 127, 0, 255).to(torch.uint8)
    return q, scale, torch.tensor(127, dtype=torch.uint8)


def dynamic_quantize_linear(x):
    lo = torch.clamp(x.min(), max=0.0)
    hi = torch.clamp(x.max(), min=0.0)
    scale = torch.where(hi > lo, (hi - lo) / 255.0, torch.ones_like(hi))
    zp = torch.round(torch.clamp(0.0 - lo / scale, 0.0, 255.0))
    q = torch.clamp(torch.round(x / scale) + zp, 0.0, 255.0)
    return q, scale, zp


class DynQuantMatMul(torch.autograd.Function):
    """x @ W with W int8 per tensor and x quantized to uint8 at run time (operators/matmul.py)."""

    @staticmethod
    def forward(ctx, x, w_q, w_scale, w_zp):
        x_q, x_scale, x_zp = dynamic_quantize_linear(x)
        # Integer sums below 2^31 are exact in float64, so this is MatMulInteger's int32 result.
        acc = (x_q.double() - x_zp.double()) @ (w_q.double() - w_zp.double())
        return acc.to(x.dtype) * (x_scale * w_scale)

    @staticmethod
    def symbolic(g, x, w_q, w_scale, w_zp):
        x_q, x_scale, x_zp = g.op("DynamicQuantizeLinear", x, outputs=3)
        acc = g.op("MatMulInteger", x_q, w_q, x_zp, w_zp)
        return g.op("Mul", g.op("Cast", acc, to_i=FLOAT), g.op("Mul", x_scale, w_scale))


class QuantGather(torch.autograd.Function):
    """table[ids] from a uint8 table, then DequantizeLinear (operators/gather.py)."""

    @staticmethod
    def forward(ctx, table_q, scale, zp, ids):
        return (table_q[ids].to(torch.int32) - zp.to(torch.int32)).to(scale.dtype) * scale

    @staticmethod
    def symbolic(g, table_q, scale, zp, ids):
        return g.op("DequantizeLinear", g.op("Gather", table_q, ids, axis_i=0), scale, zp)


class DynQuantLinear(torch.autograd.Function):
    """DynamicQuantizeLinear alone, for the op-level check."""

    @staticmethod
    def forward(ctx, x):
        q, scale, zp = dynamic_quantize_linear(x)
        return q.to(torch.uint8), scale, zp.to(torch.uint8)

    @staticmethod
    def symbolic(g, x):
        return g.op("DynamicQuantizeLinear", x, outputs=3)


class OpCheck(torch.nn.Module):
    """Each quantized op alone, on layer 0's c_fc weight and the token embedding table."""

    def __init__(self, w):
        super().__init__()
        for prefix, tensors in (("fc", quantize_int8(w["transformer.h.0.mlp.c_fc.weight"])),
                                ("wte", quantize_gather_table(w["transformer.wte.weight"]))):
            for part, t in zip(("q", "scale", "zp"), tensors):
                self.register_buffer(f"{prefix}_{part}", t)

    def forward(self, x, ids):
        q, scale, zp = DynQuantLinear.apply(x)
        y = DynQuantMatMul.apply(x, self.fc_q, self.fc_scale, self.fc_zp)
        return q, scale, zp, y, QuantGather.apply(self.wte_q, self.wte_scale, self.wte_zp, ids)


class QuantizedWeights:
    """A torch.nn.Module mixin holding quantized weights as (q, scale, zero point) buffers by name
    (shared with bench/encoder-tasks/make_models.py)."""

    def register_quantized(self, quantized):
        """quantized: [(name, (q, scale, zp))], e.g. from quantize_int8 or quantize_gather_table."""
        self.index = {}
        for i, (name, tensors) in enumerate(quantized):
            for part, t in zip(("q", "scale", "zp"), tensors):
                self.register_buffer(f"q{i}_{part}", t)
            self.index[name] = i

    def quantized(self, name):
        """(q, scale, zero point) of a weight, read from the buffers (so .double() reaches the scales)."""
        i = self.index[name]
        return tuple(getattr(self, f"q{i}_{part}") for part in ("q", "scale", "zp"))


class Gpt2Int8(QuantizedWeights, mm.Gpt2WithPast):
    """make_model.Gpt2WithPast with its MatMuls against weights and its Gathers quantized."""

    def __init__(self, w):
        mats = {f"transformer.h.{i}.{n}.weight" for i in range(mm.L) for n in LINEARS}
        super().__init__({k: v for k, v in w.items() if k not in mats and k not in TABLES})
        quantized = [(k, quantize_int8(w[k])) for k in sorted(mats)]
        quantized.append(("lm_head", quantize_int8(w["transformer.wte.weight"].T.contiguous())))
        quantized += [(k, quantize_gather_table(w[k])) for k in TABLES]
        self.register_quantized(quantized)

    def embed(self, name, ids):
        return QuantGather.apply(*self.quantized(name), ids)

    def linear(self, x, name):
        return DynQuantMatMul.apply(x, *self.quantized(name + ".weight")) + self.w[name + ".bias"]

    def lm_head(self, x):
        return DynQuantMatMul.apply(x, *self.quantized("lm_head"))


def onnx_summary(path):
    """Op counts and initializer element types of an ONNX file, read from the protobuf wire format
    (ModelProto.graph = 7; GraphProto.node = 1, .initializer = 5; NodeProto.op_type = 4;
    TensorProto.data_type = 2, .name = 8), since the onnx package is not available."""
    def fields(buf, start, end):
        i = start
        while i < end:
            key, i = varint(buf, i)
            num, wire = key >> 3, key & 7
            if wire == 0:
                val, i = varint(buf, i)
                yield num, val
            elif wire == 2:
                n, i = varint(buf, i)
                yield num, (i, i + n)
                i += n
            elif wire == 5:
                yield num, buf[i:i + 4]
                i += 4
            elif wire == 1:
                yield num, buf[i:i + 8]
                i += 8
            else:
                raise ValueError(f"wire type {wire} at {i}")

    def varint(buf, i):
        shift = val = 0
        while True:
            b = buf[i]
            i += 1
            val |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return val, i

    with open(path, "rb") as f:
        buf = f.read()
    graph = next(v for k, v in fields(buf, 0, len(buf)) if k == 7)
    ops, inits = {}, {}
    for k, (s, e) in ((k, v) for k, v in fields(buf, *graph) if k in (1, 5)):
        if k == 1:
            op = next(bytes(buf[a:b]).decode() for n, (a, b) in
                      ((n, v) for n, v in fields(buf, s, e) if n == 4))
            ops[op] = ops.get(op, 0) + 1
        else:
            dtype = next((v for n, v in fields(buf, s, e) if n == 2), 0)
            inits[dtype] = inits.get(dtype, 0) + 1
    return ops, inits


def export(model, args, path, inputs, outputs, dynamic_axes=None):
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic_axes, opset_version=14, do_constant_folding=False)


def write_references(check, w, model):
    """What check_int8.mjs compares onnxruntime-web with, as raw little-endian arrays in CHECK_DIR."""
    def save(name, t):
        t.detach().contiguous().numpy().tofile(os.path.join(check, name))

    # 1. Each op alone: its ONNX graph and PyTorch's outputs on a fixed input.
    x = torch.randn(128, mm.C, generator=torch.Generator().manual_seed(2)) * 1.5 + 0.3
    ids = torch.tensor(OP_IDS)
    ops = OpCheck(w).eval()
    names = ["dql_q", "dql_scale", "dql_zp", "matmul", "gather"]
    export(ops, (x, ids), os.path.join(check, "ops.onnx"), ["x", "ids"], names)
    save("op_x.f32", x)
    with torch.no_grad():
        for name, t in zip(names, ops(x, ids)):
            save(f"op_{name}.{'u8' if t.dtype == torch.uint8 else 'f32'}", t)

    # 2. The model on the prompt, then one decode step after it: the emulation (its layer 0 keys and
    # values too, which no requantization of a diverged activation can reach yet), the f32 model,
    # and the emulation with its float parts in float64 (the same integers, other rounding: how far
    # rounding alone moves the logits once dynamic quantization amplifies it).
    hd = mm.C // mm.H
    ids = torch.tensor([PROMPT])
    f32 = mm.Gpt2WithPast(w).eval()
    with torch.no_grad():
        for name, m, dtype in (("int8", model, torch.float32), ("f32", f32, torch.float32),
                               ("int8_f64", model, torch.float64)):
            m = m.to(dtype)  # last: the float64 run converts the int8 model's float parameters
            empty = torch.zeros(mm.L, mm.H, 0, hd, dtype=dtype)
            logits, pk, pv = m(ids, empty, empty)
            step, _, _ = m(torch.tensor([[NEXT_TOKEN]]), pk, pv)
            save(f"{name}_prefill.f32", logits.float())
            save(f"{name}_step.f32", step.float())
            if name == "int8":
                save("int8_layer0_k.f32", pk[0])
                save("int8_layer0_v.f32", pv[0])
    with open(os.path.join(check, "inputs.json"), "w") as f:
        json.dump({"prompt": PROMPT, "next_token": NEXT_TOKEN, "vocab": mm.V, "op_ids": OP_IDS,
                   "op_x_dims": list(x.shape)}, f)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(mm.ROOT, "bench", "out", "gpt2-small")
    check = sys.argv[2] if len(sys.argv) > 2 else os.path.join(mm.ROOT, "bench", "out", "gpt2-int8-check")
    os.makedirs(check, exist_ok=True)
    w = mm.make_weights()
    model = Gpt2Int8(w).eval()
    hd = mm.C // mm.H
    path = os.path.join(out, "model_int8.onnx")
    example = (torch.ones(1, 2, dtype=torch.long), torch.zeros(mm.L, mm.H, 1, hd), torch.zeros(mm.L, mm.H, 1, hd))
    export(model, example, path, ["input_ids", "past_k", "past_v"], ["logits", "present_k", "present_v"],
           {"input_ids": {1: "t"}, "past_k": {2: "p"}, "past_v": {2: "p"},  # as make_model.py
            "logits": {1: "t"}, "present_k": {2: "pt"}, "present_v": {2: "pt"}})
    ops, inits = onnx_summary(path)
    f32_size = os.path.getsize(os.path.join(out, "model.onnx"))
    summary = {"bytes": os.path.getsize(path), "vs_f32": round(f32_size / os.path.getsize(path), 2),
               "ops": dict(sorted(ops.items())),
               "initializers_by_type": {{1: "float", 2: "uint8", 3: "int8", 7: "int64"}.get(k, k): v
                                        for k, v in sorted(inits.items())}}
    print(json.dumps(summary))
    n_mat = mm.L * len(LINEARS) + 1
    assert ops.get("MatMulInteger") == n_mat and ops.get("DynamicQuantizeLinear") == n_mat, ops
    assert ops.get("DequantizeLinear") == 2 and ops.get("MatMul") == 2 * mm.L, ops  # attention stays f32
    # The weights plus one zero point each of int8 and uint8: the exporter merges equal initializers.
    assert inits.get(3) == n_mat + 1 and inits.get(2) == len(TABLES) + 1, inits

    write_references(check, w, model)
    print("wrote", path, "and", check)


if __name__ == "__main__":
    main()
