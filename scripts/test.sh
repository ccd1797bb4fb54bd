#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: installs what is missing, builds,
# and runs every test (unit, integration, e2e) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 300
