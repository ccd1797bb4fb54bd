#!/usr/bin/env bash
# Builds deploy/docker/Dockerfile's runtime image from the binaries the build already
# compiled and starts it as shipped, with podman (no Docker daemon or registry needed):
#   - a debian:bookworm-slim base from Debian's mirror (mmdebstrap --variant=minbase),
#     imported once and cached as a tarball under the build directory;
#   - the Dockerfile's last stage exactly as written, except that its COPY --from=build
#     sources come from the build tree (stripped, as the build stage strips them);
#   - started with its own ENTRYPOINT, HEALTHCHECK and environment, TLS files mounted
#     the way the Dockerfile documents, data on a named volume.
# Checks: every library the binaries load is in the image; without the TLS files claimd
# exits with one line naming the missing file; the HEALTHCHECK turns healthy;
# `claimctl list` inside works; SIGTERM (`podman stop -t 20`) ends claimd by itself
# (exit 0: podman would have sent SIGKILL after 20 s, giving 137); the data on the
# volume survives the restart; the pod deploy/README.md documents (claimd on loopback,
# the Dockerfile's haproxy stage in front) serves over TLS.
#
# Usage: container_test.sh BUILD_DIR (ctest runs it; label deploy). Exit 77 (ctest's
# SKIP_RETURN_CODE) with the reason when podman cannot run containers on this machine.
# Host quirks handled here (seen on Debian 12 build machines): crun fails on
# hybrid cgroups (runc), podman's default ulimits need CAP_SYS_RESOURCE (set in our
# containers.conf), and podman drops HEALTHCHECK unless --format docker.
set -euo pipefail

BUILD_DIR="$(cd "${1:?usage: container_test.sh BUILD_DIR}" && pwd)"
SOURCE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$BUILD_DIR/deploy-cache"
BASE_TAR="$CACHE/bookworm-minbase.tar"
BASE_IMAGE=docker.io/library/debian:bookworm-slim
IMAGE=localhost/claimd:container-test
NAME="claimd-container-test-$$"
VOLUME="$NAME-data"
POD="$NAME-pod"
HAPROXY_IMAGE=localhost/claimd-haproxy:container-test
START=$(date +%s)

log() { echo "container_test: $*"; }
fail() { echo "container_test: FAIL: $*" >&2; exit 1; }
skip() { echo "container_test: SKIP: $*"; exit 77; }

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/run.XXXXXX")"
cleanup() {
  podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  podman pod rm -f -t 0 "$POD" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v podman >/dev/null || skip "podman is not installed (Debian package podman, installed by scripts/install-deps.sh)"
cat >"$CACHE/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
events_logger = "file"
EOF
export CONTAINERS_CONF="$CACHE/containers.conf"
podman info >"$WORK/podman-info" 2>&1 ||
  skip "podman cannot run here: $(tail -n 1 "$WORK/podman-info")"

# The base image, built once from Debian's mirror and cached.
if ! podman image exists "$BASE_IMAGE"; then
  if [ ! -s "$BASE_TAR" ]; then
    command -v mmdebstrap >/dev/null || fail "mmdebstrap is missing (scripts/install-deps.sh installs it)"
    log "building $BASE_IMAGE with mmdebstrap (once; cached in $BASE_TAR)"
    mmdebstrap --quiet --variant=minbase bookworm "$CACHE/base.partial.tar" ||
      fail "mmdebstrap could not build the base (no access to Debian's mirror?)"
    mv "$CACHE/base.partial.tar" "$BASE_TAR"
  fi
  podman import --quiet "$BASE_TAR" "$BASE_IMAGE" >/dev/null
fi
# Podman can start a container at all; if not, say why and skip.
if ! podman run --rm --network=none "$BASE_IMAGE" true >"$WORK/probe" 2>&1; then
  skip "podman cannot start containers here: $(tail -n 1 "$WORK/probe")"
fi

# The runtime stage as written (from its FROM to the end), fed from the build tree.
CONTEXT="$WORK/context"
mkdir -p "$CONTEXT/build/service" "$CONTEXT/build/client" "$CONTEXT/deploy/sample"
strip -o "$CONTEXT/build/service/claimd" "$BUILD_DIR/service/claimd"
strip -o "$CONTEXT/build/client/claimctl" "$BUILD_DIR/client/claimctl"
cp "$SOURCE_DIR/deploy/sample/claims.jsonl" "$CONTEXT/deploy/sample/"
awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' \
  "$SOURCE_DIR/deploy/docker/Dockerfile" |
  sed 's|^COPY --from=build /src/|COPY |' >"$CONTEXT/Containerfile"
grep -q '^FROM debian:bookworm-slim$' "$CONTEXT/Containerfile" ||
  fail "the Dockerfile's last stage does not start FROM debian:bookworm-slim"
[ "$(grep -c '^COPY ' "$CONTEXT/Containerfile")" -ge 3 ] ||
  fail "the runtime stage copies fewer files than expected"
log "building the runtime stage"
BUILD_START=$(date +%s)
podman build --format docker --network=host -f "$CONTEXT/Containerfile" \
  -t "$IMAGE" "$CONTEXT" >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "podman build failed"; }
