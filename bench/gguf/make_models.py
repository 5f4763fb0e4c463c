"""GGUF files of the two benchmark decoders for bench/gguf (not committed; generated into bench/out/gguf/):

  llama-125m-{q8_0,q4_0,q4_k_m}.gguf   from bench/out/llama-100m  (LLaMA, 12 x 768, 125M parameters)
  qwen3-0.6b-{q8_0,q4_0,q4_k_m}.gguf   from bench/out/qwen3-0.6b  (Qwen3-0.6B's shape, tied embeddings)

Random weights, real shapes; written as llama.cpp's convert_hf_to_gguf.py and llama-quantize lay them
out (the tensor names, LLaMA's q/k permutation and the metadata of tests/fixtures/gguf/make_gguf_models.py),
so that the three runtimes read the very same bytes. Which tensor gets which type follows llama-quantize:
- Q8_0: every matrix Q8_0 (what `convert_hf_to_gguf.py --outtype q8_0` writes);
- Q4_0: matrices Q4_0, the LM head (for Qwen3 the tied embedding) Q6_K;
- Q4_K_M: matrices Q4_K; LM head / tied embedding Q6_K; attn_v and ffn_down Q6_K in the layers
  llama-quantize's use_more_bits() picks (the first and last eighth and every third in between).
1-D tensors stay F32. Q8_0 and Q4_0 blocks come from gguf-py's quantizers (numpy ports of ggml's
reference code); the K-quants from ggml's own C quantizers (ggml_quantize_chunk) in the libggml-base.so
that node-llama-cpp ships prebuilt, since llama-quantize is not at hand. The tokenizer block is the
fixtures' minimal SentencePiece vocabulary of the model's size: the benchmark feeds token ids.

    PYTHONPATH=<llama.cpp>/gguf-py GGML_BASE_LIB=<node-llama-cpp>/.../bins/linux-x64/libggml-base.so \\
      /usr/bin/python3 bench/gguf/make_models.py [SRC] [OUT]     # defaults: bench/out, bench/out/gguf
    (QUANTS="q8_0 q4_0" limits the types; without GGML_BASE_LIB only Q8_0 is written, the others skipped
    with a message.)
"""
import ctypes
import json
import os
import sys

import numpy as np
import gguf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures", "gguf"))
from make_gguf_models import (  # noqa: E402
    add_llama_keys, add_tokenizer, converted_tensors, finish, safetensors_layout)

Q = gguf.GGMLQuantizationType
MODELS = (("llama-100m", "llama", "llama-125m"), ("qwen3-0.6b", "qwen3", "qwen3-0.6b"))
FILE_TYPES = {"q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0,
              "q4_k_m": gguf.LlamaFileType.MOSTLY_Q4_K_M}


def open_safetensors(path):
    """name -> float32 array memory-mapped from the file (Qwen3-0.6B is 2.4 GB in f32)."""
    offset, layout = safetensors_layout(path)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=offset)
    return {name: data[a:b].view(np.float32).reshape(shape) for name, (shape, a, b) in layout.items()}


def use_more_bits(i, n):  # llama-quant.cpp
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def tensor_type(name, ftype, n_layer, has_output):
    """llama-quantize's choice (llama_tensor_get_type) for the three file types built here."""
    if ftype == "q8_0":
        return Q.Q8_0
    head = name == "output.weight" or (not has_output and name == "token_embd.weight")
    if head:
        return Q.Q6_K
    if ftype == "q4_0":
        return Q.Q4_0
    if name.endswith(("attn_v.weight", "ffn_down.weight")) and use_more_bits(int(name.split(".")[1]), n_layer):
        return Q.Q6_K
    return Q.Q4_K


class GgmlQuantizer:
    """ggml_quantize_chunk from libggml-base.so: ggml's reference quantizers, bit for bit."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        f = self.lib.ggml_quantize_chunk
        f.restype = ctypes.c_size_t
        f.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                      ctypes.c_int64, ctypes.c_void_p]
        self.lib.ggml_quantize_init.argtypes = [ctypes.c_int]

    def __call__(self, t, qtype):
        block, nbytes = gguf.GGML_QUANT_SIZES[qtype]
        rows, n = t.shape
        assert n % block == 0, (t.shape, qtype)
        src = np.ascontiguousarray(t, dtype=np.float32)
        dst = np.empty((rows, n // block * nbytes), dtype=np.uint8)
        self.lib.ggml_quantize_init(int(qtype))
        written = self.lib.ggml_quantize_chunk(int(qtype), src.ctypes.data, dst.ctypes.data, 0, rows, n, None)
        assert written == dst.size, (written, dst.size)
        return dst


def write(src, arch, out_path, ftype, quantize_k):
    config = json.load(open(os.path.join(src, "config.json")))
    tensors = open_safetensors(os.path.join(src, "model.safetensors"))
    n_head, n_kv = config["num_attention_heads"], config["num_key_value_heads"]
    n_layer = config["num_hidden_layers"]
    vocab = config["vocab_size"]
    has_output = "lm_head.weight" in tensors
    w = gguf.GGUFWriter(out_path, arch)
    w.add_name(os.path.basename(out_path)[:-5])
    add_llama_keys(w, arch, config, min(config["max_position_embeddings"], 4096), vocab)
    w.add_file_type(FILE_TYPES[ftype])
    add_tokenizer(w, vocab)
    for gname, t in converted_tensors(arch, tensors, n_head, n_kv):
        if t.ndim == 1:
            w.add_tensor(gname, np.array(t, dtype=np.float32))
            continue
        qtype = tensor_type(gname, ftype, n_layer, has_output)
        if qtype in (Q.Q8_0, Q.Q4_0):
            q = gguf.quants.quantize(np.ascontiguousarray(t), qtype)
        else:
            q = quantize_k(t, qtype)
        w.add_tensor(gname, q, raw_shape=q.shape, raw_dtype=qtype)
    finish(w, out_path)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "bench", "out", "gguf")
    quants = os.environ.get("QUANTS", "q8_0 q4_0 q4_k_m").split()
    lib = os.environ.get("GGML_BASE_LIB")
    quantize_k = GgmlQuantizer(lib) if lib else None
    os.makedirs(out, exist_ok=True)
    for folder, arch, name in MODELS:
        for ftype in quants:
            if quantize_k is None and ftype != "q8_0":
                print("skipping %s %s: its Q6_K/Q4_K tensors need GGML_BASE_LIB (ggml's libggml-base.so)" % (name, ftype))
                continue
            write(os.path.join(src, folder), arch, os.path.join(out, "%s-%s.gguf" % (name, ftype)), ftype, quantize_k)


if __name__ == "__main__":
    main()
