#!/usr/bin/env bash
# Sets up and runs claimd on its embedded store: installs what is missing, builds, starts
# claimd on 127.0.0.1:50051 with data in ./claimd-data, and loads the sample claims
# (deploy/sample/claims.jsonl; loading again changes nothing). Ctrl-C stops it cleanly.
# Extra arguments go to claimd, e.g. ./scripts/run.sh --listen=127.0.0.1:6000
set -euo pipefail
cd "$(dirname "$0")/.."
# CLAIMD_SKIP_BUILD=1 skips installing and building (the binaries must exist).
if [ "${CLAIMD_SKIP_BUILD:-0}" != 1 ]; then
  ./scripts/install-deps.sh
  # Only what it runs: the test command builds the rest.
  ./scripts/build.sh claimd claimctl
fi
BUILD_DIR="${BUILD_DIR:-build}"

ADDR=127.0.0.1:50051
for arg in "$@"; do
  case "$arg" in --listen=*) ADDR="${arg#--listen=}" ;; esac
done

# Load the samples from the background once claimd serves; claimd itself replaces this
# shell (exec), so Ctrl-C and SIGTERM reach it once and it shuts down cleanly.
(
  for _ in $(seq 1 100); do
    if "$BUILD_DIR/client/claimctl" --server "$ADDR" list --limit 1 >/dev/null 2>&1; then
      "$BUILD_DIR/client/claimctl" --server "$ADDR" import deploy/sample/claims.jsonl
      cat <<MSG

claimd is running on $ADDR with the sample claims. In another terminal:
  $BUILD_DIR/client/claimctl --server $ADDR list
  $BUILD_DIR/client/claimctl --server $ADDR watch
Prometheus metrics: http://127.0.0.1:9464/metrics (see --metrics_listen).
Ctrl-C here stops claimd.
MSG
      exit 0
    fi
    sleep 0.1
  done
  echo "run.sh: claimd did not start serving on $ADDR within 10 s; sample claims not loaded" >&2
) &

exec "$BUILD_DIR/service/claimd" "$@"
