#!/usr/bin/env python3
"""Log injection: a client without credentials sends header values holding a
complete fake log line and a terminal escape (gRPC 1.51 quotes such values in
its own error lines). claimd's text log must keep each message on one line
with the control characters escaped, and must write at most 20 such lines
per 10 s however many the client sends (the rest are counted).

  log_injection_test.py --claimd build/service/claimd
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2raw  # noqa: E402
from harness import start_claimd  # noqa: E402

FORGED = "2026-12-06T07:00:00.000Z claimd I FORGED: admin token accepted"
ATTEMPTS = 100


def forged_headers(header, i):
    headers = [h for h in h2raw.request_headers(h2raw.HEALTH_CHECK, False)
               if h[0] != header]
    # A new value each time, so it is never an entry of the HPACK table.
    headers.append((header, f"x{i}\r\n" + FORGED + "\x1b[2J\x9b"))
    return headers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--claimd", required=True)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="claimd-logs-") as workdir:
        claimd, port = start_claimd(args.claimd, os.path.join(workdir, "d"), [])
        target = h2raw.Target(port)
        connection = h2raw.Connection(target)
        for i in range(ATTEMPTS):
            if connection.closed.is_set():
                connection = h2raw.Connection(target)
            header = ["grpc-timeout", "content-type", "te",
                      "grpc-encoding"][i % 4]
            stream_id = connection.start_call(
                h2raw.HEALTH_CHECK, False, headers=forged_headers(header, i))
            connection.wait_done(stream_id, 5)
        connection.close()
        # A well-formed call after the flood: its answer shows claimd is still
        # serving, and by then every line above was written.
        connection = h2raw.Connection(target)
        if not connection.wait_call(
                connection.start_call(h2raw.HEALTH_CHECK, False), 10):
            failures.append("claimd stopped answering")
        connection.close()
        claimd.stop()
        lines = claimd.lines
        quoted = [line for line in lines if "FORGED" in line]
        print(f"RESULT attempts={ATTEMPTS} lines_quoting_it={len(quoted)}")
        for line in quoted[:2]:
            print("  " + line)
        if not quoted:
            failures.append("no log line quotes the bad header (the test "
                            "cannot see what it checks)")
        if any(line.startswith(FORGED[:24]) for line in lines):
            failures.append("a forged line starts a line of the log")
        if any("\x1b" in line or "\x9b" in line or "\r" in line
               for line in lines):
            failures.append("a raw control character reached the log")
        if not all(line.startswith("20") and " claimd " in line[:40]
                   for line in lines):
            failures.append("a log line does not start with a timestamp")
        if len(quoted) > 20:
            failures.append(f"{len(quoted)} lines from one source in under "
                            "10 s (the limit is 20)")
    if failures:
        print("FAILED: " + "; ".join(failures))
        print("\n".join(lines[-30:]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
