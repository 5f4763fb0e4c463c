#!/usr/bin/python3
"""Two sequence classifiers with random weights, for bench/encoder-tasks/bench.mjs (not committed).

  - distilbert-sst2: DistilBertForSequenceClassification shaped as
    distilbert-base-uncased-finetuned-sst-2-english (6 layers, 768 wide, 12 heads, FFN 3072,
    vocabulary 30522, labels NEGATIVE / POSITIVE);
  - minilm-l6: BertForSequenceClassification shaped as cross-encoder/ms-marco-MiniLM-L6-v2
    (6 layers, 384 wide, 12 heads, FFN 1536, vocabulary 30522, one logit).

Each goes to OUT/<name>/ (default bench/out/encoder-tasks/) in the layout both engines read:
config.json, tokenizer.json (tests/fixtures/bert-tokenizer: BERT-uncased's full vocabulary),
tokenizer_config.json and model.safetensors for qkv; onnx/model.onnx (fp32) and
onnx/model_quantized.onnx (transformers.js's "q8": onnxruntime's dynamic int8 quantization, written
as bench/gpt2-small/make_int8.py explains, without the onnx / onnxruntime packages) for
transformers.js. Both ONNX graphs take padded batches (input_ids, attention_mask and, for BERT,
token_type_ids, as Optimum's exports do) and return logits [batch, labels].

The forward is modeling_distilbert.py's / modeling_bert.py's in eval mode (post-norm layers, exact
GELU, LayerNorm eps 1e-12, the heads of tests/fixtures/gen_classifiers.py: DistilBERT's
pre_classifier -> ReLU -> classifier, BERT's tanh pooler -> classifier), batched with the additive
attention mask; the tensor names come from gen_classifiers.py. Needs Debian's python3-torch only:

    /usr/bin/python3 bench/encoder-tasks/make_models.py [OUT]
"""
import json
import math
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "gpt2-small"))
import make_int8 as q8  # noqa: E402  (quantized ops, ONNX export and summary; puts tests/fixtures on the path)
import gen_classifiers as gc  # noqa: E402  (tensor names and config.json of the classifier fixtures)
from fixture_lib import write_safetensors  # noqa: E402

ROOT = q8.mm.ROOT
VOCAB, POSITIONS = 30522, 512
MODELS = {
    "distilbert-sst2": dict(kind="distilbert", layers=6, dim=768, heads=12, ff=3072, labels=["NEGATIVE", "POSITIVE"]),
    "minilm-l6": dict(kind="bert", layers=6, dim=384, heads=12, ff=1536, labels=["LABEL_0"]),
}
# Per family: the prefix of the body, then each role's tensor name (layer names after "{prefix}{i}.").
NAMES = {
    "distilbert": dict(
        layer="distilbert.transformer.layer.", word="distilbert.embeddings.word_embeddings.weight",
        position="distilbert.embeddings.position_embeddings.weight", types=None,
        emb_norm="distilbert.embeddings.LayerNorm", q="attention.q_lin", k="attention.k_lin",
        v="attention.v_lin", o="attention.out_lin", norm1="sa_layer_norm", ff1="ffn.lin1", ff2="ffn.lin2",
        norm2="output_layer_norm", pool="pre_classifier", pool_act=torch.relu),
    "bert": dict(
        layer="bert.encoder.layer.", word="bert.embeddings.word_embeddings.weight",
        position="bert.embeddings.position_embeddings.weight",
        types="bert.embeddings.token_type_embeddings.weight", emb_norm="bert.embeddings.LayerNorm",
        q="attention.self.query", k="attention.self.key", v="attention.self.value",
        o="attention.output.dense", norm1="attention.output.LayerNorm", ff1="intermediate.dense",
        ff2="output.dense", norm2="output.LayerNorm", pool="bert.pooler.dense", pool_act=torch.tanh),
}


