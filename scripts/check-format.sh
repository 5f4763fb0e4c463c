#!/usr/bin/env bash
# Fails when a C++ file is not formatted as the repository's .clang-format says.
# Checks every *.cc / *.h under src/, wasm-build/, tests/cpp/, tests/fuzz/ and
# bench/cpp/ and prints the files that are off; `clang-format -i <file>` fixes
# one. Run by scripts/test.sh first, so a format slip fails `npm test` in
# seconds instead of after the builds.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format is not installed (scripts/setup.sh installs Debian's clang-format)" >&2
  exit 1
fi

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- 'src/*.cc' 'src/*.h' 'wasm-build/*.cc' 'wasm-build/*.h' \
  'tests/cpp/*.cc' 'tests/cpp/*.h' 'tests/fuzz/*.cc' 'tests/fuzz/*.h' 'bench/cpp/*.cc' 'bench/cpp/*.h')
if ((${#files[@]} == 0)); then
  echo "check-format: no C++ files found" >&2
  exit 1
fi

# Batches of files on every core: one clang-format process per file took a
# minute of CI. The files that are off are the ones its diagnostics name.
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P "$(nproc)" clang-format --dry-run --Werror 2>"$report" >/dev/null || status=$?
mapfile -t off < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: .*/\1/p' "$report" | sort -u)
if ((status != 0 && ${#off[@]} == 0)); then
  echo "check-format: clang-format failed without naming a file:" >&2
  cat "$report" >&2
  exit 1
fi

if ((${#off[@]})); then
  echo "check-format: ${#off[@]} of ${#files[@]} C++ files are not clang-formatted" \
    "($(clang-format --version | sed 's/.*version //')):" >&2
  printf '  %s\n' "${off[@]}" >&2
  echo "fix with: clang-format -i ${off[*]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} C++ files formatted"
