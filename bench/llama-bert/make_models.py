#!/usr/bin/python3
"""Random-weight models for bench/llama-bert/bench.mjs (not committed), in Hub layout:

- OUT/llama-100m/: LlamaForCausalLM, 12 layers, 768 wide, 12 heads / 4 KV heads, SwiGLU 2048,
  vocab 32000 with a separate lm_head (125M parameters, 500 MB f32), the real LLaMA tokenizer;
- OUT/bert-6x384/: BertModel, 6 layers, 384 wide, 12 heads, intermediate 1536, vocab 30522
  (all-MiniLM-L6-v2's shape, 90 MB f32), the real BERT uncased tokenizer.

    /usr/bin/python3 bench/llama-bert/make_models.py [OUT]     # default OUT: bench/out
"""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
sys.path.insert(0, FIXTURES)
from fixture_lib import write_safetensors  # noqa: E402


def normal(g, *shape, std=0.02):
    return torch.randn(*shape, generator=g) * std


def llama(out):
    L, C, H, KV, F, V = 12, 768, 12, 4, 2048, 32000
    hd = C // H
    g = torch.Generator().manual_seed(1)
    w = {"model.embed_tokens.weight": normal(g, V, C), "lm_head.weight": normal(g, V, C),
         "model.norm.weight": 1 + normal(g, C)}
    for i in range(L):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + normal(g, C)
        w[p + "post_attention_layernorm.weight"] = 1 + normal(g, C)
        for name, n_out, n_in in (("self_attn.q_proj", H * hd, C), ("self_attn.k_proj", KV * hd, C),
                                  ("self_attn.v_proj", KV * hd, C), ("self_attn.o_proj", C, H * hd),
                                  ("mlp.gate_proj", F, C), ("mlp.up_proj", F, C), ("mlp.down_proj", C, F)):
            w[p + name + ".weight"] = normal(g, n_out, n_in)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": C,
              "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": H,
              "num_key_value_heads": KV, "max_position_embeddings": 2048, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "vocab_size": V, "tie_word_embeddings": False, "hidden_act": "silu",
              "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
    save(out, w, config, "llama-tokenizer")


def bert(out):
    L, C, H, F, V, P = 6, 384, 12, 1536, 30522, 512
    g = torch.Generator().manual_seed(2)
    w = {"embeddings.word_embeddings.weight": normal(g, V, C),
         "embeddings.position_embeddings.weight": normal(g, P, C),
         "embeddings.token_type_embeddings.weight": normal(g, 2, C),
         "embeddings.LayerNorm.weight": 1 + normal(g, C), "embeddings.LayerNorm.bias": normal(g, C)}
    for i in range(L):
        p = f"encoder.layer.{i}."
        for name, n_out, n_in in (("attention.self.query", C, C), ("attention.self.key", C, C),
                                  ("attention.self.value", C, C), ("attention.output.dense", C, C),
                                  ("intermediate.dense", F, C), ("output.dense", C, F)):
            w[p + name + ".weight"] = normal(g, n_out, n_in)
            w[p + name + ".bias"] = normal(g, n_out)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + norm + ".weight"] = 1 + normal(g, C)
            w[p + norm + ".bias"] = normal(g, C)
    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": C, "intermediate_size": F,
              "num_hidden_layers": L, "num_attention_heads": H, "max_position_embeddings": P,
              "type_vocab_size": 2, "vocab_size": V, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
              "pad_token_id": 0, "torch_dtype": "float32"}
    save(out, w, config, "bert-tokenizer")


def save(folder, weights, config, tokenizer):
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    shutil.copy(os.path.join(FIXTURES, tokenizer, "tokenizer.json"), os.path.join(folder, "tokenizer.json"))
    print("wrote", folder, sum(t.numel() for t in weights.values()) / 1e6, "M parameters")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out")
    llama(os.path.join(out, "llama-100m"))
    bert(os.path.join(out, "bert-6x384"))
