#!/usr/bin/env bash
# Installs everything claimd needs to build and test on Debian 12: compilers and
# libraries from Debian's packages, and buf (the proto linter) from the npm registry.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libgtest-dev libgmock-dev libcli11-dev
  libssl-dev openssl clang-14 libclang-rt-14-dev
  # scripts/lint.sh
  clang-format-14 clang-tidy-14
  # claimctl top (ncurses) and its end-to-end tests (tmux)
  libncurses-dev tmux
  # metrics (prometheus-cpp) and the Kubernetes manifest check (python3-yaml)
  prometheus-cpp-dev libcivetweb-dev
  python3-yaml
  # the etcd store backend: etcd's v3 API protos (and their imports), and a real
  # etcd cluster for its tests and scripts/run-cluster.sh
  golang-etcd-server-dev golang-github-gogo-protobuf-dev
  golang-github-grpc-ecosystem-grpc-gateway-dev etcd-server etcd-client
  # the HTTP/2 flood tests (tests/security/) and the proxy they run against
  # (deploy/haproxy/)
  haproxy python3-h2
)
# Only the tests need these (CLAIMD_BUILD_ONLY=1, the container's build stage, skips
# them): the container image built and started (podman and what it runs with, a
# Debian base from mmdebstrap), the HAProxy front, promtool, etcd, and a Python gRPC
# client generated from the proto (tests/e2e/python_client_test.py).
TEST_PACKAGES=(
  podman buildah runc catatonit mmdebstrap uidmap slirp4netns fuse-overlayfs
  haproxy prometheus etcd-server etcd-client iproute2
  # grpc_tools.protoc imports pkg_resources, which the package does not depend on
  python3-grpcio python3-grpc-tools python3-pkg-resources
)
if [ "${CLAIMD_BUILD_ONLY:-0}" != 1 ]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# CLAIMD_SKIP_NPM=1 (the container build) skips npm and buf, which only tests use.
SKIP_NPM="${CLAIMD_SKIP_NPM:-0}"
if [ "$SKIP_NPM" != 1 ] && ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# clang-tidy-22 for scripts/lint.sh, from Debian 12's security suite: 4 times as fast as
# clang-tidy-14 (installed above), which lint uses where this one cannot be installed.
if [ "${CLAIMD_BUILD_ONLY:-0}" != 1 ] && ! command -v clang-tidy-22 >/dev/null 2>&1; then
  echo "install-deps: installing clang-tidy-22"
  tidy=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-tidy-22)
  if ! $SUDO "${tidy[@]}" && ! { $SUDO apt-get update -qq && $SUDO "${tidy[@]}"; }; then
    echo "install-deps: clang-tidy-22 is not available; lint uses clang-tidy-14 (slower)" >&2
  fi
fi

# buf, pinned in package-lock.json; installed under ./node_modules.
if [ "$SKIP_NPM" != 1 ] && [ ! -x node_modules/.bin/buf ]; then
  echo "install-deps: installing buf from the npm registry"
  npm ci --no-audit --no-fund --loglevel=error
fi
