#!/usr/bin/env bash
# The README's first command, run as a user runs it: scripts/run.sh starts claimd,
# loads the sample claims and says how to reach it; claimctl lists them; Ctrl-C (SIGINT)
# stops claimd cleanly. Usage: run_script_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- run.sh output:" >&2; cat "$work/out" "$work/err" >&2 || true; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
addr=127.0.0.1:$port
# Extra arguments go to claimd (README): a free port, a private data dir, no metrics port.
# The test command built the binaries; a test must not rebuild what other
# tests are running.
CLAIMD_SKIP_BUILD=1 BUILD_DIR=$build "$src/scripts/run.sh" "--listen=$addr" "--data_dir=$work/data" \
  --metrics_listen= >"$work/out" 2>"$work/err" &
pid=$!

expected=$(grep -c . "$src/deploy/sample/claims.jsonl")
for _ in $(seq 1 600); do
  grep -q "claimd is running on $addr" "$work/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "run.sh exited before serving"
  sleep 0.1
done
grep -q "claimd is running on $addr" "$work/out" || fail "run.sh did not report serving within 60 s"

listed=$("$build/client/claimctl" --server "$addr" list -o json | grep -c '"name"')
[ "$listed" -eq "$expected" ] || fail "claimctl list showed $listed claims, the sample has $expected"

# Ctrl-C in the terminal reaches claimd (run.sh exec's it).
kill -INT "$pid"
for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "claimd still running 15 s after SIGINT"
wait "$pid" && code=0 || code=$?
[ "$code" -eq 0 ] || fail "claimd exited with $code after SIGINT"
echo "run.sh served $expected sample claims on $addr and stopped cleanly on SIGINT"
