#!/usr/bin/python3
"""Runs every deploy file's exact command line against the built binaries.

Usage: entrypoints_test.py BUILD_DIR SCENARIO
  docker                  the Dockerfile's ENTRYPOINT, ENV and HEALTHCHECK
  systemd                 claimd.service's ExecStart, and haproxy in front of it
  kubernetes-single-node  the StatefulSet's pod: claimd and its haproxy sidecar
  kubernetes-insecure     the insecure overlay's pod
  kubernetes-replicated   the etcd StatefulSet's member, and a claimd replica over it
  prometheus              deploy/prometheus through promtool (check config, check
                          rules, test rules), and a real scrape of the unit's claimd
                          (promtool check metrics, process_* values, HEAD /metrics)

Each scenario starts the processes a deployment starts, with the command and
arguments read from the deploy file (Kubernetes semantics: `command` replaces the
image's ENTRYPOINT, `args` its CMD, $(VAR) expands from the container's env),
every mounted path mapped to a temporary directory (ConfigMaps written out,
Secrets made with openssl), and then probes them the way the platform would (the
HEALTHCHECK, kubelet's exec, gRPC, TCP and HTTP probes) and a user would
(claimctl create and list, through the TLS front where there is one). SIGTERM
must end claimd with exit 0 within the deployment's grace period.

Fixed ports (50051, 50052, 50053, 9464, 2379...) are used as written: the script
re-runs itself in a new network namespace (unshare --net, plus a user namespace
when not root) that holds only a loopback interface, so nothing is reachable
from outside and nothing collides with other tests. Exit 77 (ctest's skip) with
the reason when that namespace or a needed tool is unavailable, or (replicated)
when the built claimd has no --store flag yet.
"""
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import manifests  # noqa: E402

SKIP = 77
NETNS_MARK = "CLAIMD_ENTRYPOINTS_NETNS"


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def log(message):
    print(f"entrypoints_test: {message}", flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)


class Env:
    """Paths of the built binaries and a scratch directory."""

    def __init__(self, build_dir, scratch):
        self.claimd = os.path.join(build_dir, "service", "claimd")
        self.claimctl = os.path.join(build_dir, "client", "claimctl")
        self.scratch = scratch
        self.counter = 0

    def dir(self, name):
        self.counter += 1
        path = os.path.join(self.scratch, f"{self.counter:02d}-{name}")
        os.makedirs(path)
        return path

    def binary(self, name):
        """A command word as a deployment writes it -> what to execute here."""
        base = os.path.basename(name)
        if base == "claimd":
            return self.claimd
        if base == "claimctl":
            return self.claimctl
        found = shutil.which(base)
        if found is None:
            raise Skip(f"{base} is not installed (scripts/install-deps.sh installs it)")
        return found


class Process:
    def __init__(self, env, name, argv, extra_env=None):
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(env.dir(f"log-{name}"), "output")
        self.output = open(self.log_path, "wb")
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIM")}
        child_env.update(extra_env or {})
        log(f"start {name}: {shlex.join(argv)}")
        self.popen = subprocess.Popen(argv, stdout=self.output, stderr=subprocess.STDOUT,
                                      env=child_env)

    def text(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def alive(self):
        return self.popen.poll() is None

    def stop(self, grace_seconds):
        """SIGTERM; the exit code, or a Failure if it outlives the grace period."""
        if not self.alive():
            return self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise Failure(f"{self.name} outlived its {grace_seconds} s grace period")
        return code

    def kill(self):
        if self.alive():
            self.popen.kill()
            self.popen.wait()


def run(argv, env=None, timeout=30):
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIM")}
    child_env.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, env=child_env,
                          timeout=timeout)


def wait_for(what, probe, processes, attempts=150):
    """Polls probe() (bounded: attempts x 0.2 s) while the processes live."""
    last = None
    for _ in range(attempts):
        ok, last = probe()
        if ok:
            return
        for process in processes:
            if not process.alive():
                raise Failure(f"{process.name} exited ({process.popen.returncode}) "
                              f"before {what}:\n{process.text()}")
        time.sleep(0.2)
    raise Failure(f"{what} never succeeded; last: {last}")


def command_probe(argv, env=None):
    def probe():
        done = run(argv, env=env, timeout=15)
        return done.returncode == 0, (done.stdout + done.stderr).strip()
    return probe