log "built in $(($(date +%s) - BUILD_START)) s"
podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q claimctl ||
  fail "the image has no HEALTHCHECK (built without --format docker?)"

# Every shared library the binaries load is in the image.
podman run --rm --network=none --entrypoint ldd "$IMAGE" \
  /usr/local/bin/claimd /usr/local/bin/claimctl >"$WORK/ldd" 2>&1 ||
  { cat "$WORK/ldd" >&2; fail "ldd failed inside the image"; }
if grep -q 'not found' "$WORK/ldd"; then
  grep 'not found' "$WORK/ldd" >&2
  fail "libraries missing from the runtime stage's package list"
fi

# Without the TLS files: a clear one-line error and a non-zero exit.
set +e
podman run --rm --network=none "$IMAGE" >"$WORK/no-tls.out" 2>"$WORK/no-tls.all"
code=$?
set -e
# podman's own log lines (time="..." level=...; without systemd it cannot schedule
# periodic health checks and says so) are not claimd's.
grep -v '^time="' "$WORK/no-tls.all" >"$WORK/no-tls.err" || true
[ "$code" -ne 0 ] || fail "claimd started without its TLS files"
[ "$(wc -l <"$WORK/no-tls.err")" -eq 1 ] ||
  { cat "$WORK/no-tls.err" >&2; fail "expected exactly one line on stderr without TLS files"; }
grep -q '/etc/claimd/tls/tls.crt' "$WORK/no-tls.err" ||
  fail "the error does not name the missing file: $(cat "$WORK/no-tls.err")"
log "without TLS files: exit $code, '$(cat "$WORK/no-tls.err")'"

# TLS material as a user would mount it (tls.crt, tls.key, ca.crt), naming localhost.
TLS="$WORK/tls"
mkdir -p "$TLS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
  -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=claimd -keyout "$TLS/tls.key" \
  -out "$TLS/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,DNS:claimd,IP:127.0.0.1\n' >"$TLS/ext"
openssl x509 -req -in "$TLS/tls.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" \
  -CAcreateserial -days 2 -extfile "$TLS/ext" -out "$TLS/tls.crt" 2>/dev/null
