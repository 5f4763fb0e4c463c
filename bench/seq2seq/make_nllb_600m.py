#!/usr/bin/python3
"""A random-weight model of facebook/nllb-200-distilled-600M's shape for bench/seq2seq/nllb_600m.mjs
(not committed: 2.46 GB): the sizes of that repository's config.json (d_model 1024, 12 + 12 layers,
16 heads, FFN 4096, vocabulary 256206, 1024 positions, scale_embedding) over the other keys of the
nllb-tiny fixture (tests/fixtures/gen_bart.py), f32 weights under the checkpoint's tensor names with
the tied embedding stored once (model.shared.weight), as the Hub's model.safetensors is. The issue that
asked for encoder-decoders (19) names this model as one the peers cannot run on the CPU in wasm (its
f32 encoder past onnxruntime-web's 4 GB limit); this checks qkv loads and translates it, and what memory it takes.

    /usr/bin/python3 bench/seq2seq/make_nllb_600m.py [OUT]    # OUT: bench/out/seq2seq/nllb-600m
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "tests", "fixtures", "nllb-tiny")
D, FFN, VOCAB, LAYERS = 1024, 4096, 256206, 12


def tensor_shapes():
    shapes = {"model.shared.weight": [VOCAB, D]}
    for part in ("encoder", "decoder"):
        shapes[f"model.{part}.layer_norm.weight"] = [D]
        shapes[f"model.{part}.layer_norm.bias"] = [D]
        for i in range(LAYERS):
            p = f"model.{part}.layers.{i}."
            for attn in ["self_attn"] + (["encoder_attn"] if part == "decoder" else []):
                for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                    shapes[f"{p}{attn}.{proj}.weight"] = [D, D]
                    shapes[f"{p}{attn}.{proj}.bias"] = [D]
                shapes[f"{p}{attn}_layer_norm.weight"] = [D]
                shapes[f"{p}{attn}_layer_norm.bias"] = [D]
            shapes[p + "fc1.weight"] = [FFN, D]
            shapes[p + "fc1.bias"] = [FFN]
            shapes[p + "fc2.weight"] = [D, FFN]
            shapes[p + "fc2.bias"] = [D]
            shapes[p + "final_layer_norm.weight"] = [D]
            shapes[p + "final_layer_norm.bias"] = [D]
    return shapes


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out", "seq2seq", "nllb-600m")
    os.makedirs(out, exist_ok=True)
    config = json.load(open(os.path.join(TINY, "config.json")))
    config.update(d_model=D, encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=FFN,
                  decoder_ffn_dim=FFN, encoder_layers=LAYERS, decoder_layers=LAYERS, num_hidden_layers=LAYERS,
                  vocab_size=VOCAB, max_position_embeddings=1024, max_length=200)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    shutil.copy(os.path.join(TINY, "generation_config.json"), out)
    # Written tensor by tensor, so that the script never holds more than the embedding.
    shapes = tensor_shapes()
    header, offset = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    rng = np.random.default_rng(0)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for name, shape in shapes.items():
            if name.endswith("layer_norm.weight"):
                a = np.ones(shape, np.float32)
            elif name.endswith("bias"):
                a = np.zeros(shape, np.float32)
            else:
                a = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
            f.write(a.tobytes())
    print(f"{out}: {offset / 1e9:.2f} GB of f32 weights")


if __name__ == "__main__":
    main()