def tcp_probe(port):
    def probe():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True, "connected"
        except OSError as error:
            return False, str(error)
    return probe


def http_probe(port, path):
    def probe():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
                return r.status == 200, r.status
        except OSError as error:
            return False, str(error)
    return probe


def make_ca(directory):
    key, cert = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=deploy-test-ca", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return key, cert


def make_cert(directory, ca, cn, sans, prefix="tls", client=False):
    """prefix.crt / prefix.key signed by ca, and ca.crt beside them."""
    os.makedirs(directory, exist_ok=True)
    key, crt = (os.path.join(directory, f"{prefix}.key"),
                os.path.join(directory, f"{prefix}.crt"))
    csr, ext = os.path.join(directory, "req.csr"), os.path.join(directory, "ext")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                    "-keyout", key, "-out", csr], check=True, capture_output=True)
    with open(ext, "w") as handle:
        usage = "clientAuth" if client else "serverAuth,clientAuth"
        handle.write(f"subjectAltName={','.join(sans)}\nextendedKeyUsage={usage}\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0],
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", crt],
                   check=True, capture_output=True)
    os.remove(csr)
    os.remove(ext)
    shutil.copy(ca[1], os.path.join(directory, "ca.crt"))
    return directory


SERVER_SANS = ["DNS:localhost", "IP:127.0.0.1"]


def map_paths(text, mapping):
    """Replaces every mapped path (longest first, in one pass, so a replacement
    is never mapped again) where it is a whole path or a path's prefix."""
    if not mapping:
        return text
    pattern = "|".join(re.escape(source) for source in
                       sorted(mapping, key=len, reverse=True))
    return re.sub(f"({pattern})(?=/|$|[^A-Za-z0-9_.-])",
                  lambda match: mapping[match.group(1)], text)


def claimctl_roundtrip(env, server, extra, claim_id, client_env=None):
    """create + list through `server`, as a user would."""
    base = [env.claimctl, f"--server={server}", "--timeout=10s"] + extra
    done = run(base + ["create", f"Deployed and serving ({claim_id})", "--id", claim_id],
               env=client_env)
    check(done.returncode == 0, f"claimctl create via {server}: {done.stdout}{done.stderr}")
    done = run(base + ["list"], env=client_env)
    check(done.returncode == 0 and claim_id in done.stdout,
          f"claimctl list via {server}: {done.stdout}{done.stderr}")


def check_scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    for series in ("claimd_build_info", "process_open_fds"):
        check(series in body, f"the scrape on :{port} lacks {series}")


# --- docker ---------------------------------------------------------------------

def dockerfile_runtime_stage():
    """Instructions of the Dockerfile's last stage, continuation lines joined."""
    instructions, current = [], ""
    with open(os.path.join(SOURCE, "deploy/docker/Dockerfile"), encoding="utf-8") as handle:
        for raw in handle:
            line = raw.strip()
            if not current and (not line or line.startswith("#")):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            instructions.append(current + line)
            current = ""
    last_from = max(i for i, text in enumerate(instructions) if text.startswith("FROM "))
    return instructions[last_from:]


def docker_config():
    entrypoint, health, env = None, None, {}
    for instruction in dockerfile_runtime_stage():
        word, _, rest = instruction.partition(" ")
        if word == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif word == "HEALTHCHECK":
            health = json.loads(rest[rest.index("CMD") + 3:])
        elif word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    check(entrypoint and health, "the runtime stage has no ENTRYPOINT or HEALTHCHECK")
    return entrypoint, health, env


