#!/usr/bin/python3
"""A GPT-2-small-shaped model with random weights, for bench/gpt2-small/bench.mjs (not committed).

Writes OUT (default bench/out/gpt2-small/) in Hub layout (config.json, model.safetensors,
tokenizer.json) plus model.onnx: the same weights as a plain PyTorch GPT-2 with past
keys/values, exported for onnxruntime-web. Needs Debian's python3-torch only:

    /usr/bin/python3 bench/gpt2-small/make_model.py [OUT]
"""
import math
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import gen_gpt2  # noqa: E402  (its safetensors writer and config.json, reused)

L, C, H, P, V = 12, 768, 12, 1024, 50257
gen_gpt2.CONFIG.update(n_layer=L, n_embd=C, n_head=H, n_positions=P, vocab_size=V)
gen_gpt2.INIT.update(linear_std=0.02)


def make_weights(seed=1):
    g = torch.Generator().manual_seed(seed)
    normal = lambda *shape: torch.randn(*shape, generator=g) * 0.02  # noqa: E731
    w = {"transformer.wte.weight": normal(V, C), "transformer.wpe.weight": normal(P, C) * 0.5}
    for i in range(L):
        h = f"transformer.h.{i}"
        for ln in ("ln_1", "ln_2"):
            w[f"{h}.{ln}.weight"] = 1 + normal(C)
            w[f"{h}.{ln}.bias"] = normal(C)
        for name, n_in, n_out in (("attn.c_attn", C, 3 * C), ("attn.c_proj", C, C),
                                  ("mlp.c_fc", C, 4 * C), ("mlp.c_proj", 4 * C, C)):
            w[f"{h}.{name}.weight"] = normal(n_in, n_out)
            w[f"{h}.{name}.bias"] = normal(n_out)
    w["transformer.ln_f.weight"] = 1 + normal(C)
    w["transformer.ln_f.bias"] = normal(C)
    return w


class Gpt2WithPast(torch.nn.Module):
    """GPT-2 forward over T new tokens after P cached ones; past/present are [L, H, P, hd]."""

    def __init__(self, w):
        super().__init__()
        self.w = {k: torch.nn.Parameter(v, requires_grad=False) for k, v in w.items()}
        for i, (k, p) in enumerate(self.w.items()):
            self.register_parameter(f"p{i}", p)

    # The three weight uses that bench/gpt2-small/make_int8.py replaces with quantized ops.
    def embed(self, name, ids):
        return self.w[name][ids]

    def linear(self, x, name):
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def lm_head(self, x):
        return x @ self.w["transformer.wte.weight"].T

    def forward(self, input_ids, past_k, past_v):
        w, hd = self.w, C // H
        t, p = input_ids.shape[1], past_k.shape[2]
        pos = torch.arange(t) + p
        x = self.embed("transformer.wte.weight", input_ids[0]) + self.embed("transformer.wpe.weight", pos)
        keys = torch.arange(p + t)
        mask = keys[None, :] <= pos[:, None]  # [t, p+t]
        ln = lambda x, n: torch.nn.functional.layer_norm(x, (C,), w[n + ".weight"], w[n + ".bias"], 1e-5)  # noqa: E731
        presents_k, presents_v = [], []
        for i in range(L):
            h = f"transformer.h.{i}"
            a = ln(x, h + ".ln_1")
            qkv = self.linear(a, h + ".attn.c_attn")
            q, k, v = (m.reshape(t, H, hd).transpose(0, 1) for m in qkv.split(C, dim=1))
            k = torch.cat([past_k[i], k], dim=1)
            v = torch.cat([past_v[i], v], dim=1)
            presents_k.append(k)
            presents_v.append(v)
            s = (q @ k.transpose(1, 2)) / math.sqrt(hd)
            s = s.masked_fill(~mask, float("-inf"))
            att = (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(t, C)
            x = x + self.linear(att, h + ".attn.c_proj")
            m = gen_gpt2.gelu_new(self.linear(ln(x, h + ".ln_2"), h + ".mlp.c_fc"))
            x = x + self.linear(m, h + ".mlp.c_proj")
        logits = self.lm_head(ln(x, "transformer.ln_f"))
        return logits[None], torch.stack(presents_k), torch.stack(presents_v)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out", "gpt2-small")
    os.makedirs(out, exist_ok=True)
    w = make_weights()
    gen_gpt2.write_safetensors(os.path.join(out, "model.safetensors"), w)
    with open(os.path.join(out, "config.json"), "w") as f:
        f.write(gen_gpt2.config_json("float32", 1))
    shutil.copyfile(os.path.join(ROOT, "tests", "fixtures", "gpt2-tokenizer", "tokenizer.json"),
                    os.path.join(out, "tokenizer.json"))
    model = Gpt2WithPast(w).eval()
    hd = C // H
    example = (torch.ones(1, 2, dtype=torch.long), torch.zeros(L, H, 1, hd), torch.zeros(L, H, 1, hd))
    with torch.no_grad():
        torch.onnx.export(model, example, os.path.join(out, "model.onnx"),
                          input_names=["input_ids", "past_k", "past_v"],
                          output_names=["logits", "present_k", "present_v"],
                          dynamic_axes={"input_ids": {1: "t"}, "past_k": {2: "p"}, "past_v": {2: "p"},
                                        "logits": {1: "t"}, "present_k": {2: "pt"}, "present_v": {2: "pt"}},
                          opset_version=14, do_constant_folding=False)
    print("wrote", out, {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))})


if __name__ == "__main__":
    main()
