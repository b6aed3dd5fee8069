"""The Endpoints controller: each Service's Endpoints follow its selector and its pods'
readiness (ready and not-ready addresses, target ports resolved)."""

from __future__ import annotations

from ..context import ClusterContext
from .common import is_terminating


def reconcile_endpoints(world: ClusterContext) -> bool:
    """Endpoints follow Service selectors and pod readiness; True when any Endpoints changed."""
    changed = False
    for service in world.list("Service"):
        selector = service["spec"].get("selector")
        if not selector:
            continue
        namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
        ready, not_ready = [], []
        for pod in world.pods_in(namespace):
            if is_terminating(pod) or not pod["status"].get("podIP"):
                continue
            if any((pod["metadata"].get("labels") or {}).get(k) != v for k, v in selector.items()):
                continue
            address = {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
                       "targetRef": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": namespace,
                                     "uid": pod["metadata"]["uid"]}}
            (ready if world.pod_ready(pod) else not_ready).append(address)
        ports = []
        for port in service["spec"].get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            ports.append({"name": port.get("name"), "port": target if isinstance(target, int) else port.get("port"),
                          "protocol": port.get("protocol", "TCP")})
        subsets = []
        if ready or not_ready:
            subset: dict = {"ports": ports}
            if ready:
                subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
            if not_ready:
                subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
            subsets.append(subset)
        existing = world.informer.get("Endpoints", namespace, name)
        body = {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": name, "namespace": namespace, "labels": dict(service["metadata"].get("labels") or {})},
                "subsets": subsets}
        if existing is None:
            world.store.create(body)
            changed = True
        elif existing.get("subsets") != subsets:
            existing["subsets"] = subsets
            existing["metadata"].pop("resourceVersion", None)
            world.store.replace(existing)
            changed = True
    return changed
