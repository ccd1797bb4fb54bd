#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: installs what is missing, builds,
# lints (scripts/lint.sh), and runs every test (unit, integration, e2e, reliability, fuzz
# corpus replay, bench smoke, deploy: every deploy file's command line run, and the
# container image built and started with podman, its base cached under the build
# directory) through CTest, then the sanitizer pass (scripts/test-sanitizers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
# clang-format and clang-tidy over the whole tree: any finding fails the run.
./scripts/lint.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 300
# The same unit and integration tests again under ASan + UBSan, and a bounded
# libFuzzer run of every fuzz target (scripts/test-sanitizers.sh).
./scripts/test-sanitizers.sh
