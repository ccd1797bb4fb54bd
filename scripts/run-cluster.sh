#!/usr/bin/env bash
# Runs replicated claimd on this machine: 3 etcd members and 2 claimd replicas
# (--store=etcd) on loopback, loads the sample claims (deploy/sample/claims.jsonl;
# loading again changes nothing) and says how to write through one replica and watch
# through the other. Ctrl-C stops everything. Data stays in ./claimd-cluster (etcd's
# data dirs and the logs), so a second run continues where the first stopped.
#
#   scripts/run-cluster.sh              start the cluster; Ctrl-C stops it
#   scripts/run-cluster.sh start NAME   from another terminal, while the cluster runs:
#                                       start again a member that was killed (NAME:
#                                       A or B for a replica, etcd-1..3 for a member)
#
# Environment: CLUSTER_DIR (./claimd-cluster), BUILD_DIR (build), PORT_BASE (23790:
# etcd clients on PORT_BASE+1..3, peers on +11..13, claimd on +21..22, metrics on
# +31..32), CLAIMD_SKIP_BUILD=1 skips install-deps and build (the binaries must exist).
# `start` reads BUILD_DIR and PORT_BASE from the running cluster's CLUSTER_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
# Absolute from here on: pid files name processes by their data dir, and `start`
# may be run from anywhere.
CLUSTER_DIR="$(realpath -m "${CLUSTER_DIR:-claimd-cluster}")"

# Every process the cluster runs has a name, a pid file ($CLUSTER_DIR/NAME.pid) and a
# log ($CLUSTER_DIR/NAME.log). The pid files let `start` add a process that this
# script's Ctrl-C still stops, although it is not this script's child.
NAMES=(etcd-1 etcd-2 etcd-3 A B)

# The command line of member NAME, in the array `command`, and in `identity` the
# argument no other process has (its data dir, or its address).
command_of() {
  local name=$1 cluster="" endpoints="" i
  for i in 1 2 3; do
    cluster+="${cluster:+,}n$i=http://127.0.0.1:$((BASE + 10 + i))"
    endpoints+="${endpoints:+,}127.0.0.1:$((BASE + i))"
  done
  case "$name" in
    etcd-[123])
      i=${name#etcd-}
      local client="http://127.0.0.1:$((BASE + i))"
      local peer="http://127.0.0.1:$((BASE + 10 + i))"
      command=(etcd --name "n$i" --data-dir "$CLUSTER_DIR/etcd-$i"
        --listen-client-urls "$client" --advertise-client-urls "$client"
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer"
        --initial-cluster "$cluster" --initial-cluster-state new
        --initial-cluster-token claimd-run-cluster --logger zap --log-level warn)
      identity="--data-dir $CLUSTER_DIR/etcd-$i " ;;
    A | B)
      local r=1
      [ "$name" = B ] && r=2
      command=("$BUILD_DIR/service/claimd" --store=etcd --etcd_endpoints="$endpoints"
        --etcd_prefix=/claimd/ --listen="127.0.0.1:$((BASE + 20 + r))"
        --metrics_listen="127.0.0.1:$((BASE + 30 + r))")
      identity="--listen=127.0.0.1:$((BASE + 20 + r)) " ;;
    *)
      echo "run-cluster.sh: no member named '$name' (A, B, etcd-1, etcd-2, etcd-3)" >&2
      return 2 ;;
  esac
}

# The pid in NAME's pid file when that process still runs NAME's command (a pid
# can be reused once its process is gone); nothing otherwise.
running_pid() {
  local file="$CLUSTER_DIR/$1.pid" pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  local command identity
  command_of "$1"
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$identity"; then
    echo "$pid"
  fi
}

