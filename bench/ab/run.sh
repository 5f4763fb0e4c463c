#!/usr/bin/env bash
# Two builds of qkv side by side: each configuration runs in its own process
# for tree A then tree B (the order flips every round), ROUNDS times, and the
# medians and B/A ratios are printed as a markdown table. A tree is a
# checkout with dist/ built (e.g. `git worktree add /tmp/old <commit>` and
# `npm run build` there); both use the same models.
#   bash bench/ab/run.sh OLD_TREE NEW_TREE [ROUNDS=3] [THREADS=1]
# Models: bench/gpt2-small/make_model.py and bench/llama-bert/make_models.py
# (bench/out/gpt2-small, bench/out/llama-100m, bench/out/bert-6x384).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
rounds=${3:-3}
threads=${4:-1}
out=$here/bench/out/ab.jsonl
mkdir -p "$here/bench/out"
: >"$out"
configs=(
  "gpt2-small/bench.mjs qkv $threads f32 $here/bench/out/gpt2-small"
  "gpt2-small/bench.mjs qkv $threads q8 $here/bench/out/gpt2-small"
  "llama-bert/bench.mjs llama $threads f32 $here/bench/out/llama-100m"
  "llama-bert/bench.mjs llama $threads q8 $here/bench/out/llama-100m"
  "llama-bert/bench.mjs bert $threads f32 $here/bench/out/bert-6x384"
)
for ((round = 1; round <= rounds; round++)); do
  order=("A:$a" "B:$b")
  ((round % 2 == 0)) && order=("B:$b" "A:$a")
  for config in "${configs[@]}"; do
    set -- $config
    for side in "${order[@]}"; do
      echo "ab: round $round, ${side%%:*}, $config" >&2
      line=$(node "${side#*:}/bench/$1" "${@:2}" | grep '^{')
      echo "{\"side\":\"${side%%:*}\",\"round\":$round,\"config\":\"${1%%/*} $2 $4\",${line:1}" >>"$out"
    done
  done
done
node "$here/bench/ab/summarize.mjs" "$out"