rm "$TLS/ca.key" "$TLS/tls.csr" "$TLS/ext"
# The container's user (uid 10001) reads them, as from a Secret mounted 0644.
chmod 0755 "$TLS" && chmod 0644 "$TLS"/*

podman volume create "$VOLUME" >/dev/null
# --network=none: a private network namespace with only loopback, where the
# HEALTHCHECK and `podman exec` reach claimd; nothing is published on the host.
podman run -d --name "$NAME" --network=none -v "$VOLUME:/var/lib/claimd" \
  -v "$TLS:/etc/claimd/tls:ro" "$IMAGE" >/dev/null

wait_healthy() {
  for _ in $(seq 1 60); do
    if podman healthcheck run "$NAME" >/dev/null 2>&1; then return 0; fi
    [ "$(podman inspect --format '{{.State.Running}}' "$NAME")" = true ] || {
      podman logs "$NAME" >&2; fail "claimd exited"; }
    sleep 0.5
  done
  podman logs "$NAME" >&2
  fail "the HEALTHCHECK never turned healthy"
}
wait_healthy
[ "$(podman inspect --format '{{.State.Health.Status}}' "$NAME")" = healthy ] ||
  fail "podman does not record the container as healthy"
log "healthy"

podman exec "$NAME" claimctl create "The image was started as shipped" \
  --id container-test --label test=container >/dev/null
podman exec "$NAME" claimctl list >"$WORK/list"
grep -q container-test "$WORK/list" || { cat "$WORK/list" >&2; fail "claimctl list lacks the claim"; }
log "claimctl list works inside"

STOP_START=$(date +%s%N)
podman stop -t 20 "$NAME" >/dev/null
STOP_MS=$((($(date +%s%N) - STOP_START) / 1000000))
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || { podman logs "$NAME" >&2; fail "claimd exited $code after SIGTERM (137: killed after the grace period)"; }
log "SIGTERM: clean exit in $STOP_MS ms"

podman start "$NAME" >/dev/null
wait_healthy
podman exec "$NAME" claimctl get container-test >"$WORK/get" ||
  { cat "$WORK/get" >&2; fail "the claim did not survive the restart"; }
grep -q "started as shipped" "$WORK/get" || fail "the claim changed across the restart"
log "the data on the volume survived a restart"
podman stop -t 20 "$NAME" >/dev/null

# The arrangement deploy/README.md documents for untrusted clients: one pod, claimd
# on its loopback (127.0.0.1:50052), the Dockerfile's haproxy stage in front on :50051
# (TLS, h2) with deploy/haproxy/haproxy.cfg.
HAPROXY_CONTEXT="$WORK/haproxy"
mkdir -p "$HAPROXY_CONTEXT"
awk '/^FROM /{keep = ($0 ~ / AS haproxy$/)} keep' "$SOURCE_DIR/deploy/docker/Dockerfile" \
  >"$HAPROXY_CONTEXT/Containerfile"
grep -q '^ENTRYPOINT.*haproxy' "$HAPROXY_CONTEXT/Containerfile" ||
  fail "the Dockerfile has no haproxy stage"
podman build --format docker --network=host -f "$HAPROXY_CONTEXT/Containerfile" \
  -t "$HAPROXY_IMAGE" "$HAPROXY_CONTEXT" >"$WORK/haproxy-build.log" 2>&1 ||
  { cat "$WORK/haproxy-build.log" >&2; fail "podman build --target haproxy failed"; }
[ -f "$SOURCE_DIR/deploy/haproxy/haproxy.cfg" ] || fail "deploy/haproxy/haproxy.cfg is missing"
cp "$SOURCE_DIR/deploy/haproxy/haproxy.cfg" "$WORK/haproxy.cfg"
chmod 0644 "$WORK/haproxy.cfg"
podman pod create --name "$POD" --network none >/dev/null
podman run -d --pod "$POD" --name "$POD-claimd" -v "$VOLUME:/var/lib/claimd" \
  -v "$TLS:/etc/claimd/tls:ro" -e CLAIMD_ADDR=127.0.0.1:50052 -e CLAIMCTL_CACERT= \
  --entrypoint claimd "$IMAGE" --listen=127.0.0.1:50052 --data_dir=/var/lib/claimd \
  --metrics_listen=0.0.0.0:9464 --log_format=json >/dev/null
podman run -d --pod "$POD" --name "$POD-haproxy" \
  -v "$WORK/haproxy.cfg:/etc/haproxy/haproxy.cfg:ro" -v "$TLS:/etc/haproxy/tls:ro" \
  "$HAPROXY_IMAGE" >/dev/null
through_proxy() {
  podman exec -e CLAIMD_ADDR=localhost:50051 -e CLAIMCTL_CACERT=/etc/claimd/tls/ca.crt \
    "$POD-claimd" claimctl --timeout=5s "$@"
}
for attempt in $(seq 1 60); do
  if through_proxy health >/dev/null 2>&1; then break; fi
  [ "$attempt" -lt 60 ] || { podman logs "$POD-haproxy" >&2; podman logs "$POD-claimd" >&2;
    fail "claimd never answered through haproxy"; }
  sleep 0.5
done
through_proxy list >"$WORK/proxied" || fail "claimctl list through haproxy failed"
grep -q container-test "$WORK/proxied" ||
  fail "the claim on the volume is not listed through haproxy"
log "a pod with the haproxy image in front serves over TLS, claimd on loopback"
podman pod stop -t 20 "$POD" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$POD-claimd")
[ "$code" = 0 ] || fail "claimd in the pod exited $code on stop"
log "ok in $(($(date +%s) - START)) s"
