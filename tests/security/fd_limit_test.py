#!/usr/bin/env python3
"""File handles: claimd started with a limit of 40 open files.

  soft=40 hard=40: idle TCP connections until accept() fails. gRPC 1.51 then
      never accepts again; claimd must say so, report NOT_SERVING and exit
      with code 4 for its supervisor to restart it (it used to keep running,
      unreachable).
  soft=40 hard=4096: claimd raises its soft limit to the hard one at start,
      so the same connections are all accepted and it keeps serving.

  fd_limit_test.py --claimd build/service/claimd
"""

import argparse
import os
import resource
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2raw  # noqa: E402
from harness import start_claimd  # noqa: E402

CONNECTIONS = 60
EXIT_LISTENER_FAILED = 4
SERVING = b"\x00\x00\x00\x00\x02\x08\x01"
NOT_SERVING = b"\x00\x00\x00\x00\x02\x08\x02"


def limit_files(soft, hard):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_idle_connections(port, count):
    sockets = []
    for _ in range(count):
        try:
            sockets.append(socket.create_connection(("127.0.0.1", port),
                                                    timeout=5))
        except OSError:
            break
    return sockets


def exhausted(binary, workdir, failures):
    claimd, port = start_claimd(binary, os.path.join(workdir, "a"), [],
                                limit_files(40, 40))
    # A client connected before the flood watches health.
    health = h2raw.Connection(h2raw.Target(port))
    watch = health.start_call(h2raw.HEALTH_WATCH, False)
    # The flood starts once the watch has heard SERVING (bounded): a flood
    # that races the watch's first answer proves nothing about the watch.
    deadline = time.monotonic() + 10
    while SERVING not in health.body(watch) and time.monotonic() < deadline:
        time.sleep(0.05)
    sockets = open_idle_connections(port, CONNECTIONS)
    try:
        code = claimd.proc.wait(60)
    except Exception:  # noqa: BLE001 (subprocess.TimeoutExpired)
        code = None
    health.wait_done(watch, 10)
    heard = health.body(watch)
    health.close()
    for sock in sockets:
        sock.close()
    claimd.stop()
    print(f"RESULT limit=40:40 connections_opened={len(sockets)} "
          f"claimd_exit={code}")
    # gRPC messages: HealthCheckResponse{status: SERVING}, then NOT_SERVING.
    if SERVING not in heard or NOT_SERVING not in heard:
        failures.append(f"the health watch heard {heard!r}, not SERVING then "
                        "NOT_SERVING")
    if code != EXIT_LISTENER_FAILED:
        failures.append(f"with 40:40, claimd exited with {code}, not "
                        f"{EXIT_LISTENER_FAILED}")
    if claimd.wait_for_line(r"stopped accepting connections.*NOT_SERVING",
                            1) is None:
        failures.append("claimd did not log that it stopped accepting")
    if claimd.wait_for_line(r"file handles: the limit is 40", 1) is None:
        failures.append("claimd did not warn about its low limit")


def raised(binary, workdir, failures):
    claimd, port = start_claimd(binary, os.path.join(workdir, "b"), [],
                                limit_files(40, 4096))
    sockets = open_idle_connections(port, CONNECTIONS)
    # Every connection is accepted: a call on a new one is answered.
    deadline = time.monotonic() + 20
    ok = False
    while not ok and time.monotonic() < deadline:
        try:
            connection = h2raw.Connection(h2raw.Target(port))
            ok = connection.wait_call(
                connection.start_call(h2raw.HEALTH_CHECK, False), 10)
            connection.close()
        except OSError:
            break
    running = claimd.proc.poll() is None
    for sock in sockets:
        sock.close()
    claimd.stop()
    print(f"RESULT limit=40:4096 connections_opened={len(sockets)} "
          f"answered={ok} running={running}")
    if claimd.wait_for_line(r"soft limit raised from 40 to 4096", 1) is None:
        failures.append("claimd did not raise its soft limit")
    if len(sockets) < CONNECTIONS or not ok or not running:
        failures.append("with 40:4096, claimd did not serve every connection")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--claimd", required=True)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="claimd-fds-") as workdir:
        exhausted(args.claimd, workdir, failures)
        raised(args.claimd, workdir, failures)
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
