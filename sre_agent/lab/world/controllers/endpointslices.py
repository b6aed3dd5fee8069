"""The EndpointSlice controller: each Service's Endpoints mirrored into `discovery.k8s.io/v1`
EndpointSlices, which is what `kubectl describe service` reads for its `Endpoints:` line. One slice
per Endpoints subset (one per Service in the usual case), named `<service>-<suffix>` with a suffix
stable per Service, labelled as kube-controller-manager labels them; ready addresses are
`ready`/`serving`, not-ready ones neither. A Service whose Endpoints are empty keeps one slice with
no endpoints and no ports, as the real controller's placeholder slice."""

from __future__ import annotations

import random

from ...kube.identity import uuid4
from ..context import ClusterContext
from .common import name_suffix

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"


def slice_name(namespace: str, service: str, index: int = 0) -> str:
    """`<service>-<5 chars>`, stable per Service (and per subset beyond the first)."""
    seed = f"endpointslice/{namespace}/{service}" + (f"/{index}" if index else "")
    return f"{service}-{name_suffix(seed)}"


def _endpoint(address: dict, ready: bool) -> dict:
    entry: dict = {"addresses": [address["ip"]],
                   "conditions": {"ready": ready, "serving": ready, "terminating": False}}
    if address.get("targetRef"):
        entry["targetRef"] = dict(address["targetRef"])
    if address.get("nodeName"):
        entry["nodeName"] = address["nodeName"]
    return entry


def slice_bodies(endpoints: dict, service: dict) -> list[dict]:
    """The EndpointSlices mirroring one Endpoints object of `service`."""
    namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
    labels = {**(service["metadata"].get("labels") or {}), SERVICE_NAME: name, MANAGED_BY: CONTROLLER}
    owner = {"apiVersion": "v1", "kind": "Service", "name": name, "uid": service["metadata"]["uid"],
             "controller": True, "blockOwnerDeletion": True}
    subsets = endpoints.get("subsets") or [{}]
    bodies = []
    for index, subset in enumerate(subsets):
        items = [_endpoint(a, True) for a in subset.get("addresses") or []]
        items += [_endpoint(a, False) for a in subset.get("notReadyAddresses") or []]
        ports = [{"name": p.get("name") or "", "port": p["port"], "protocol": p.get("protocol", "TCP")}
                 for p in subset.get("ports") or []]
        bodies.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                       "metadata": {"name": slice_name(namespace, name, index), "namespace": namespace,
                                    "labels": labels, "ownerReferences": [owner]},
                       "addressType": "IPv4", "endpoints": items, "ports": ports or None})
    return bodies


def reconcile_endpointslices(world: ClusterContext) -> bool:
    """Slices follow the Endpoints controller's output; True when any slice changed."""
    changed = False
    wanted: set[tuple[str, str]] = set()
    for endpoints in world.list("Endpoints"):
        namespace, name = endpoints["metadata"]["namespace"], endpoints["metadata"]["name"]
        service = world.informer.get("Service", namespace, name)
        if service is None or not service["spec"].get("selector"):
            continue
        for body in slice_bodies(endpoints, service):
            key = (namespace, body["metadata"]["name"])
            wanted.add(key)
            existing = world.informer.get("EndpointSlice", *key)
            if existing is None:  # a uid of its own: the store's seeded uids (and names) stay as they were
                world.store.create(body, uid=uuid4(random.Random(f"{service['metadata']['uid']}/{key[1]}")))
                changed = True
            elif any(existing.get(f) != body[f] for f in ("endpoints", "ports")) or \
                    existing["metadata"].get("labels") != body["metadata"]["labels"]:
                existing.update(endpoints=body["endpoints"], ports=body["ports"])
                existing["metadata"]["labels"] = body["metadata"]["labels"]
                existing["metadata"].pop("resourceVersion", None)
                world.store.replace(existing)
                changed = True
    for eps in world.list("EndpointSlice"):
        meta = eps["metadata"]
        if (meta.get("labels") or {}).get(MANAGED_BY) == CONTROLLER and (meta["namespace"], meta["name"]) not in wanted:
            world.store.delete("EndpointSlice", meta["namespace"], meta["name"])
            changed = True
    return changed
