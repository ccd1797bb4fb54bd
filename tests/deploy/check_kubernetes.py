#!/usr/bin/python3
"""Structural check of deploy/kubernetes/*.yaml (run by tests/deploy/deploy_test.cc).

Parses every document with PyYAML (Debian's python3-yaml) and checks what the
manifests promise: one StatefulSet replica with a volume claim template, gRPC
health probes, resources, scrape annotations, Services and a NetworkPolicy whose
selectors match the pod, and a kustomization naming files that exist. Prints
"ok" or exits non-zero with the first problem.
"""
import os
import sys

import yaml


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def main(paths):
    docs = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for doc in yaml.safe_load_all(handle):
                if doc is None:
                    continue
                check(isinstance(doc, dict), f"{path}: a document is not a mapping")
                for key in ("apiVersion", "kind"):
                    check(key in doc, f"{path}: a document has no {key}")
                if doc["kind"] != "Kustomization":
                    check("name" in doc.get("metadata", {}),
                          f"{path}: {doc['kind']} has no metadata.name")
                docs.append((path, doc))

    def of_kind(kind):
        return [doc for _, doc in docs if doc["kind"] == kind]

    sets = of_kind("StatefulSet")
    check(len(sets) == 1, "expected exactly one StatefulSet")
    spec = sets[0]["spec"]
    check(spec.get("replicas") == 1, "the StatefulSet must have exactly 1 replica")
    pod = spec["template"]
    labels = pod["metadata"]["labels"]
    for key, value in spec["selector"]["matchLabels"].items():
        check(labels.get(key) == value, "the selector does not match the pod labels")
    annotations = pod["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/scrape") == "true", "no scrape annotation")
    check(annotations.get("prometheus.io/port") == "9464", "scrape port is not 9464")
    containers = pod["spec"]["containers"]
    check(len(containers) == 1, "expected one container")
    container = containers[0]
    port_names = {port["name"]: port["containerPort"] for port in container["ports"]}
    check(port_names.get("grpc") == 50051, "no grpc port 50051")
    check(port_names.get("metrics") == 9464, "no metrics port 9464")
    for probe in ("livenessProbe", "readinessProbe"):
        check(container.get(probe, {}).get("grpc", {}).get("port") == 50051,
              f"{probe} is not a gRPC probe on 50051")
    resources = container.get("resources", {})
    check("requests" in resources and "limits" in resources, "no requests and limits")
    check("--metrics_listen=0.0.0.0:9464" in container["args"],
          "claimd's metrics are not on the scraped port")
    claim_names = {t["metadata"]["name"] for t in spec["volumeClaimTemplates"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    data_mounts = [name for name in mounts if name in claim_names]
    check(data_mounts, "no volume claim template is mounted")
    check(f"--data_dir={mounts[data_mounts[0]]}" in container["args"],
          "--data_dir is not the mounted volume claim")
    check(pod["spec"].get("securityContext", {}).get("runAsNonRoot") is True,
          "the pod does not run as non-root")

    services = of_kind("Service")
    check(services, "no Service")
    check(sets[0]["spec"]["serviceName"] in {s["metadata"]["name"] for s in services},
          "serviceName names no Service")
    for service in services:
        for key, value in service["spec"]["selector"].items():
            check(labels.get(key) == value,
                  f"Service {service['metadata']['name']} does not select the pod")
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            check(target in port_names or target in port_names.values(),
                  f"Service {service['metadata']['name']}: no container port {target}")

    policies = of_kind("NetworkPolicy")
    check(policies, "no NetworkPolicy")
    for key, value in policies[0]["spec"]["podSelector"]["matchLabels"].items():
        check(labels.get(key) == value, "the NetworkPolicy does not select the pod")

    for path, doc in docs:
        if doc["kind"] == "Kustomization":
            for resource in doc["resources"]:
                check(os.path.exists(os.path.join(os.path.dirname(path), resource)),
                      f"{path}: {resource} does not exist")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
