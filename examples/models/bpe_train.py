"""Byte-level BPE, GPT-2 style, trained from scratch and saved as a Hugging Face tokenizer.json.

What "GPT-2 style" means here, and why each piece is there:
  - Text is UTF-8 bytes, each byte shown as one printable character by bytes_to_unicode() (OpenAI's
    encoder.py), so every string is representable and no <unk> token is needed.
  - Text is first cut into words by GPT-2's regex (contractions, letter runs, digit runs, punctuation
    runs, whitespace), each with at most one leading space; merges never cross a word boundary, which
    keeps tokens word-like and lets encoding cache whole words.
  - Merges are learned greedily: the most frequent adjacent pair (counted over words weighted by their
    frequency) becomes a new token, ties broken by the smaller pair so training is deterministic.
  - Encoding applies merges by rank (lowest rank first, leftmost on ties), exactly as Hugging Face's
    BPE model and qkv's web/src/tokenizers/bpe.ts do.
  - One added special token, <|endoftext|>, separates documents (BOS and EOS at once, as in GPT-2).

Needs Debian's python3-regex (for \\p{L} / \\p{N}), and python3-torch through tests/fixtures/fixture_lib.py.
"""

import collections
import heapq
import json
import os
import sys

import regex

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures"))
# GPT-2's pre-tokenizer pattern (ByteLevel with use_regex=true in tokenizers) and byte alphabet.
from fixture_lib import GPT2_PATTERN, bytes_to_unicode  # noqa: E402

GPT2_SPLIT = regex.compile(GPT2_PATTERN)
EOT = "<|endoftext|>"
BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def pretokenize(text):
    """GPT-2 words of `text`, each as its bytes in the printable alphabet."""
    return ["".join(BYTE_TO_CHAR[b] for b in w.encode("utf-8")) for w in GPT2_SPLIT.findall(text)]


def count_words(texts):
    counts = collections.Counter()
    for t in texts:
        counts.update(pretokenize(t))
    return counts


def train_merges(word_counts, n_merges, log=None):
    """Learn up to `n_merges` merges from {word: count}. Pair counts are updated incrementally (only
    the words that contain the merged pair are touched) and the best pair is kept in a lazy max-heap,
    so training on ~10 MB of text takes a minute rather than hours."""
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())
    pair_count = collections.Counter()
    where = collections.defaultdict(set)  # pair -> indices of the words that contain it
    for i, (w, f) in enumerate(zip(words, freqs)):
        for p in zip(w, w[1:]):
            pair_count[p] += f
            where[p].add(i)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)

    merges = []
    while len(merges) < n_merges and heap:
        neg, best = heapq.heappop(heap)
        if pair_count.get(best, 0) != -neg or -neg <= 0:
            continue  # a stale heap entry: the pair's count changed since it was pushed
        merges.append(best)
        merged = best[0] + best[1]
        touched = set()
        for i in list(where[best]):
            w, f = words[i], freqs[i]
            for p in zip(w, w[1:]):          # take the word's old pairs out ...
                pair_count[p] -= f
                touched.add(p)
            out, j = [], 0
            while j < len(w):                # ... merge left to right ...
                if j + 1 < len(w) and w[j] == best[0] and w[j + 1] == best[1]:
                    out.append(merged)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for p in zip(w, w[1:]):
                where[p].discard(i)
            for p in zip(out, out[1:]):      # ... and put its new pairs in
                pair_count[p] += f
                where[p].add(i)
                touched.add(p)
        for p in touched:
            if pair_count[p] > 0:
                heapq.heappush(heap, (-pair_count[p], p))
            else:
                pair_count.pop(p, None)
        if log and len(merges) % 1000 == 0:
            log(f"bpe: {len(merges)} merges, last {best!r} x{-neg}")
    return merges


class ByteLevelBPE:
    """A trained tokenizer: ids 0..255 are the bytes (in bytes_to_unicode order), then one id per merge
    in rank order, then <|endoftext|>."""

    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.vocab = {}
        for c in BYTE_TO_CHAR.values():
            self.vocab[c] = len(self.vocab)
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        self.eot_id = len(self.vocab)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.id_to_token[self.eot_id] = EOT
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.cache = {}

    @property
    def vocab_size(self):
        return self.eot_id + 1

    def encode_word(self, word):
        """Merge the lowest-ranked adjacent pair, all its occurrences left to right, until none is
        left (OpenAI's encoder.py bpe())."""
        ids = self.cache.get(word)
        if ids is not None:
            return ids
        parts = list(word)
        while len(parts) > 1:
            pairs = set(zip(parts, parts[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, j = [], 0
            while j < len(parts):
                if j + 1 < len(parts) and parts[j] == best[0] and parts[j + 1] == best[1]:
                    out.append(parts[j] + parts[j + 1])
                    j += 2
                else:
                    out.append(parts[j])
                    j += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        if len(word) < 256:
            self.cache[word] = ids
        return ids

    def encode(self, text):
        """Ids of `text`; a literal "<|endoftext|>" becomes the special token, as an added token does in
        Hugging Face tokenizers. No special token is added around the text (GPT-2's ByteLevel
        post-processor adds none)."""
        ids = []
        for k, piece in enumerate(text.split(EOT)):
            if k:
                ids.append(self.eot_id)
            for w in pretokenize(piece):
                ids.extend(self.encode_word(w))
        return ids

    def decode(self, ids):
        data = b"".join(EOT.encode() if i == self.eot_id else
                        bytes(CHAR_TO_BYTE[c] for c in self.id_to_token[i]) for i in ids)
        return data.decode("utf-8", errors="replace")

    def to_json(self):
        """tokenizer.json as Hugging Face tokenizers writes a GPT-2 tokenizer."""
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                      "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.eot_id, "content": EOT, "single_word": False,
                              "lstrip": False, "rstrip": False, "normalized": False,
                              "special": True}],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": dict(byte_level, trim_offsets=False),
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": {**self.vocab, EOT: self.eot_id},
                      "merges": [f"{a} {b}" for a, b in self.merges]},
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            model = json.load(f)["model"]
        return cls([tuple(m.split(" ")) for m in model["merges"]])
