#!/usr/bin/env bash
# Format and lint: fails on any clang-format difference (every tracked C++ file) and
# on any clang-tidy finding (the checks in .clang-tidy, over every .cc file of service/,
# client/ and tests/ in the build in ./build, which must be configured:
# compile_commands.json). scripts/test.sh runs it after the build. A file whose source,
# headers and .clang-tidy did not change since its last clean run is not linted again:
# like ccache, stamps keyed by content live under ~/.cache/claimd-lint
# (CLAIMD_LINT_CACHE), so another clone on the machine reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format-14}"
# clang-tidy-22 (Debian 12's security suite) skips system headers when it matches,
# which makes it 4 times as fast as clang-tidy-14, the fallback (.clang-tidy).
if [ -z "${CLANG_TIDY:-}" ]; then
  CLANG_TIDY=clang-tidy-14
  if command -v clang-tidy-22 >/dev/null 2>&1; then CLANG_TIDY=clang-tidy-22; fi
fi

echo "lint: clang-format"
mapfile -t sources < <(git ls-files -- '*.h' '*.cc')
if ! "$CLANG_FORMAT" --dry-run -Werror "${sources[@]}"; then
  echo "lint: clang-format would change the files above; run: $CLANG_FORMAT -i FILE" >&2
  exit 1
fi

echo "lint: clang-tidy"
if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "lint: $BUILD_DIR/compile_commands.json is missing: run ./scripts/build.sh first" >&2
  exit 1
fi
stamps="${CLAIMD_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claimd-lint}"
mkdir -p "$stamps"
# Every header of ours can reach any file: a change to one re-lints everything.
common=$( { "$CLANG_TIDY" --version; git ls-files -z -- '*.clang-tidy' '*.h' | xargs -0 cat; } |
  sha256sum | cut -c1-16)
mapfile -t units < <(python3 - "$BUILD_DIR/compile_commands.json" "$PWD" <<'PY'
import json, os, sys
root = sys.argv[2]
seen = set()
for entry in json.load(open(sys.argv[1])):
    path = os.path.relpath(entry["file"], root)
    # Our code (the product and its tests); generated code lives under build/
    # and is left out, and a file compiled into two targets is linted once.
    if path.startswith(("service/", "client/", "tests/")) and path not in seen:
        seen.add(path)
        print(path)
PY
)
todo=()
for unit in "${units[@]}"; do
  key=$( { echo "$common"; cat "$unit"; } | sha256sum | cut -c1-32)
  [ -f "$stamps/$key" ] || todo+=("$unit")
done
echo "lint: $CLANG_TIDY on ${#todo[@]} of ${#units[@]} files"
if [ "${#todo[@]}" -gt 0 ]; then
  export CLANG_TIDY BUILD_DIR stamps common
  printf '%s\0' "${todo[@]}" | xargs -0 -n 1 -P "$(nproc)" bash -c '
    unit=$1
    if out=$("$CLANG_TIDY" --quiet -p "$BUILD_DIR" --warnings-as-errors="*" "$unit" 2>&1); then
      key=$( { echo "$common"; cat "$unit"; } | sha256sum | cut -c1-32)
      touch "$stamps/$key"
    else
      printf "%s\n" "$out" | grep -v "warnings generated" >&2
      exit 1
    fi' _ || { echo "lint: clang-tidy found the problems above" >&2; exit 1; }
fi
echo "lint: clean"
