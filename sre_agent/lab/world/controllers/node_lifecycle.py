"""The node lifecycle controller: a node whose kubelet stopped posting status gets the unreachable
taints and Unknown conditions, and its pods are marked for deletion once their toleration runs out
(DaemonSet pods excepted); when the kubelet is back it finishes those deletions. A cordoned node
(spec.unschedulable) carries node.kubernetes.io/unschedulable:NoSchedule, as TaintNodesByCondition
adds it on a real cluster, and loses it on uncordon."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import rfc3339
from ..context import ClusterContext
from .common import is_terminating, owner_kind, write_status

UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
EVICTION_AFTER_S = 300  # default tolerationSeconds for not-ready/unreachable
# A healthy kubelet's pressure conditions: (reason, message), as the kubelet words them.
NO_PRESSURE = {
    "MemoryPressure": ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
}


def reconcile_nodes(world: ClusterContext, now: datetime) -> None:
    for node in world.list("Node"):
        name = node["metadata"]["name"]
        fault = world.node_faults.get(name)
        held = node["spec"].get("taints") or []
        taints = [t for t in held if t.get("key") not in (UNREACHABLE_TAINT, UNSCHEDULABLE_TAINT)]
        if node["spec"].get("unschedulable"):
            cordoned = next((t for t in held if t.get("key") == UNSCHEDULABLE_TAINT), None)
            taints.append(cordoned or {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule", "timeAdded": rfc3339(now)})
        if fault is not None:
            taints += [{"key": UNREACHABLE_TAINT, "effect": "NoSchedule", "timeAdded": rfc3339(fault)},
                       {"key": UNREACHABLE_TAINT, "effect": "NoExecute", "timeAdded": rfc3339(fault)}]
        if taints != held:
            was_unreachable = any(t.get("key") == UNREACHABLE_TAINT for t in held)
            node["spec"]["taints"] = taints
            node["metadata"].pop("resourceVersion", None)
            node = world.store.replace(node)
            if fault is not None and not was_unreachable:  # (only the cordon taint moved: no readiness change)
                world.events.record(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady", fault,
                                    component="node-controller")
            elif fault is None and was_unreachable:
                world.events.record(node, "NodeReady", f"Node {name} status is now: NodeReady", now,
                                    component="kubelet", host=name)
        status = dict(node.get("status") or {})
        before = {c.get("type"): c for c in status.get("conditions") or []}
        conditions = []
        # With node leases a kubelet re-posts an unchanged status every 5 minutes (nodeStatusReportFrequency).
        heartbeat = rfc3339(fault if fault else now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0))
        wanted = [(ctype, "Unknown" if fault else "False", "NodeStatusUnknown" if fault else reason,
                   "Kubelet stopped posting node status." if fault else message)
                  for ctype, (reason, message) in NO_PRESSURE.items()]
        wanted.append(("Ready", "Unknown" if fault else "True", "NodeStatusUnknown" if fault else "KubeletReady",
                       "Kubelet stopped posting node status." if fault else "kubelet is posting ready status"))
        for ctype, cstatus, reason, message in wanted:
            conditions.append({"type": ctype, "status": cstatus, "reason": reason, "message": message,
                               "lastHeartbeatTime": heartbeat,
                               "lastTransitionTime": _transition(before.get(ctype), cstatus, node, fault, now)})
        status["conditions"] = conditions
        write_status(world, node, status)


def _transition(previous: dict | None, status: str, node: dict, fault: datetime | None, now: datetime) -> str:
    """Every node condition carries lastTransitionTime (clients read a missing one as 0001-01-01): kept
    while the status holds, else the moment it flipped -- the kubelet's silence, or its return."""
    if previous and previous.get("status") == status and previous.get("lastTransitionTime"):
        return previous["lastTransitionTime"]
    if previous is None:
        return rfc3339(fault) if fault else node["metadata"]["creationTimestamp"]
    return rfc3339(fault if fault else now)


def evict_from_unreachable_nodes(world: ClusterContext, now: datetime) -> bool:
    """The node lifecycle controller: pods on a node gone for > tolerationSeconds are marked for deletion."""
    changed = False
    for pod in world.list("Pod"):
        node = pod["spec"].get("nodeName")
        fault = world.node_faults.get(node) if node else None
        if fault is None:
            if node and is_terminating(pod) and pod["metadata"].get("annotations", {}).get("sre-lab/evicted-from") == node:
                world.delete_pod(pod)  # the kubelet is back and finishes the deletion
                changed = True
            continue
        if is_terminating(pod) or (now - fault).total_seconds() < EVICTION_AFTER_S:
            continue
        if owner_kind(pod) == "DaemonSet":
            continue  # DaemonSet pods tolerate unreachable nodes
        pod["metadata"]["deletionTimestamp"] = rfc3339(fault + timedelta(seconds=EVICTION_AFTER_S))
        pod["metadata"]["deletionGracePeriodSeconds"] = 30
        pod["metadata"].setdefault("annotations", {})["sre-lab/evicted-from"] = node
        pod["metadata"].pop("resourceVersion", None)
        world.store.replace(pod)
        world.events.record(pod, "TaintManagerEviction",
                            f"Marking for deletion Pod {pod['metadata']['namespace']}/{pod['metadata']['name']}",
                            fault + timedelta(seconds=EVICTION_AFTER_S), component="taint-eviction-controller")
        changed = True
    return changed
