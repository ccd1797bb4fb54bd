#!/usr/bin/env bash
# The sanitizer pass of the test suite: builds claimd, the tests and the libFuzzer
# targets with clang-14, AddressSanitizer and UndefinedBehaviorSanitizer (any report
# aborts) into ./build-asan, then runs the unit, integration and fuzz tests there
# (each fuzz target for CLAIMD_FUZZ_SECONDS, default 10). scripts/test.sh calls it;
# SANITIZER_BUILD_DIR overrides the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on paths relative to the checkout, so another clone of the same
# sources (CI's, a second worktree) reuses the objects this one compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
BUILD_DIR="${SANITIZER_BUILD_DIR:-build-asan}"
# The compiler is chosen at the first configure only; the fuzz time is set on
# every run, so that a later CLAIMD_FUZZ_SECONDS is not ignored.
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLAIMD_SANITIZE=ON -DCLAIMD_FUZZ=ON
fi
cmake -S . -B "$BUILD_DIR" -DCLAIMD_FUZZ_SECONDS="${CLAIMD_FUZZ_SECONDS:-10}" \
  >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
# gRPC, protobuf and Abseil come uninstrumented from Debian; their one-time
# allocations at exit are not ours to chase.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$BUILD_DIR" -L 'unit|integration|fuzz' --output-on-failure \
  -j "$(nproc)" --timeout 300
