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
# Against a real claimd, as README shows it: the mirror file holds its claims.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
address=127.0.0.1:$port
claimctl=("$build_dir/client/claimctl" --server "$address")
"$build_dir/service/claimd" "--listen=$address" "--data_dir=$tmp/data" \
  --metrics_listen= >"$tmp/claimd.log" 2>&1 &
claimd_pid=$!
mirror_pid=""
trap 'kill $claimd_pid $mirror_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do "${claimctl[@]}" list >/dev/null 2>&1 && break; sleep 0.1; done
"${claimctl[@]}" create "A mirrored claim" --id mirrored --source wire >/dev/null
"$tmp/build/claim_mirror" "$address" "$tmp/mirror.txt" >"$tmp/mirror.log" 2>&1 &
mirror_pid=$!
for _ in $(seq 1 200); do
  grep -q "^claims/mirrored 1 VERIFICATION_STATUS_REPORTED$" "$tmp/mirror.txt" 2>/dev/null && break
  sleep 0.1
done
grep -q "^claims/mirrored 1 VERIFICATION_STATUS_REPORTED$" "$tmp/mirror.txt" ||
  { echo "the mirror never held the claim"; cat "$tmp/mirror.log" "$tmp/mirror.txt"; exit 1; }
echo "claimd-client package: installed, found, built, and mirrored a real claimd"
