"""Processes for the security tests: claimd (its port read from its first
log line) and HAProxy started with the shipped deploy/haproxy/haproxy.cfg, its
certificate path and ports replaced by temporary, loopback ones."""

import os
import re
import socket
import subprocess
import sys
import threading
import time

MIB = 1 << 20


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB
    except (OSError, IndexError, ValueError):
        return 0.0


class Process:
    """A child process whose stderr is collected line by line."""

    def __init__(self, argv, name, preexec_fn=None):
        self.name = name
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     errors="replace", preexec_fn=preexec_fn)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines:
                    match = regex.search(line)
                    if match:
                        return match
            if self.proc.poll() is not None:
                self.reader.join(2)
                with self.lock:
                    return next((regex.search(l) for l in self.lines
                                 if regex.search(l)), None)
            time.sleep(0.02)
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)


def start_claimd(binary, data_dir, extra, preexec_fn=None):
    claimd = Process([binary, "--listen=127.0.0.1:0", f"--data_dir={data_dir}",
                      "--metrics_listen="] + extra, "claimd", preexec_fn)
    match = claimd.wait_for_line(r"serving claims\.v1 on .*\(port (\d+)\)", 30)
    if match is None:
        claimd.stop()
        sys.exit("claimd did not start:\n" + "\n".join(claimd.lines))
    return claimd, int(match.group(1))


def wait_listening(port, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start_haproxy(binary, shipped_cfg, workdir, claimd_port):
    """HAProxy with the shipped file; only the certificate path, the public
    port and claimd's port change."""
    key, cert = os.path.join(workdir, "key.pem"), os.path.join(workdir, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The shipped file reads tls.crt and, beside it, tls.key.
    tls = os.path.join(workdir, "tls")
    os.makedirs(tls, exist_ok=True)
    with open(os.path.join(tls, "tls.crt"), "w") as out:
        out.write(open(cert).read())
    with open(os.path.join(tls, "tls.key"), "w") as out:
        out.write(open(key).read())
    text = open(shipped_cfg).read()
    for needle in ("/etc/haproxy/tls/tls.crt", "bind :50051", "bind :50053",
                   "127.0.0.1:50052"):
        if needle not in text:
            sys.exit(f"{shipped_cfg} no longer contains {needle!r}: the deploy "
                     "contract changed; update this test with it")
    public_port = free_port()
    health_port = free_port()
    text = (text.replace("/etc/haproxy/tls/tls.crt", os.path.join(tls, "tls.crt"))
            .replace("bind :50051", f"bind 127.0.0.1:{public_port}")
            .replace("bind :50053", f"bind 127.0.0.1:{health_port}")
            .replace("127.0.0.1:50052", f"127.0.0.1:{claimd_port}"))
    cfg = os.path.join(workdir, "haproxy.cfg")
    with open(cfg, "w") as out:
        out.write(text)
    check = subprocess.run([binary, "-c", "-f", cfg], capture_output=True,
                           text=True)
    if check.returncode != 0:
        sys.exit("haproxy -c refused the configuration:\n" + check.stdout +
                 check.stderr)
    haproxy = Process([binary, "-db", "-f", cfg], "haproxy")
    if not wait_listening(public_port, haproxy):
        haproxy.stop()
        sys.exit("haproxy did not start:\n" + "\n".join(haproxy.lines))
    return haproxy, public_port


