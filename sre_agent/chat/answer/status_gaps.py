"""What a workload's status says beyond its own spec: the nodes a DaemonSet has no ready pod on (and whether that is the
node's fault), a Pending pod's claims that are not bound (the scheduler only says "unbound"; the claim says why), and
the workloads that call the Services in front of it (what a scale to zero leaves failing)."""

from __future__ import annotations

from ...brains.offline.daemonsets import untolerated
from ..ask import Ask
from .pods import pod_trouble


async def daemonset_gaps(ask: Ask, pods: list[dict]) -> tuple[list[str], list[str]]:
    """The nodes a DaemonSet (whose pods are `pods`) has no ready pod on, with each node's own readiness: where it is
    missing, and why that may be the node's fault rather than the DaemonSet's. (lines, those nodes' ids)"""
    ready_on = {p.get("node") for p in pods if pod_trouble(p) is None and p.get("node")}
    nodes = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 5000})
    gaps = sorted((n for n in (nodes.data or {}).get("items") or [] if n.get("name") not in ready_on),
                  key=lambda n: str(n.get("ready")) == "True")  # a NotReady node first: the likelier reason
    # (a tainted node may be one the DaemonSet does not tolerate: its taints are shown, not judged)
    lines = [f"no ready pod on node {n.get('name')} (node Ready={n.get('ready')}"
             + (", NotReady" if str(n.get("ready")) != "True" else "")
             + (f", taints {n.get('taints')}" if n.get("taints") else "") + ")" for n in gaps[:20]]
    return lines, [f"Node/{n.get('name')}" for n in gaps[:20]]


async def unbound_claims(ask: Ask, namespace: str | None, spec: dict, trouble: list[str]) -> list[str]:
    """A Pending pod's claims that are not Bound, each with its class and the provisioner's warning: the scheduler
    only says "unbound immediate PersistentVolumeClaims", the claim says why."""
    lines = []
    for volume in spec.get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if not claim:
            continue
        read = await ask.call("kubernetes", "describe", {"kind": "PersistentVolumeClaim", "name": claim,
                                                         "namespace": namespace or "default"})
        obj = (read.data or {}).get("object") or {}
        phase = (obj.get("status") or {}).get("phase")
        if read.error is not None or phase == "Bound":
            continue
        warnings = [f"{e.get('reason')}: {e.get('message')}" for e in (read.data or {}).get("events") or [] if e.get("type") == "Warning"]
        line = (f"its claim {claim} is {phase or 'not bound'} (storage class {(obj.get('spec') or {}).get('storageClassName')})"
                + (f": {warnings[0]}" if warnings else ""))
        lines.append(line)
        trouble.insert(0, line)
    return lines


async def service_callers(ask: Ask, namespace: str, services: list[str]) -> list[str]:
    """The workloads whose settings name one of these Services of `namespace` (the ownership walk's called_by)."""
    found: list[str] = []
    for service in services[:2]:
        walk = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": service.split("/")[-1],
                                                         "namespace": namespace})
        found += [str(c) for c in (walk.data or {}).get("called_by") or []]
    return list(dict.fromkeys(found))


async def untolerated_nodes(ask: Ask, pods: list[dict], pod_spec: dict) -> list[str]:
    """The Ready nodes a DaemonSet has no pod on whose NoSchedule/NoExecute taint its pods do not tolerate: the
    controller places none there and its status ("6/6 ready") counts only the nodes it fits -- said, so a count that
    reads healthy is never taken for coverage. Each line names the node, its group and the taint."""
    on = {p.get("node") for p in pods if p.get("node")}
    tolerations = pod_spec.get("tolerations") or []
    nodes = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 5000})
    lines = []
    for node in (nodes.data or {}).get("items") or []:
        if node.get("name") not in on and (kept := untolerated(node, tolerations)):
            group = next((str(v) for k, v in (node.get("labels") or {}).items() if k.endswith("nodegroup")), "")
            lines.append(f"no pod on node {node.get('name')}" + (f" (node group {group})" if group else "")
                         + f": its taint {', '.join(kept)} is not tolerated, so the DaemonSet places none there")
    return lines