def scenario_docker(env):
    entrypoint, health, image_env = docker_config()
    data = env.dir("docker-data")
    empty = env.dir("docker-no-tls")
    mapping = {"/var/lib/claimd": data, "/etc/claimd/tls": empty}

    argv = [env.binary(entrypoint[0])] + [map_paths(a, mapping) for a in entrypoint[1:]]
    done = run(argv, timeout=30)
    lines = done.stderr.strip().splitlines()
    check(done.returncode != 0, "claimd started without its TLS files")
    check(len(lines) == 1 and os.path.join(empty, "tls.crt") in lines[0],
          f"without TLS files: expected one line naming tls.crt, got: {done.stderr!r}")
    log(f"docker: no TLS files -> exit {done.returncode}: {lines[0]}")

    tls = make_cert(env.dir("docker-tls"), make_ca(env.dir("docker-ca")), "claimd",
                    SERVER_SANS)
    mapping["/etc/claimd/tls"] = tls
    argv = [env.binary(entrypoint[0])] + [map_paths(a, mapping) for a in entrypoint[1:]]
    client_env = {k: map_paths(v, mapping) for k, v in image_env.items()}
    claimd = Process(env, "docker-claimd", argv)
    try:
        healthcheck = [env.binary(health[0])] + health[1:]
        wait_for("the HEALTHCHECK", command_probe(healthcheck, client_env), [claimd])
        claimctl_roundtrip(env, client_env["CLAIMD_ADDR"], [], "docker-entrypoint",
                           client_env)
        check_scrape(9464)
        code = claimd.stop(grace_seconds=20)  # the `stop -t 20` the Dockerfile asks for
        check(code == 0, f"claimd exited {code} on SIGTERM:\n{claimd.text()}")
    finally:
        claimd.kill()


# --- systemd --------------------------------------------------------------------

def scenario_systemd(env):
    unit = open(os.path.join(SOURCE, "deploy/systemd/claimd.service"), encoding="utf-8").read()
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    stop_timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M).group(1))
    mapping = {"/var/lib/claimd": env.dir("systemd-state")}
    words = shlex.split(exec_start)
    argv = [env.binary(words[0])] + [map_paths(w, mapping) for w in words[1:]]
    listen = next(w.split("=", 1)[1] for w in words if w.startswith("--listen="))
    check(listen.startswith("127.0.0.1:"), f"the unit's claimd is not on loopback: {listen}")
    claimd = Process(env, "systemd-claimd", argv)
    haproxy = None
    try:
        wait_for("claimd's health", command_probe(
            [env.claimctl, f"--server={listen}", "--timeout=3s", "health"]), [claimd])
        claimctl_roundtrip(env, listen, [], "systemd-unit")
        check_scrape(9464)
        config = os.path.join(SOURCE, "deploy/haproxy/haproxy.cfg")
        # Debian's haproxy.service runs `haproxy -Ws -f CONFIG` (-Ws: -W with
        # systemd's notify protocol, which needs systemd).
        tls = make_cert(env.dir("systemd-tls"), make_ca(env.dir("systemd-ca")),
                        "claimd", SERVER_SANS)
        mapped = os.path.join(env.dir("systemd-haproxy"), "haproxy.cfg")
        with open(mapped, "w") as handle:
            handle.write(map_paths(open(config).read(), {"/etc/haproxy/tls": tls}))
        haproxy = Process(env, "systemd-haproxy",
                          [env.binary("haproxy"), "-W", "-db", "-f", mapped])
        wait_for("haproxy", tcp_probe(50051), [claimd, haproxy])
        claimctl_roundtrip(env, "localhost:50051",
                           [f"--cacert={os.path.join(tls, 'ca.crt')}"], "systemd-proxy")
        code = claimd.stop(grace_seconds=stop_timeout)
        check(code == 0, f"claimd exited {code} on SIGTERM:\n{claimd.text()}")
    finally:
        claimd.kill()
        if haproxy:
            haproxy.kill()


# --- kubernetes -----------------------------------------------------------------

