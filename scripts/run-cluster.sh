#!/usr/bin/env bash
# Runs replicated claimd on this machine: 3 etcd members and 2 claimd replicas
# (--store=etcd) on loopback, loads the sample claims (deploy/sample/claims.jsonl;
# loading again changes nothing) and says how to write through one replica and watch
# through the other. Ctrl-C stops everything. Data stays in ./claimd-cluster (etcd's
# data dirs and the logs), so a second run continues where the first stopped.
#
# Environment: CLUSTER_DIR (./claimd-cluster), BUILD_DIR (build), PORT_BASE (23790:
# etcd clients on PORT_BASE+1..3, peers on +11..13, claimd on +21..22, metrics on
# +31..32), CLAIMD_SKIP_BUILD=1 skips install-deps and build (the binaries must exist).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CLAIMD_SKIP_BUILD:-0}" != 1 ]; then
  ./scripts/install-deps.sh
  ./scripts/build.sh claimd claimctl
fi
BUILD_DIR="${BUILD_DIR:-build}"
CLUSTER_DIR="${CLUSTER_DIR:-claimd-cluster}"
BASE="${PORT_BASE:-23790}"
CLAIMD="$BUILD_DIR/service/claimd"
CLAIMCTL="$BUILD_DIR/client/claimctl"
for binary in "$CLAIMD" "$CLAIMCTL"; do
  [ -x "$binary" ] || { echo "run-cluster.sh: $binary is missing: build it first (./scripts/build.sh claimd claimctl)" >&2; exit 1; }
done
mkdir -p "$CLUSTER_DIR"

pids=()
# Stops everything on the way out and keeps the script's exit status: 0 after
# Ctrl-C or SIGTERM (how a user stops it), the failure's code when a step failed.
stop_all() {
  local status=$?
  trap - INT TERM EXIT
  echo
  echo "run-cluster.sh: stopping claimd and etcd"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit "$status"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

cluster=""
endpoints=""
for i in 1 2 3; do
  cluster+="${cluster:+,}n$i=http://127.0.0.1:$((BASE + 10 + i))"
  endpoints+="${endpoints:+,}127.0.0.1:$((BASE + i))"
done
for i in 1 2 3; do
  client="http://127.0.0.1:$((BASE + i))"
  peer="http://127.0.0.1:$((BASE + 10 + i))"
  etcd --name "n$i" --data-dir "$CLUSTER_DIR/etcd-$i" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --initial-cluster-token claimd-run-cluster --logger zap --log-level warn \
    >>"$CLUSTER_DIR/etcd-$i.log" 2>&1 &
  pids+=($!)
done
# Fails the script when process $1 (named $2, logging to $3) has exited.
require_alive() {
  if ! kill -0 "$1" 2>/dev/null; then
    echo "run-cluster.sh: $2 exited at startup (a port in use?); the end of $3:" >&2
    tail -n 5 "$3" >&2 || true
    exit 1
  fi
}
# Every wait below is bounded by the clock (30 s), not by a number of attempts:
# one attempt can itself take seconds.
deadline=$((SECONDS + 30))
until etcdctl --endpoints "$endpoints" --dial-timeout 1s --command-timeout 2s \
  endpoint health >/dev/null 2>&1; do
  for i in 1 2 3; do require_alive "${pids[$((i - 1))]}" "etcd member n$i" "$CLUSTER_DIR/etcd-$i.log"; done
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "run-cluster.sh: etcd did not become healthy in 30 s; see $CLUSTER_DIR/etcd-*.log" >&2
    exit 1
  fi
  sleep 0.2
done

for r in 1 2; do
  "$CLAIMD" --store=etcd --etcd_endpoints="$endpoints" --etcd_prefix=/claimd/ \
    --listen="127.0.0.1:$((BASE + 20 + r))" \
    --metrics_listen="127.0.0.1:$((BASE + 30 + r))" \
    >>"$CLUSTER_DIR/claimd-$r.log" 2>&1 &
  pids+=($!)
done
A="127.0.0.1:$((BASE + 21))"
B="127.0.0.1:$((BASE + 22))"
for r in 1 2; do
  addr="127.0.0.1:$((BASE + 20 + r))"
  deadline=$((SECONDS + 30))
  until "$CLAIMCTL" --server "$addr" --timeout 2s health >/dev/null 2>&1; do
    require_alive "${pids[$((r + 2))]}" "claimd replica $r" "$CLUSTER_DIR/claimd-$r.log"
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "run-cluster.sh: claimd on $addr did not serve in 30 s; see $CLUSTER_DIR/claimd-$r.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done
"$CLAIMCTL" --server "$A" import deploy/sample/claims.jsonl

cat <<MSG

Replicated claimd is running: 2 replicas over a 3-member etcd cluster.
  replica A: $A (pid ${pids[3]})    replica B: $B (pid ${pids[4]})
  etcd:      $endpoints (pids ${pids[0]} ${pids[1]} ${pids[2]})
In another terminal, watch through B and write through A:
  $CLAIMCTL --server $B watch
  $CLAIMCTL --server $A create "The minister refused a call" --id refused-call --source wire
  $CLAIMCTL --server $A confirm refused-call --source "officials"
  $CLAIMCTL --server $B get refused-call
Kill a replica (kill -9 <pid>) or an etcd member and keep writing through the other.
Logs: $CLUSTER_DIR/*.log. Ctrl-C here stops everything.
MSG
# Until Ctrl-C (killing one replica or member, as above, does not end the script).
wait
