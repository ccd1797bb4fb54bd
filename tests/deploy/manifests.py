"""Renders deploy/kubernetes kustomizations offline, for the deploy tests.

CI machines have no kubectl/kustomize (Debian 12's kubernetes-client is 1.20), so
this implements the part of kustomize the manifests use: `resources` (files and
directories holding a kustomization.yaml, recursively) and `patches` with an inline
`patch`: either a JSON 6902 list (add, remove, replace) applied to the objects its
`target` names, or a strategic-merge document whose `$patch: delete` removes the
object it names. Anything else in a kustomization is an error, so a manifest that
starts using more of kustomize fails here instead of being checked half-rendered.
Where `kubectl kustomize` exists, tests compare its output with this one's.
"""
import copy
import os

import yaml

SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "patches"}


class RenderError(Exception):
    pass


def _load_documents(path):
    with open(path, encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def _pointer(path):
    if not path.startswith("/"):
        raise RenderError(f"JSON pointer {path!r} does not start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _walk(doc, parts):
    node = doc
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def apply_json_patch(doc, operations):
    for operation in operations:
        parts = _pointer(operation["path"])
        parent = _walk(doc, parts[:-1])
        last = parts[-1]
        op = operation["op"]
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if op == "add":
                parent.insert(index, copy.deepcopy(operation["value"]))
            elif op == "remove":
                del parent[index]
            elif op == "replace":
                parent[index] = copy.deepcopy(operation["value"])
            else:
                raise RenderError(f"unsupported JSON patch op {op}")
        else:
            if op in ("add", "replace"):
                if op == "replace" and last not in parent:
                    raise RenderError(f"replace of missing {operation['path']}")
                parent[last] = copy.deepcopy(operation["value"])
            elif op == "remove":
                del parent[last]
            else:
                raise RenderError(f"unsupported JSON patch op {op}")


def _matches(doc, target):
    for key in ("kind", "name"):
        if key in target:
            actual = doc["kind"] if key == "kind" else doc["metadata"]["name"]
            if actual != target[key]:
                return False
    return True


def render(directory):
    """The objects `kubectl kustomize DIRECTORY` would produce (in file order)."""
    path = os.path.join(directory, "kustomization.yaml")
    kustomization = _load_documents(path)[0]
    unknown = set(kustomization) - SUPPORTED_KEYS
    if unknown:
        raise RenderError(f"{path}: unsupported keys {sorted(unknown)}")
    objects = []
    for resource in kustomization.get("resources", []):
        target = os.path.normpath(os.path.join(directory, resource))
        if os.path.isdir(target):
            objects.extend(render(target))
        elif os.path.isfile(target):
            objects.extend(_load_documents(target))
        else:
            raise RenderError(f"{path}: resource {resource} does not exist")
    for patch in kustomization.get("patches", []):
        body = yaml.safe_load(patch["patch"])
        if isinstance(body, list):
            targets = [doc for doc in objects if _matches(doc, patch["target"])]
            if not targets:
                raise RenderError(f"{path}: a patch's target matches nothing")
            for doc in targets:
                apply_json_patch(doc, body)
        elif isinstance(body, dict) and body.get("$patch") == "delete":
            name = body["metadata"]["name"]
            before = len(objects)
            objects = [doc for doc in objects
                       if not (doc["kind"] == body["kind"]
                               and doc["metadata"]["name"] == name)]
            if len(objects) == before:
                raise RenderError(f"{path}: $patch: delete matches nothing")
        else:
            raise RenderError(f"{path}: unsupported patch {patch}")
    return objects


def of_kind(objects, kind):
    return [doc for doc in objects if doc["kind"] == kind]


def named(objects, kind, name):
    for doc in objects:
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise RenderError(f"no {kind} {name}")


def container(pod_spec, name):
    for item in pod_spec["containers"]:
        if item["name"] == name:
            return item
    raise RenderError(f"no container {name}")