def expand(text, variables):
    """Kubernetes' $(VAR) expansion ($$ escapes; unknown names stay as written)."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else variables.get(m.group(1), m.group(0)),
                  text)


class Pod:
    """Starts a pod's containers as the kubelet would, with paths mapped."""

    def __init__(self, env, name, objects, template, secrets, pod_name, config_mapping=None):
        self.env, self.name = env, name
        self.spec = template["spec"]
        self.processes = {}
        self.container_env = {}
        self.mapping = {}
        volumes = {v["name"]: v for v in self.spec.get("volumes", [])}
        for item in self.spec["containers"]:
            mapping = {}
            for mount in item.get("volumeMounts", []):
                volume = volumes.get(mount["name"])
                if volume is not None and "configMap" in volume:
                    data = manifests.named(objects, "ConfigMap",
                                           volume["configMap"]["name"])["data"]
                    target = env.dir(f"{name}-{mount['name']}")
                    for key, value in data.items():
                        with open(os.path.join(target, key), "w") as handle:
                            handle.write(map_paths(value, config_mapping or {}))
                    path = target
                    if "subPath" in mount:
                        path = os.path.join(target, mount["subPath"])
                elif volume is not None and "secret" in volume:
                    path = secrets[volume["secret"]["secretName"]]
                else:  # emptyDir or a volume claim: a fresh directory
                    path = env.dir(f"{name}-{mount['name']}")
                mapping[mount["mountPath"]] = path
            variables = {}
            for entry in item.get("env", []):
                if "value" in entry:
                    variables[entry["name"]] = expand(entry["value"], variables)
                elif "secretKeyRef" in entry.get("valueFrom", {}):
                    ref = entry["valueFrom"]["secretKeyRef"]
                    with open(os.path.join(secrets[ref["name"]], ref["key"])) as handle:
                        variables[entry["name"]] = handle.read().strip()
                elif entry.get("valueFrom", {}).get("fieldRef", {}).get(
                        "fieldPath") == "metadata.name":
                    variables[entry["name"]] = pod_name
                else:
                    raise Failure(f"{name}: unsupported env entry {entry}")
            self.container_env[item["name"]] = variables
            self.mapping[item["name"]] = mapping

    def command(self, item):
        check("command" in item, f"{self.name}/{item['name']}: no command (the image's "
              "ENTRYPOINT would add its own flags)")
        variables, mapping = self.container_env[item["name"]], self.mapping[item["name"]]
        words = [map_paths(expand(w, variables), mapping)
                 for w in item["command"] + item.get("args", [])]
        return [self.env.binary(words[0])] + words[1:]

    def start(self, rewrite=None):
        for item in self.spec["containers"]:
            argv = self.command(item)
            if rewrite:
                argv = rewrite(item["name"], argv)
            self.processes[item["name"]] = Process(
                self.env, f"{self.name}-{item['name']}", argv, self.container_env[item["name"]])

    def probe(self, item, probe):
        if "exec" in probe:
            variables = self.container_env[item["name"]]
            words = [map_paths(w, self.mapping[item["name"]]) for w in probe["exec"]["command"]]
            return command_probe([self.env.binary(words[0])] + words[1:], variables)
        if "grpc" in probe:  # the kubelet's gRPC probe: plaintext grpc.health.v1
            argv = [self.env.claimctl, f"--server=127.0.0.1:{probe['grpc']['port']}",
                    "--timeout=3s", "health"]
            if "service" in probe["grpc"]:
                argv += ["--service", probe["grpc"]["service"]]
            return command_probe(argv)
        if "tcpSocket" in probe:
            return tcp_probe(probe["tcpSocket"]["port"])
        if "httpGet" in probe:
            return http_probe(probe["httpGet"]["port"], probe["httpGet"]["path"])
        raise Failure(f"unsupported probe {probe}")

    def wait_probes(self):
        running = list(self.processes.values())
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            for item in self.spec["containers"]:
                if kind in item:
                    wait_for(f"{self.name}/{item['name']} {kind}",
                             self.probe(item, item[kind]), running)
                    log(f"{self.name}/{item['name']}: {kind} passes")

    def stop(self):
        grace = self.spec.get("terminationGracePeriodSeconds", 30)
        codes = {}
        try:
            for name, process in self.processes.items():
                codes[name] = process.stop(grace)
        finally:
            for process in self.processes.values():
                process.kill()
        return codes


def kubernetes_pod_check(env, variant, kind, name, secrets, behind_proxy, ca, rewrite=None,
                         pod_name=None):
    objects = manifests.render(os.path.join(SOURCE, "deploy/kubernetes", variant))
    workload = manifests.named(objects, kind, name)
    tls_dir = secrets.get("claimd-tls")
    pod = Pod(env, variant, objects, workload["spec"]["template"], secrets,
              pod_name or f"{name}-0",
              config_mapping={"/etc/haproxy/tls": tls_dir} if tls_dir else None)
    pod.start(rewrite)
    try:
        pod.wait_probes()
        service = manifests.named(objects, "Service", name)
        port = service["spec"]["ports"][0]["port"]
        if behind_proxy:
            claimctl_roundtrip(env, f"localhost:{port}", [f"--cacert={ca}"],
                               f"{variant}-through-proxy")
        else:
            claimctl_roundtrip(env, f"127.0.0.1:{port}", [], f"{variant}-plaintext")
        check_scrape(9464)
        codes = pod.stop()
        check(codes.get("claimd") == 0, f"{variant}: claimd exited {codes} on SIGTERM:\n"
              f"{pod.processes['claimd'].text()}")
    finally:
        for process in pod.processes.values():
            process.kill()


