#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS (default 5) on its seed corpus
# (tests/fuzz/corpus/<target>, read-only) plus a scratch corpus: for runs of
# a minute or more BUILD_DIR/corpus/<target>, which keeps what every long run
# found; for shorter ones a fresh BUILD_DIR/corpus-short/<target>, so that
# the short run in scripts/test.sh takes the same time whatever ran before.
# Extra arguments go
# to libFuzzer (e.g. -jobs=2 -workers=2). Exits non-zero on the first crash;
# the reproducer is written to BUILD_DIR/crashes/.
#   tests/fuzz/run.sh build/fuzz 5         # the short run in scripts/test.sh
#   tests/fuzz/run.sh build/fuzz 3600      # the long run (README.md)
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SECONDS] [libFuzzer args...]}
seconds=${2:-5}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/crashes"
for target in json safetensors_header gguf_header config checkpoint; do
  if ((seconds >= 60)); then
    scratch="$build/corpus/$target"
  else
    scratch="$build/corpus-short/$target"
    rm -rf "$scratch"
  fi
  mkdir -p "$scratch"
  log="$build/fuzz_$target.log"
  dict=$here/$target.dict
  [ "$target" = checkpoint ] && dict=$here/safetensors_header.dict
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" -dict="$dict" "$@" \
      "$scratch" "$here/corpus/$target" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz_$target: FAILED (log: $log, reproducer in $build/crashes/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "fuzz_$target: ${runs:-?} executions in ${seconds}s (${speed:-?}/s), $cov"
done
