#!/usr/bin/python3
"""Random-weight Qwen3-0.6B and Gemma-3-270M shaped models for bench/qwen3-gemma3/bench.mjs (not
committed), in Hub layout (config.json with the real checkpoints' keys, model.safetensors in f32; ids
only: a tokenizer.json that names every id), plus model.onnx: the same weights as a plain PyTorch module with past keys and
values per layer (as optimum exports decoders), exported for onnxruntime-web.

- OUT/qwen3-0.6b/: Qwen3ForCausalLM, 28 layers, hidden 1024, 16 / 8 heads, head_dim 128, SwiGLU 3072,
  vocab 151936, tied (596M parameters, 2.4 GB f32: the ONNX export is past protobuf's 2 GB, so its
  weights are external data files beside model.onnx, listed in external-data.json);
- OUT/gemma3-270m/: Gemma3ForCausalLM, 18 layers, hidden 640, 4 / 1 heads, head_dim 256, GeGLU 2048,
  vocab 262144, tied, five sliding-window (512) layers then one global, RoPE bases 10000 / 1000000
  (268M parameters, 1.07 GB f32);
- OUT/gemma3-270m-global/: the same weights (a hard link) with every layer full_attention (qkv only).

The forwards below are written from transformers' modeling_qwen3.py and modeling_gemma3.py (eager
attention); tests/fixtures/gen_llama.py and gen_gemma3.py hold the references qkv's tests check.
Logits are computed for the last position only (what generation needs, and what qkv computes), so
ORT's prefill is not charged for a 128-row LM head.

    /usr/bin/python3 bench/qwen3-gemma3/make_models.py [OUT]     # default OUT: bench/out
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from fixture_lib import write_safetensors  # noqa: E402

QWEN3 = {
    "architectures": ["Qwen3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
    "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
    "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
    "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-6,
    "rope_scaling": None, "rope_theta": 1000000, "sliding_window": None, "tie_word_embeddings": True,
    "torch_dtype": "float32", "transformers_version": "4.51.0", "use_cache": True,
    "use_sliding_window": False, "vocab_size": 151936,
}
GEMMA3 = {
    "_sliding_window_pattern": 6, "architectures": ["Gemma3ForCausalLM"], "attention_bias": False,
    "attention_dropout": 0.0, "attn_logit_softcapping": None, "bos_token_id": 2, "eos_token_id": 1,
    "final_logit_softcapping": None, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
    "hidden_size": 640, "initializer_range": 0.02, "intermediate_size": 2048,
    "layer_types": (["sliding_attention"] * 5 + ["full_attention"]) * 3,
    "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
    "num_hidden_layers": 18, "num_key_value_heads": 1, "pad_token_id": 0, "query_pre_attn_scalar": 256,
    "rms_norm_eps": 1e-6, "rope_local_base_freq": 10000.0, "rope_scaling": None, "rope_theta": 1000000.0,
    "sliding_window": 512, "torch_dtype": "float32", "transformers_version": "4.55.0",
    "use_bidirectional_attention": False, "use_cache": True, "vocab_size": 262144,
}


def make_weights(cfg, seed, norm_one):
    """The checkpoint's state dict (tied: no lm_head.weight), nn.Linear weights [out, in], std 0.02.
    norm_one: what a norm gain sits around (1 for Qwen3's w, 0 for Gemma's 1 + w)."""
    g = torch.Generator().manual_seed(seed)
    normal = lambda *shape, std=0.02: torch.randn(*shape, generator=g) * std  # noqa: E731
    c, hd, f = cfg["hidden_size"], cfg["head_dim"], cfg["intermediate_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    w = {"model.embed_tokens.weight": normal(cfg["vocab_size"], c), "model.norm.weight": norm_one + normal(c)}
    norms = ["input_layernorm", "post_attention_layernorm"]
    if cfg["model_type"] == "gemma3_text":
        norms += ["pre_feedforward_layernorm", "post_feedforward_layernorm"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for n in norms:
            w[p + n + ".weight"] = norm_one + normal(c)
        for n in ("q_norm", "k_norm"):
            w[p + "self_attn." + n + ".weight"] = norm_one + normal(hd)
        for name, n_out, n_in in (("self_attn.q_proj", nh * hd, c), ("self_attn.k_proj", nkv * hd, c),
                                  ("self_attn.v_proj", nkv * hd, c), ("self_attn.o_proj", c, nh * hd),
                                  ("mlp.gate_proj", f, c), ("mlp.up_proj", f, c), ("mlp.down_proj", c, f)):
            w[p + name + ".weight"] = normal(n_out, n_in)
    return w


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class DecoderWithPast(torch.nn.Module):
    """Qwen3 or Gemma 3 over T new tokens after P cached ones. Inputs: input_ids [1, T], then per
    layer past_key_values.{i}.key / .value [KV heads, P, head_dim]; outputs: logits [1, vocab] of the
    last position, then present.{i}.key / .value [KV heads, P + T, head_dim]."""

    def __init__(self, cfg, w):
        super().__init__()
        self.cfg = cfg
        self.gemma = cfg["model_type"] == "gemma3_text"
        self.w = {}
        for k, v in w.items():
            p = torch.nn.Parameter(v, requires_grad=False)
            self.register_parameter(k.replace(".", "_"), p)
            self.w[k] = p

    def norm(self, x, weight):
        eps = self.cfg["rms_norm_eps"]
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
        return x * (1.0 + weight) if self.gemma else x * weight

    def forward(self, input_ids, *past):
        cfg, w = self.cfg, self.w
        nh, nkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        group = nh // nkv
        t, p = input_ids.shape[1], past[0].shape[1]
        emb = w["model.embed_tokens.weight"]
        x = emb[input_ids[0]]
        if self.gemma:  # Gemma3TextScaledWordEmbedding
            x = x * torch.tensor(cfg["hidden_size"] ** 0.5, dtype=torch.float32)
        pos = (torch.arange(t) + p).float()
        keys = torch.arange(p + t).float()
        causal = keys[None, :] <= pos[:, None]  # [t, p + t]
        scale = cfg["query_pre_attn_scalar"] ** -0.5 if self.gemma else hd ** -0.5
        presents = []
        for i in range(cfg["num_hidden_layers"]):
            pre = f"model.layers.{i}."
            sliding = self.gemma and cfg["layer_types"][i] == "sliding_attention"
            theta = cfg["rope_local_base_freq"] if sliding else cfg["rope_theta"]
            inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
            freqs = pos[:, None] * inv[None, :]
            emb_rope = torch.cat([freqs, freqs], dim=-1)
            cos, sin = emb_rope.cos(), emb_rope.sin()
            a = self.norm(x, w[pre + "input_layernorm.weight"])
            q = F.linear(a, w[pre + "self_attn.q_proj.weight"]).reshape(t, nh, hd).transpose(0, 1)
            k = F.linear(a, w[pre + "self_attn.k_proj.weight"]).reshape(t, nkv, hd).transpose(0, 1)
            v = F.linear(a, w[pre + "self_attn.v_proj.weight"]).reshape(t, nkv, hd).transpose(0, 1)
            q = self.norm(q, w[pre + "self_attn.q_norm.weight"])
            k = self.norm(k, w[pre + "self_attn.k_norm.weight"])
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = torch.cat([past[2 * i], k], dim=1)
            v = torch.cat([past[2 * i + 1], v], dim=1)
            presents += [k, v]
            mask = causal
            if sliding:  # masking_utils' sliding_window_overlay: kv_idx > q_idx - window
                mask = mask & (keys[None, :] > pos[:, None] - cfg["sliding_window"])
            # Grouped-query attention without repeating k / v: query heads [g*group, (g+1)*group)
            # read KV head g.
            qg = q.reshape(nkv, group * t, hd)
            s = (qg @ k.transpose(1, 2)).reshape(nkv, group, t, p + t) * scale
            s = s.masked_fill(~mask, float("-inf"))
            o = (torch.softmax(s, dim=-1).reshape(nkv, group * t, p + t) @ v).reshape(nh, t, hd)
            o = F.linear(o.transpose(0, 1).reshape(t, nh * hd), w[pre + "self_attn.o_proj.weight"])
            if self.gemma:
                x = x + self.norm(o, w[pre + "post_attention_layernorm.weight"])
                h = self.norm(x, w[pre + "pre_feedforward_layernorm.weight"])
                m = F.gelu(F.linear(h, w[pre + "mlp.gate_proj.weight"]), approximate="tanh")
            else:
                x = x + o
                h = self.norm(x, w[pre + "post_attention_layernorm.weight"])
                m = F.silu(F.linear(h, w[pre + "mlp.gate_proj.weight"]))
            m = F.linear(m * F.linear(h, w[pre + "mlp.up_proj.weight"]), w[pre + "mlp.down_proj.weight"])
            if self.gemma:
                m = self.norm(m, w[pre + "post_feedforward_layernorm.weight"])
            x = x + m
        last = self.norm(x[t - 1:], w["model.norm.weight"])
        return (F.linear(last, emb),) + tuple(presents)


def export(cfg, w, folder):
    model = DecoderWithPast(cfg, w).eval()
    n, nkv, hd = cfg["num_hidden_layers"], cfg["num_key_value_heads"], cfg["head_dim"]
    past_names, present_names, axes = [], [], {"input_ids": {1: "t"}}
    for i in range(n):
        for kv in ("key", "value"):
            past_names.append(f"past_key_values.{i}.{kv}")
            present_names.append(f"present.{i}.{kv}")
            axes[past_names[-1]] = {1: "p"}
            axes[present_names[-1]] = {1: "pt"}
    example = (torch.ones(1, 2, dtype=torch.long),) + tuple(torch.zeros(nkv, 1, hd) for _ in past_names)
    path = os.path.join(folder, "model.onnx")
    before = set(os.listdir(folder))
    with torch.no_grad():
        torch.onnx.export(model, example, path, input_names=["input_ids"] + past_names,
                          output_names=["logits"] + present_names, dynamic_axes=axes, opset_version=14,
                          do_constant_folding=False)
    # Past 2 GB, torch writes each initializer to its own file beside model.onnx; ORT-web is
    # given their names (InferenceSession options.externalData).
    external = sorted(set(os.listdir(folder)) - before - {"model.onnx"})
    with open(os.path.join(folder, "external-data.json"), "w") as f:
        json.dump(external, f)
    return model


def tokenizer(folder, vocab_size):
    """A tokenizer.json naming every id (the benches feed ids; the loader wants a tokenizer and
    generate() decodes what it generates): GPT-2's byte-level alphabet for ids 0-255, then `<tN>`,
    as a BPE vocabulary without merges."""
    chars = {}
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    for b in printable:
        chars[b] = chr(b)
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    vocab = {chars[b]: b for b in range(256)}
    vocab.update({f"<t{i}>": i for i in range(256, vocab_size)})
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump({"added_tokens": [], "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                                                          "use_regex": True},
                   "post_processor": None, "model": {"type": "BPE", "vocab": vocab, "merges": []}}, f)


def save(folder, cfg, w):
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    write_safetensors(os.path.join(folder, "model.safetensors"), w)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    export(cfg, w, folder)
    tokenizer(folder, cfg["vocab_size"])
    print("wrote", folder, sum(t.numel() for t in w.values()) / 1e6, "M parameters", flush=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out")
    which = sys.argv[2:] or ["gemma3", "qwen3"]
    torch.set_num_threads(2)
    if "gemma3" in which:
        folder = os.path.join(out, "gemma3-270m")
        save(folder, GEMMA3, make_weights(GEMMA3, 3, 0.0))
        glob = os.path.join(out, "gemma3-270m-global")
        os.makedirs(glob, exist_ok=True)
        dst = os.path.join(glob, "model.safetensors")
        if os.path.exists(dst):
            os.remove(dst)
        os.link(os.path.join(folder, "model.safetensors"), dst)
        with open(os.path.join(glob, "config.json"), "w") as f:
            json.dump({**GEMMA3, "layer_types": ["full_attention"] * GEMMA3["num_hidden_layers"]}, f, indent=2)
        tokenizer(glob, GEMMA3["vocab_size"])
    if "qwen3" in which:
        save(os.path.join(out, "qwen3-0.6b"), QWEN3, make_weights(QWEN3, 4, 1.0))


if __name__ == "__main__":
    main()
