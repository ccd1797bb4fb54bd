#!/usr/bin/env bash
# Sets up and runs claimd on its embedded store: installs what is missing, builds, starts
# claimd on 127.0.0.1:50051 with data in ./claimd-data, and loads the sample claims
# (deploy/sample/claims.jsonl; loading again changes nothing). Ctrl-C stops it cleanly.
# Extra arguments go to claimd, e.g. ./scripts/run.sh --listen=127.0.0.1:6000
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
BUILD_DIR="${BUILD_DIR:-build}"

ADDR=127.0.0.1:50051
for arg in "$@"; do
  case "$arg" in --listen=*) ADDR="${arg#--listen=}" ;; esac
done

"$BUILD_DIR/service/claimd" "$@" &
CLAIMD=$!
trap 'kill -TERM "$CLAIMD" 2>/dev/null || true' INT TERM

# Wait until it serves, then load the samples.
for _ in $(seq 1 100); do
  if "$BUILD_DIR/client/claimctl" --server "$ADDR" list --limit 1 >/dev/null 2>&1; then break; fi
  if ! kill -0 "$CLAIMD" 2>/dev/null; then wait "$CLAIMD"; exit $?; fi
  sleep 0.1
done
"$BUILD_DIR/client/claimctl" --server "$ADDR" import deploy/sample/claims.jsonl
cat <<MSG

claimd is running on $ADDR with the sample claims. In another terminal:
  $BUILD_DIR/client/claimctl list
  $BUILD_DIR/client/claimctl watch
Ctrl-C here stops claimd.
MSG
wait "$CLAIMD" || true
wait "$CLAIMD" 2>/dev/null || true
