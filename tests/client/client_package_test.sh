#!/bin/bash
# The claimd-client CMake package as a service's build uses it: install the
# package from the build tree to a temporary prefix (`cmake --install
# --component claimd-client`), configure client/examples on its own with
# find_package(claimd-client), build it, and run the result.
#   client_package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build_dir" --component claimd-client --prefix "$tmp/prefix"
for header in claimd/client/claim_client.h claimd/client/claim_informer.h \
    claimd/client/server_target.h claims/v1/claims.pb.h; do
  test -f "$tmp/prefix/include/$header" || { echo "missing $header"; exit 1; }
done

cmake -S "$source_dir/client/examples" -B "$tmp/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tmp/prefix"
cmake --build "$tmp/build"

# Without arguments the example prints its usage and exits 2.
set +e
"$tmp/build/claim_mirror" > "$tmp/out" 2>&1
code=$?
set -e
grep -q "usage: claim_mirror" "$tmp/out" || { cat "$tmp/out"; exit 1; }
test "$code" -eq 2 || { echo "exit code $code, want 2"; exit 1; }
echo "claimd-client package: installed, found, built and run"
