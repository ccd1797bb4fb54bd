#!/usr/bin/python3
"""Structural check of the Kubernetes variants under deploy/kubernetes.

Usage: check_kubernetes.py KUBERNETES_DIR
       check_kubernetes.py --haproxy-copy KUBERNETES_DIR HAPROXY_CFG
       check_kubernetes.py --sync-haproxy KUBERNETES_DIR HAPROXY_CFG

Renders each variant (manifests.py, kustomize's subset) and checks what the
manifests promise: single-node is one StatefulSet replica with its volume claim
where --data_dir points; replicated is 3 claimd replicas with anti-affinity, a
PodDisruptionBudget and gRPC readiness probes over a 3-member etcd StatefulSet;
claimd listens on loopback behind a haproxy sidecar (TLS from a Secret) everywhere
but in the overlay named insecure; every volume, Service and NetworkPolicy hangs
together. (tests/deploy/entrypoints_test.py runs what they start.) Prints "ok" or
exits non-zero with the first problem.

--haproxy-copy: the ConfigMap's haproxy.cfg equals HAPROXY_CFG byte for byte.
--sync-haproxy: rewrites the ConfigMap from HAPROXY_CFG (for a maintainer).
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import manifests  # noqa: E402

# Secrets the READMEs tell the operator to create (they hold keys, so they are
# never in the repository).
SECRETS = {"claimd-tls", "claimd-etcd-client", "claimd-etcd-server"}
CONFIGMAP_FILE = "haproxy/configmap.yaml"


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def flag(args, name):
    """The value of --name=VALUE in args, or None."""
    for arg in args:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def check_pod(variant, objects, template, behind_proxy, claims=()):
    labels = template["metadata"]["labels"]
    spec = template["spec"]
    check(spec.get("securityContext", {}).get("runAsNonRoot") is True,
          f"{variant}: the pod does not run as non-root")
    annotations = template["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/scrape") == "true",
          f"{variant}: no scrape annotation")
    claimd = manifests.container(spec, "claimd")
    args = claimd["args"]
    check(flag(args, "metrics_listen") == f"0.0.0.0:{annotations['prometheus.io/port']}",
          f"{variant}: claimd's metrics are not on the scraped port")
    ports = {}
    for item in spec["containers"]:
        for port in item.get("ports", []):
            ports[port["name"]] = port["containerPort"]
        check("requests" in item.get("resources", {})
              and "limits" in item.get("resources", {}),
              f"{variant}: container {item['name']} has no requests and limits")
        context = item.get("securityContext", {})
        check(context.get("readOnlyRootFilesystem") is True
              and context.get("allowPrivilegeEscalation") is False,
              f"{variant}: container {item['name']} is not locked down")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for item in spec["containers"]:
        for mount in item.get("volumeMounts", []):
            check(mount["name"] in volumes
                  or mount["name"] in {t["metadata"]["name"] for t in claims},
                  f"{variant}: {item['name']} mounts unknown volume {mount['name']}")
    for volume in volumes.values():
        if "configMap" in volume:
            manifests.named(objects, "ConfigMap", volume["configMap"]["name"])
        if "secret" in volume:
            check(volume["secret"]["secretName"] in SECRETS,
                  f"{variant}: undocumented Secret {volume['secret']['secretName']}")
    readiness = claimd.get("readinessProbe", {}).get("grpc", {})
    check(readiness.get("service") == "claims.v1.ClaimService",
          f"{variant}: readiness is not gRPC health of claims.v1.ClaimService")
    check(readiness.get("port") in ports.values(),
          f"{variant}: the readiness probe's port is no container port")
    listen = flag(args, "listen")
    if behind_proxy:
        check(listen == "127.0.0.1:50052", f"{variant}: claimd is not on loopback:50052")
        check("--insecure" not in args, f"{variant}: --insecure outside the insecure overlay")
        haproxy = manifests.container(spec, "haproxy")
        check(ports.get("grpc") == 50051, f"{variant}: haproxy serves no grpc port 50051")
        check(readiness.get("port") == ports.get("grpc-health") == 50053,
              f"{variant}: readiness does not use haproxy's health port 50053")
        mounts = {m["mountPath"]: m for m in haproxy["volumeMounts"]}
        config = mounts.get(haproxy["command"][-1])
        check(config is not None and "configMap" in volumes[config["name"]],
              f"{variant}: haproxy's -f file is not mounted from the ConfigMap")
        tls = mounts.get("/etc/haproxy/tls")
        check(tls is not None and volumes[tls["name"]]["secret"]["secretName"] == "claimd-tls",
              f"{variant}: haproxy's certificate is not the Secret claimd-tls")
    else:
        check(listen == "0.0.0.0:50051" and "--insecure" in args,
              f"{variant}: the insecure overlay does not serve plaintext on 50051")
        check(all(c["name"] != "haproxy" for c in spec["containers"]),
              f"{variant}: the insecure overlay still has the haproxy sidecar")
        check(not manifests.of_kind(objects, "ConfigMap"),
              f"{variant}: the insecure overlay still ships the haproxy ConfigMap")
    for service in manifests.of_kind(objects, "Service"):
        selector = service["spec"]["selector"]
        if selector.get("app.kubernetes.io/name") != labels["app.kubernetes.io/name"]:
            continue
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            check(target in ports or target in ports.values(),
                  f"{variant}: Service {service['metadata']['name']}: no container port {target}")
    policies = [p for p in manifests.of_kind(objects, "NetworkPolicy")
                if p["spec"]["podSelector"]["matchLabels"] == {
                    "app.kubernetes.io/name": labels["app.kubernetes.io/name"]}]
    check(policies, f"{variant}: no NetworkPolicy selects the claimd pods")
    allowed = {p["port"] for rule in policies[0]["spec"]["ingress"] for p in rule["ports"]}
    check(allowed == {50051, 9464}, f"{variant}: the NetworkPolicy opens {allowed}")
    return claimd


def check_single_node(root):
    objects = manifests.render(os.path.join(root, "single-node"))
    sets = manifests.of_kind(objects, "StatefulSet")
    check(len(sets) == 1, "single-node: expected exactly one StatefulSet")
    spec = sets[0]["spec"]
    check(spec.get("replicas") == 1, "the StatefulSet must have exactly 1 replica")
    template = spec["template"]
    claimd = check_pod("single-node", objects, template, behind_proxy=True,
                       claims=spec["volumeClaimTemplates"])
    for key, value in spec["selector"]["matchLabels"].items():
        check(template["metadata"]["labels"].get(key) == value,
              "single-node: the selector does not match the pod labels")
    claim_names = {t["metadata"]["name"] for t in spec["volumeClaimTemplates"]}
    mounts = {m["name"]: m["mountPath"] for m in claimd["volumeMounts"]}
    data = [name for name in mounts if name in claim_names]
    check(data, "single-node: no volume claim template is mounted")
    check(flag(claimd["args"], "data_dir") == mounts[data[0]],
          "--data_dir is not the mounted volume claim")
    check(spec["serviceName"] in {s["metadata"]["name"]
                                  for s in manifests.of_kind(objects, "Service")},
          "single-node: serviceName names no Service")
    return objects


def check_insecure(root):
    objects = manifests.render(os.path.join(root, "insecure"))
    spec = manifests.of_kind(objects, "StatefulSet")[0]["spec"]
    check_pod("insecure", objects, spec["template"], behind_proxy=False,
              claims=spec["volumeClaimTemplates"])
    return objects


def check_replicated(root):
    objects = manifests.render(os.path.join(root, "replicated"))
    deployment = manifests.named(objects, "Deployment", "claimd")
    spec = deployment["spec"]
    check(spec.get("replicas") == 3, "replicated: expected 3 claimd replicas")
    template = spec["template"]
    claimd = check_pod("replicated", objects, template, behind_proxy=True)
    args = claimd["args"]
    check(flag(args, "store") == "etcd", "replicated: claimd does not use --store=etcd")
    check(flag(args, "etcd_prefix") == "/claimd/", "replicated: --etcd_prefix is not /claimd/")
    mounts = {m["mountPath"]: m["name"] for m in claimd["volumeMounts"]}
    for name in ("etcd_cacert", "etcd_cert", "etcd_key"):
        value = flag(args, name)
        check(value and os.path.dirname(value) in mounts,
              f"replicated: --{name} is not in a mounted volume")
    env = {e["name"]: e for e in claimd["env"]}
    check(flag(args, "etcd_endpoints") == "$(ETCD_ENDPOINTS)"
          and env["ETCD_ENDPOINTS"]["valueFrom"]["secretKeyRef"]["name"] == "claimd-etcd-client",
          "replicated: etcd's endpoints do not come from the Secret claimd-etcd-client")
    terms = template["spec"]["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"]
    check(terms[0]["podAffinityTerm"]["labelSelector"]["matchLabels"]
          == template["metadata"]["labels"], "replicated: anti-affinity selects other pods")
    budgets = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]: b
               for b in manifests.of_kind(objects, "PodDisruptionBudget")}
    check(budgets.get("claimd", {}).get("spec", {}).get("minAvailable") == 2,
          "replicated: no PodDisruptionBudget keeping 2 claimd replicas")
    check(budgets.get("claimd-etcd", {}).get("spec", {}).get("minAvailable") == 2,
          "replicated: no PodDisruptionBudget keeping etcd's quorum")
    etcd = manifests.named(objects, "StatefulSet", "claimd-etcd")
    check(etcd["spec"]["replicas"] == 3, "replicated: etcd needs 3 members")
    etcd_args = manifests.container(etcd["spec"]["template"]["spec"], "etcd")["args"]
    members = flag(etcd_args, "initial-cluster").split(",")
    check(len(members) == 3, "replicated: --initial-cluster does not name 3 members")
    service = manifests.named(objects, "Service", etcd["spec"]["serviceName"])
    for index, member in enumerate(members):
        check(member == f"claimd-etcd-{index}=https://claimd-etcd-{index}."
                        f"{service['metadata']['name']}:2380",
              f"replicated: member {member} is not a pod of the StatefulSet")
    return objects


def compare_with_kubectl(root, variant, objects):
    """Where kubectl exists, our rendering must equal kustomize's."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return
    done = subprocess.run([kubectl, "kustomize", os.path.join(root, variant)],
                          capture_output=True, text=True, timeout=60)
    check(done.returncode == 0, f"kubectl kustomize {variant}: {done.stderr}")
    import yaml
    theirs = [d for d in yaml.safe_load_all(done.stdout) if d is not None]

    def canonical(docs):
        clean = []
        for doc in docs:
            clean.append(json.dumps(doc, sort_keys=True))
        return sorted(clean)

    check(canonical(objects) == canonical(theirs),
          f"{variant}: manifests.py renders differently from kubectl kustomize")


