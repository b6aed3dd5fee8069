"""The Endpoints controller: each Service's Endpoints follow its selector and its pods'
readiness (ready and not-ready addresses), with target ports resolved per pod as the real
controller does (and a deleted Service's Endpoints deleted with it): a numeric targetPort is listed
as it is (whether anything listens there is found out at connect time), a named one is looked up in
the pod's container ports -- a pod without that name is left out -- and pods that resolve to
different numbers land in different subsets."""

from __future__ import annotations

from ..context import ClusterContext
from .common import is_terminating


def resolve_ports(service: dict, pod: dict) -> tuple[tuple[str | None, int, str], ...] | None:
    """(name, port, protocol) of each Service port for this pod; None when a named port is missing."""
    named = {(p.get("name"), p.get("protocol", "TCP")): p.get("containerPort")
             for c in pod["spec"].get("containers") or [] for p in c.get("ports") or [] if p.get("name")}
    resolved = []
    for port in service["spec"].get("ports") or []:
        target, protocol = port.get("targetPort", port.get("port")), port.get("protocol", "TCP")
        if isinstance(target, str) and not target.isdigit():
            number = named.get((target, protocol))
            if number is None:
                return None  # the endpoints controller: "Failed to find port for service"
        else:
            number = int(target)
        resolved.append((port.get("name"), int(number), protocol))
    return tuple(resolved)


def reconcile_endpoints(world: ClusterContext) -> bool:
    """Endpoints follow Service selectors and pod readiness; True when any Endpoints changed."""
    changed = False
    for service in world.list("Service"):
        selector = service["spec"].get("selector")
        if not selector:
            continue
        namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
        groups: dict[tuple, tuple[list, list]] = {}
        for pod in world.pods_in(namespace):
            if is_terminating(pod) or not pod["status"].get("podIP"):
                continue
            if any((pod["metadata"].get("labels") or {}).get(k) != v for k, v in selector.items()):
                continue
            ports = resolve_ports(service, pod)
            if ports is None:
                continue
            address = {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
                       "targetRef": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": namespace,
                                     "uid": pod["metadata"]["uid"]}}
            ready, not_ready = groups.setdefault(ports, ([], []))
            (ready if world.pod_ready(pod) else not_ready).append(address)
        subsets = []
        for ports, (ready, not_ready) in sorted(groups.items(), key=lambda item: [p[1] for p in item[0]]):
            subset: dict = {"ports": [{"name": n, "port": number, "protocol": protocol} for n, number, protocol in ports]}
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
    for endpoints in world.list("Endpoints"):  # the real controller deletes a deleted Service's Endpoints: its name
        namespace, name = endpoints["metadata"]["namespace"], endpoints["metadata"]["name"]  # no longer resolves
        if world.informer.get("Service", namespace, name) is None:
            world.store.delete("Endpoints", namespace, name)
            changed = True
    return changed
