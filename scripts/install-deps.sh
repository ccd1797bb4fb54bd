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
  # claimctl top (ncurses) and its end-to-end tests (tmux)
  libncurses-dev tmux
  # metrics (prometheus-cpp) and the Kubernetes manifest check (python3-yaml)
  prometheus-cpp-dev
  python3-yaml
  # the HTTP/2 flood tests (tests/security/) and the proxy they run against
  # (deploy/haproxy/)
  haproxy python3-h2
)

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

# buf, pinned in package-lock.json; installed under ./node_modules.
if [ "$SKIP_NPM" != 1 ] && [ ! -x node_modules/.bin/buf ]; then
  echo "install-deps: installing buf from the npm registry"
  npm ci --no-audit --no-fund --loglevel=error
fi