def configmap_copy(root):
    objects = manifests.render(os.path.join(root, "haproxy"))
    return manifests.named(objects, "ConfigMap", "claimd-haproxy")["data"]["haproxy.cfg"]


def main(argv):
    if len(argv) == 4 and argv[1] == "--haproxy-copy":
        with open(argv[3], encoding="utf-8") as handle:
            source = handle.read()
        check(configmap_copy(argv[2]) == source,
              f"{CONFIGMAP_FILE} differs from {argv[3]}: run "
              f"tests/deploy/check_kubernetes.py --sync-haproxy {argv[2]} {argv[3]}")
        print("ok")
        return
    if len(argv) == 4 and argv[1] == "--sync-haproxy":
        with open(argv[3], encoding="utf-8") as handle:
            source = handle.read()
        path = os.path.join(argv[2], CONFIGMAP_FILE)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        head = text[:text.index("  haproxy.cfg: |\n") + len("  haproxy.cfg: |\n")]
        body = "".join(f"    {line}" if line.strip() else "\n"
                       for line in source.splitlines(keepends=True))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(head + body)
        check(configmap_copy(argv[2]) == source, "the synced copy does not round-trip")
        print(f"synced {path}")
        return
    if len(argv) != 2:
        fail(__doc__)
    root = argv[1]
    try:
        rendered = {
            "single-node": check_single_node(root),
            "insecure": check_insecure(root),
            "replicated": check_replicated(root),
        }
    except (manifests.RenderError, KeyError, IndexError, TypeError) as error:
        fail(f"malformed manifests: {error!r}")
    for variant, objects in rendered.items():
        compare_with_kubectl(root, variant, objects)
    print("ok")


if __name__ == "__main__":
    main(sys.argv)