def shapes(spec):
    """{name: shape} of the checkpoint, from gen_classifiers' name lists at this model's size."""
    gc.VOCAB, gc.DIM, gc.LAYERS, gc.HEADS, gc.FF = VOCAB, spec["dim"], spec["layers"], spec["heads"], spec["ff"]
    gc.DISTIL_CONFIG.update(vocab_size=VOCAB, dim=gc.DIM, n_layers=gc.LAYERS, n_heads=gc.HEADS,
                            hidden_dim=gc.FF, max_position_embeddings=POSITIONS)
    n = len(spec["labels"])
    if spec["kind"] == "distilbert":
        return gc.distilbert_names(n)
    head = {}
    gc.linear_names(head, "bert.pooler.dense", gc.DIM, gc.DIM)
    gc.linear_names(head, "classifier", n, gc.DIM)
    return gc.bert_names("bert.", gc.bert_config(2, POSITIONS, gc.PAD, 1e-12), head)


def make_weights(names, seed):
    """A trained model's scales: N(0, 0.05) matrices and embeddings, norm gains near 1, and a
    classifier wide enough that the labels are not coin flips (so a wrong computation shows)."""
    g = torch.Generator().manual_seed(seed)
    w = {}
    for name, shape in names.items():
        t = torch.randn(*shape, generator=g)
        if "norm" in name.lower() and name.endswith(".weight"):
            t = 1 + 0.1 * t
        else:
            t = t * (0.02 if name.endswith(".bias") else 0.1 if name.startswith("classifier") else 0.05)
        w[name] = t
    return w


class Classifier(torch.nn.Module):
    """The classifier's forward on a padded batch: input_ids, attention_mask [, token_type_ids] -> logits."""

    def __init__(self, w, spec):
        super().__init__()
        self.spec, self.n = spec, NAMES[spec["kind"]]
        self.w = {k: torch.nn.Parameter(v, requires_grad=False) for k, v in w.items()}
        for i, p in enumerate(self.w.values()):
            self.register_parameter(f"p{i}", p)

    # The two weight uses Int8Classifier replaces with quantized ops.
    def embed(self, name, ids):
        return self.w[name][ids]

    def linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def norm(self, x, name):
        return torch.nn.functional.layer_norm(x, (self.spec["dim"],), self.w[name + ".weight"],
                                              self.w[name + ".bias"], 1e-12)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        n, s = self.n, self.spec
        b, t = input_ids.shape
        h, hd = s["heads"], s["dim"] // s["heads"]
        x = self.embed(n["word"], input_ids) + self.embed(n["position"], torch.arange(t))[None]
        if n["types"]:
            x = x + self.embed(n["types"], token_type_ids)
        x = self.norm(x, n["emb_norm"])
        # The additive mask of modeling_bert / modeling_distilbert: padded keys get a large negative.
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for i in range(s["layers"]):
            p = f"{n['layer']}{i}."
            q, k, v = (self.linear(x, p + n[r]).view(b, t, h, hd).transpose(1, 2) for r in ("q", "k", "v"))
            probs = torch.softmax((q @ k.transpose(2, 3)) / math.sqrt(hd) + bias, dim=-1)
            ctx = (probs @ v).transpose(1, 2).reshape(b, t, s["dim"])
            x = self.norm(self.linear(ctx, p + n["o"]) + x, p + n["norm1"])
            ff = self.linear(torch.nn.functional.gelu(self.linear(x, p + n["ff1"])), p + n["ff2"])
            x = self.norm(ff + x, p + n["norm2"])
        pooled = n["pool_act"](self.linear(x[:, 0], n["pool"]))
        return self.linear(pooled, "classifier")