def client_tls(env):
    ca = make_ca(env.dir("k8s-ca"))
    return ca, make_cert(env.dir("claimd-tls"), ca, "claimd", SERVER_SANS)


def scenario_kubernetes_single_node(env):
    ca, tls = client_tls(env)
    kubernetes_pod_check(env, "single-node", "StatefulSet", "claimd", {"claimd-tls": tls},
                         True, os.path.join(tls, "ca.crt"))


def scenario_kubernetes_insecure(env):
    kubernetes_pod_check(env, "insecure", "StatefulSet", "claimd", {}, False, None)


def scenario_kubernetes_replicated(env):
    objects = manifests.render(os.path.join(SOURCE, "deploy/kubernetes/replicated"))
    etcd_ca = make_ca(env.dir("etcd-ca"))
    server = make_cert(env.dir("etcd-server"), etcd_ca, "claimd-etcd-0", SERVER_SANS)
    client = make_cert(env.dir("etcd-client"), etcd_ca, "claimd", [
        "DNS:claimd"], client=True)
    with open(os.path.join(client, "endpoints"), "w") as handle:
        handle.write("127.0.0.1:2379\n")

    # One member of the etcd StatefulSet, as its pod claimd-etcd-0 runs it; the
    # peers' names are mapped to loopback and the cluster to that one member.
    etcd_set = manifests.named(objects, "StatefulSet", "claimd-etcd")

    def one_member(container, argv):
        out = []
        for word in argv:
            if word.startswith("--initial-cluster="):
                word = word.split(",")[0]
            out.append(re.sub(r"claimd-etcd-\d\.claimd-etcd", "127.0.0.1", word))
        return out

    etcd_pod = Pod(env, "etcd", objects, etcd_set["spec"]["template"],
                   {"claimd-etcd-server": server}, "claimd-etcd-0")
    etcd_pod.start(one_member)
    try:
        etcd_pod.wait_probes()
        # claimd's client Secret opens the member's mutual TLS (what the
        # Deployment's --etcd_* flags point at).
        done = run([env.binary("etcdctl"), "--endpoints=https://127.0.0.1:2379",
                    f"--cacert={client}/ca.crt", f"--cert={client}/tls.crt",
                    f"--key={client}/tls.key", "endpoint", "health"])
        check(done.returncode == 0, f"etcdctl with claimd's client Secret: {done.stderr}")
        ca, tls = client_tls(env)
        kubernetes_pod_check(env, "replicated", "Deployment", "claimd",
                             {"claimd-tls": tls, "claimd-etcd-client": client}, True,
                             os.path.join(tls, "ca.crt"), pod_name="claimd-5d9c7-x2x4q")
    finally:
        etcd_pod.stop()


# --- prometheus -----------------------------------------------------------------