# Whether process $1 runs: it exists and has not exited (a zombie has, and an
# orphan stays one until its new parent reaps it).
alive() {
  local state
  state=$(sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# Starts NAME in the background, logging to its log, and records its pid.
start_member() {
  local command identity
  command_of "$1"
  "${command[@]}" >>"$CLUSTER_DIR/$1.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/$1.pid"
}

if [ "${1:-}" = start ]; then
  [ $# -eq 2 ] || { echo "usage: scripts/run-cluster.sh start A|B|etcd-1|etcd-2|etcd-3" >&2; exit 2; }
  [ -f "$CLUSTER_DIR/settings" ] || {
    echo "run-cluster.sh: no cluster in $CLUSTER_DIR: start one with scripts/run-cluster.sh (and the same CLUSTER_DIR)" >&2
    exit 1
  }
  # shellcheck source=/dev/null
  . "$CLUSTER_DIR/settings"
  command_of "$2" >/dev/null || exit 2
  if [ -n "$(running_pid "$2")" ]; then
    echo "run-cluster.sh: $2 is running (pid $(running_pid "$2"))" >&2
    exit 1
  fi
  start_member "$2"
  echo "run-cluster.sh: started $2 (pid $(cat "$CLUSTER_DIR/$2.pid")); its log: $CLUSTER_DIR/$2.log"
  exit 0
fi
[ $# -eq 0 ] || { echo "usage: scripts/run-cluster.sh [start A|B|etcd-1|etcd-2|etcd-3]" >&2; exit 2; }

if [ "${CLAIMD_SKIP_BUILD:-0}" != 1 ]; then
  ./scripts/install-deps.sh
  ./scripts/build.sh claimd claimctl
fi
BUILD_DIR="${BUILD_DIR:-build}"
BASE="${PORT_BASE:-23790}"
CLAIMCTL="$BUILD_DIR/client/claimctl"
for binary in "$BUILD_DIR/service/claimd" "$CLAIMCTL"; do
  [ -x "$binary" ] || { echo "run-cluster.sh: $binary is missing: build it first (./scripts/build.sh claimd claimctl)" >&2; exit 1; }
done
mkdir -p "$CLUSTER_DIR"
for name in "${NAMES[@]}"; do
  if [ -n "$(running_pid "$name")" ]; then
    echo "run-cluster.sh: $name of a cluster in $CLUSTER_DIR is running (pid $(running_pid "$name")): stop that one first, or use another CLUSTER_DIR" >&2
    exit 1
  fi
done
printf 'BUILD_DIR=%q\nBASE=%q\n' "$BUILD_DIR" "$BASE" >"$CLUSTER_DIR/settings"

# Stops everything on the way out, members started again with `start` included, and
# keeps the script's exit status: 0 after Ctrl-C or SIGTERM (how a user stops it), the
# failure's code when a step failed.
stop_all() {
  local status=$? name pid pids=()
  trap - INT TERM EXIT
  echo
  echo "run-cluster.sh: stopping claimd and etcd"
  for name in "${NAMES[@]}"; do
    pid=$(running_pid "$name")
    # It may have exited meanwhile (Ctrl-C reaches the members too).
    [ -n "$pid" ] && pids+=("$pid") && { kill -TERM "$pid" 2>/dev/null || true; }
  done
  # Not all are this script's children, so `wait` cannot follow them: poll, for at
  # most 30 s, then make sure.
  local deadline=$((SECONDS + 30))
  for pid in "${pids[@]}"; do
    while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -f "$CLUSTER_DIR"/*.pid "$CLUSTER_DIR/settings"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

endpoints=""
for i in 1 2 3; do endpoints+="${endpoints:+,}127.0.0.1:$((BASE + i))"; done
for i in 1 2 3; do start_member "etcd-$i"; done
# Fails the script when member $1 has exited.
require_alive() {
  if [ -z "$(running_pid "$1")" ]; then
    echo "run-cluster.sh: $1 exited at startup (a port in use?); the end of $CLUSTER_DIR/$1.log:" >&2
    tail -n 5 "$CLUSTER_DIR/$1.log" >&2 || true
    exit 1
  fi
}
# Every wait below is bounded by the clock (30 s), not by a number of attempts:
# one attempt can itself take seconds.
deadline=$((SECONDS + 30))
until etcdctl --endpoints "$endpoints" --dial-timeout 1s --command-timeout 2s \
  endpoint health >/dev/null 2>&1; do
  for i in 1 2 3; do require_alive "etcd-$i"; done
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "run-cluster.sh: etcd did not become healthy in 30 s; see $CLUSTER_DIR/etcd-*.log" >&2
    exit 1
  fi
  sleep 0.2
done

for name in A B; do start_member "$name"; done
A="127.0.0.1:$((BASE + 21))"
B="127.0.0.1:$((BASE + 22))"
for name in A B; do
  addr=$A
  [ "$name" = B ] && addr=$B
  deadline=$((SECONDS + 30))
  until "$CLAIMCTL" --server "$addr" --timeout 2s health >/dev/null 2>&1; do
    require_alive "$name"
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "run-cluster.sh: claimd on $addr did not serve in 30 s; see $CLUSTER_DIR/$name.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done
"$CLAIMCTL" --server "$A" import deploy/sample/claims.jsonl

# How to run `start` from another terminal: the same CLUSTER_DIR, from anywhere.
start_command="$(realpath scripts/run-cluster.sh) start"
[ "$CLUSTER_DIR" = "$(realpath -m claimd-cluster)" ] ||
  start_command="CLUSTER_DIR=$CLUSTER_DIR $start_command"
pid_of() { cat "$CLUSTER_DIR/$1.pid"; }
cat <<MSG

Replicated claimd is running: 2 replicas over a 3-member etcd cluster.
  replica A: $A (pid $(pid_of A))    replica B: $B (pid $(pid_of B))
  etcd:      $endpoints (etcd-1..3: pids $(pid_of etcd-1) $(pid_of etcd-2) $(pid_of etcd-3))
In another terminal, watch through B and write through A:
  $CLAIMCTL --server $B watch
  $CLAIMCTL --server $A create "The minister refused a call" --id refused-call --source wire
  $CLAIMCTL --server $A confirm refused-call --source "officials"
  $CLAIMCTL --server $B get refused-call
Given both replicas, a command or a watch moves to the other when one goes away, and
the watch resumes there with nothing lost or repeated:
  $CLAIMCTL --server $B,$A watch
Kill a replica or an etcd member (kill -9 <pid>) and keep writing; start it again with
  $start_command A      (or B, etcd-1, etcd-2, etcd-3)
Logs: $CLUSTER_DIR/*.log. Ctrl-C here stops everything.
MSG
# Until Ctrl-C: killing members, or all of them, does not end the script.
while :; do
  sleep 1 &
  wait $! || true
done