class Int8Classifier(q8.QuantizedWeights, Classifier):
    """Classifier with every MatMul against a weight int8 (DynamicQuantizeLinear -> MatMulInteger) and
    every embedding table uint8 (Gather -> DequantizeLinear), as onnxruntime's dynamic quantizer writes
    transformers.js's model_quantized.onnx (bench/gpt2-small/make_int8.py)."""

    def __init__(self, w, spec):
        mats = [k[:-len(".weight")] for k, v in w.items() if v.dim() == 2 and "embeddings" not in k]
        tables = [k for k in w if "embeddings" in k and w[k].dim() == 2]
        quantized = set(tables) | {m + ".weight" for m in mats}
        super().__init__({k: v for k, v in w.items() if k not in quantized}, spec)
        # The MatMul's B is the Linear's weight transposed, as in the Optimum export.
        self.register_quantized([(m, q8.quantize_int8(w[m + ".weight"].T.contiguous())) for m in mats] +
                                [(k, q8.quantize_gather_table(w[k])) for k in tables])
        self.mats, self.tables = len(mats), len(tables)

    def embed(self, name, ids):
        return q8.QuantGather.apply(*self.quantized(name), ids)

    def linear(self, x, name):
        return q8.DynQuantMatMul.apply(x, *self.quantized(name)) + self.w[name + ".bias"]


def config_json(spec):
    labels = spec["labels"]
    if spec["kind"] == "distilbert":
        return gc.config_json("DistilBertForSequenceClassification", "distilbert",
                              dict(gc.DISTIL_CONFIG, attention_dropout=0.1, dropout=0.1, finetuning_task="sst-2",
                                   initializer_range=0.02, pad_token_id=gc.PAD, qa_dropout=0.1,
                                   seq_classif_dropout=0.2), labels)
    return gc.config_json("BertForSequenceClassification", "bert",
                          dict(gc.bert_config(2, POSITIONS, gc.PAD, 1e-12), attention_probs_dropout_prob=0.1,
                               classifier_dropout=None, hidden_dropout_prob=0.1, initializer_range=0.02,
                               position_embedding_type="absolute"), labels)


def tokenizer_config(spec):
    """What transformers.js reads beside tokenizer.json (the Hub models' own tokenizer_config.json fields)."""
    return {"tokenizer_class": "DistilBertTokenizer" if spec["kind"] == "distilbert" else "BertTokenizer",
            "do_lower_case": True, "model_max_length": POSITIONS, "cls_token": "[CLS]", "sep_token": "[SEP]",
            "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]", "clean_up_tokenization_spaces": True}


def export(model, spec, path):
    b, t = 2, 5
    args = (torch.ones(b, t, dtype=torch.long) * 1000, torch.ones(b, t, dtype=torch.long))
    inputs = ["input_ids", "attention_mask"]
    if spec["kind"] == "bert":
        args += (torch.zeros(b, t, dtype=torch.long),)
        inputs.append("token_type_ids")
    axes = {name: {0: "batch_size", 1: "sequence_length"} for name in inputs}
    axes["logits"] = {0: "batch_size"}
    q8.export(model, args, path, inputs, ["logits"], axes)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out", "encoder-tasks")
    for seed, (name, spec) in enumerate(MODELS.items(), start=1):
        folder = os.path.join(out, name)
        os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
        w = make_weights(shapes(spec), seed)
        write_safetensors(os.path.join(folder, "model.safetensors"), w)
        with open(os.path.join(folder, "config.json"), "w") as f:
            f.write(config_json(spec))
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump(tokenizer_config(spec), f, indent=2)
        shutil.copyfile(os.path.join(ROOT, "tests", "fixtures", "bert-tokenizer", "tokenizer.json"),
                        os.path.join(folder, "tokenizer.json"))
        export(Classifier(w, spec).eval(), spec, os.path.join(folder, "onnx", "model.onnx"))
        int8 = Int8Classifier(w, spec).eval()
        path = os.path.join(folder, "onnx", "model_quantized.onnx")
        export(int8, spec, path)
        ops, inits = q8.onnx_summary(path)
        # Every Linear quantized, attention's two activation MatMuls left in float, every table uint8.
        assert ops.get("MatMulInteger") == int8.mats and ops.get("MatMul") == 2 * spec["layers"], ops
        assert ops.get("DequantizeLinear") == int8.tables, ops
        print(name, json.dumps({f: os.path.getsize(os.path.join(folder, f)) for f in
                                ("model.safetensors", "onnx/model.onnx", "onnx/model_quantized.onnx")}),
              json.dumps(dict(sorted(ops.items()))))


if __name__ == "__main__":
    main()
