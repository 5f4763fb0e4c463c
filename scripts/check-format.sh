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

off=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || off+=("$f")
done

if ((${#off[@]})); then
  echo "check-format: ${#off[@]} of ${#files[@]} C++ files are not clang-formatted" \
    "($(clang-format --version | sed 's/.*version //')):" >&2
  printf '  %s\n' "${off[@]}" >&2
  echo "fix with: clang-format -i ${off[*]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} C++ files formatted"