def metric_values(text):
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def scenario_prometheus(env):
    promtool = env.binary("promtool")
    config = os.path.join(SOURCE, "deploy/prometheus")
    for argv in (["check", "config", os.path.join(config, "prometheus.yml")],
                 ["check", "rules", os.path.join(config, "claimd-rules.yml")],
                 ["test", "rules", os.path.join(HERE, "claimd-rules-test.yml")]):
        done = run([promtool] + argv)
        check(done.returncode == 0, f"promtool {' '.join(argv)}:\n{done.stdout}{done.stderr}")
        log(f"promtool {argv[0]} {argv[1]}: ok")

    unit = open(os.path.join(SOURCE, "deploy/systemd/claimd.service"), encoding="utf-8").read()
    words = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))
    mapping = {"/var/lib/claimd": env.dir("prometheus-state")}
    argv = [env.binary(words[0])] + [map_paths(w, mapping) for w in words[1:]]
    listen = next(w.split("=", 1)[1] for w in words if w.startswith("--listen="))
    metrics = next(w.split("=", 1)[1] for w in words if w.startswith("--metrics_listen="))
    claimd = Process(env, "prometheus-claimd", argv)
    try:
        wait_for("claimd's health", command_probe(
            [env.claimctl, f"--server={listen}", "--timeout=3s", "health"]), [claimd])
        claimctl_roundtrip(env, listen, [], "scraped")
        url = f"http://{metrics}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            get_type = response.headers["Content-Type"]
            body = response.read().decode()
        done = subprocess.run([promtool, "check", "metrics"], input=body,
                              capture_output=True, text=True, timeout=30)
        check(done.returncode == 0, f"promtool check metrics:\n{done.stdout}{done.stderr}")
        log("promtool check metrics on a real scrape: ok")
        values = metric_values(body)
        with open("/proc/stat") as handle:
            boot = float(re.search(r"^btime (\d+)$", handle.read(), re.M).group(1))
        started = values.get("process_start_time_seconds", 0)
        check(boot <= started <= time.time() + 1,
              f"process_start_time_seconds {started} is not between boot and now")
        check(0 < values.get("process_open_fds", 0) <= values.get("process_max_fds", 0),
              "process_open_fds is not between 1 and process_max_fds")
        check(values.get("process_resident_memory_bytes", 0) > 1 << 20,
              "process_resident_memory_bytes is below 1 MiB")
        check(values.get("process_virtual_memory_bytes", 0) >=
              values["process_resident_memory_bytes"], "virtual memory below resident")
        check("process_cpu_seconds_total" in values, "no process_cpu_seconds_total")
        check("# TYPE process_cpu_seconds_total counter" in body,
              "process_cpu_seconds_total is not a counter")
        # A raw HEAD, read to the connection's end: http.client would hide a body.
        host, port = metrics.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: claimd\r\n"
                               b"Connection: close\r\n\r\n")
            reply = b""
            while chunk := connection.recv(65536):
                reply += chunk
        head, _, rest = reply.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        check(lines[0].startswith("HTTP/1.1 200"), f"HEAD /metrics: {lines[0]}")
        check(headers.get("content-type") == get_type,
              f"HEAD's Content-Type {headers.get('content-type')} is not GET's {get_type}")
        length = int(headers.get("content-length", "0"))
        check(length > 1000, f"HEAD's Content-Length is {length}")
        check(rest == b"", f"HEAD /metrics sent a body of {len(rest)} bytes")
        log(f"HEAD /metrics: 200, {get_type}, Content-Length {length}, no body")
        code = claimd.stop(grace_seconds=30)
        check(code == 0, f"claimd exited {code} on SIGTERM")
    finally:
        claimd.kill()


SCENARIOS = {
    "docker": scenario_docker,
    "systemd": scenario_systemd,
    "kubernetes-single-node": scenario_kubernetes_single_node,
    "kubernetes-insecure": scenario_kubernetes_insecure,
    "kubernetes-replicated": scenario_kubernetes_replicated,
    "prometheus": scenario_prometheus,
}


def enter_namespace(argv):
    """Re-runs this script in a private network namespace with only loopback."""
    unshare = shutil.which("unshare")
    if unshare is None:
        print("entrypoints_test: SKIP: unshare (util-linux) is missing")
        return SKIP
    command = [unshare, "--net"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    done = subprocess.run(command + ["true"], capture_output=True, text=True)
    if done.returncode != 0:
        print("entrypoints_test: SKIP: cannot make a private network namespace "
              f"({done.stderr.strip()}); the deploy files' fixed ports need one")
        return SKIP
    return subprocess.run(command + [sys.executable] + argv,
                          env=dict(os.environ, **{NETNS_MARK: "1"})).returncode


def main(argv):
    if len(argv) != 3 or argv[2] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        return 2
    if os.environ.get(NETNS_MARK) != "1":
        return enter_namespace(argv)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    build_dir, scenario = os.path.abspath(argv[1]), argv[2]
    with tempfile.TemporaryDirectory(prefix=f"entrypoints-{scenario}-") as scratch:
        env = Env(build_dir, scratch)
        try:
            SCENARIOS[scenario](env)
        except Skip as reason:
            print(f"entrypoints_test: SKIP: {scenario}: {reason}")
            return SKIP
        except Failure as failure:
            print(f"entrypoints_test: FAIL: {scenario}: {failure}", file=sys.stderr)
            return 1
    log(f"{scenario}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
