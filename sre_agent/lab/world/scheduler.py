"""The default scheduler's filters: node readiness, cordons, taints and tolerations, nodeSelector,
required node affinity, resource requests against allocatable (extended resources such as
nvidia.com/gpu too), inter-pod affinity and anti-affinity (affinity.py), and bound PVCs -- with the
FailedScheduling message a real scheduler writes ("0/3 nodes are available: ...")."""

from __future__ import annotations

from collections import Counter

from ..kube.quantity import cpu_millicores, memory_mib
from ..kube.selectors import matches_labels
from .affinity import ANTI_AFFINITY, EXISTING_ANTI_AFFINITY, Placement, extended_requests, extended_shortage
from .context import ClusterContext
from .controllers.common import pod_requests


def _tolerates(tolerations: list[dict], taint: dict) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
            continue
        operator = toleration.get("operator", "Equal")
        if operator == "Exists" and (not toleration.get("key") or toleration["key"] == taint.get("key")):
            return True
        if operator == "Equal" and toleration.get("key") == taint.get("key") and \
                toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def _node_affinity_ok(pod_spec: dict, labels: dict) -> bool:
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    return any(matches_labels({"matchExpressions": term.get("matchExpressions") or []}, labels) for term in terms)


def node_accepts(node: dict, pod_spec: dict, daemon: bool = False, usage: dict | None = None,
                 requests: tuple[float, float] = (0.0, 0.0)) -> str | None:
    """None when the pod may run on the node, else the scheduler's reason fragment."""
    labels = node["metadata"].get("labels") or {}
    tolerations = list(pod_spec.get("tolerations") or [])
    if not daemon and node["spec"].get("unschedulable"):
        return "node(s) were unschedulable"
    for taint in node["spec"].get("taints") or []:
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if daemon and taint.get("key", "").startswith("node.kubernetes.io/"):
            continue  # DaemonSet pods get tolerations for node-condition taints automatically
        if not _tolerates(tolerations, taint):
            value = taint.get("value", "")
            return f"node(s) had untolerated taint {{{taint.get('key')}: {value}}}"
    selector = pod_spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()) or not _node_affinity_ok(pod_spec, labels):
        return "node(s) didn't match Pod's node affinity/selector"
    if usage is not None:
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        free_cpu = cpu_millicores(allocatable.get("cpu", "0")) - usage.get("cpu", 0.0)
        free_mem = memory_mib(allocatable.get("memory", "0")) - usage.get("memory", 0.0)
        if requests[0] > free_cpu:
            return "Insufficient cpu"
        if requests[1] > free_mem:
            return "Insufficient memory"
    return None


class Scheduler:
    def __init__(self, world: ClusterContext) -> None:
        self.world = world

    def schedule(self, now) -> bool:
        world = self.world
        pending = [p for p in world.list("Pod") if not p["spec"].get("nodeName")
                   and not p["metadata"].get("deletionTimestamp")]
        if not pending:
            return False
        nodes = world.list("Node")
        usage: dict[str, dict[str, float]] = {n["metadata"]["name"]: {"cpu": 0.0, "memory": 0.0} for n in nodes}
        extended: dict[str, dict[str, float]] = {name: {} for name in usage}  # nvidia.com/gpu, ... in use
        running = []
        for pod in world.list("Pod"):
            node_name = pod["spec"].get("nodeName")
            if node_name in usage and pod["status"].get("phase") not in ("Succeeded", "Failed"):
                req = pod_requests(pod)
                usage[node_name]["cpu"] += req["requests.cpu"]
                usage[node_name]["memory"] += req["requests.memory"]
                for name, amount in extended_requests(pod).items():
                    extended[node_name][name] = extended[node_name].get(name, 0.0) + amount
                if not pod["metadata"].get("deletionTimestamp"):
                    running.append(pod)
        placement = Placement(nodes, running)
        changed = False
        for pod in sorted(pending, key=lambda p: p["metadata"]["creationTimestamp"]):
            namespace = pod["metadata"]["namespace"]
            unbound = self._unbound_claim(pod)
            req = pod_requests(pod)
            requests = (req["requests.cpu"], req["requests.memory"])
            wanted = extended_requests(pod)
            reasons: Counter[str] = Counter()
            chosen = None
            if unbound is None:
                candidates = []
                for node in nodes:
                    name = node["metadata"]["name"]
                    reason = (node_accepts(node, pod["spec"], usage=usage[name], requests=requests)
                              or extended_shortage(node, extended[name], wanted) or placement.reason(pod, node))
                    if reason is None:
                        candidates.append(node)
                    else:
                        reasons[reason] += 1
                if candidates:
                    # Preferred inter-pod affinity first, then spread: the node with the most free CPU
                    # after placement, as LeastAllocated scores.
                    chosen = min(candidates, key=lambda n: (-placement.score(pod, n), usage[n["metadata"]["name"]]["cpu"],
                                                            n["metadata"]["name"]))
            if chosen is None:
                if unbound is not None:
                    message = (f"0/{len(nodes)} nodes are available: pod has unbound immediate PersistentVolumeClaims. "
                               f"preemption: 0/{len(nodes)} nodes are available: {len(nodes)} Preemption is not helpful for scheduling.")
                else:
                    parts = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
                    # Evicting lower-priority pods can only free resources: for a node the pod may
                    # never run on (selector, taint, cordon) the scheduler says so.
                    fits_elsewhere = sum(c for r, c in reasons.items() if r.startswith("Insufficient")
                                         or r in (ANTI_AFFINITY, EXISTING_ANTI_AFFINITY))
                    hopeless = len(nodes) - fits_elsewhere
                    preemption = ", ".join(
                        part for part in (f"{fits_elsewhere} No preemption victims found for incoming pod" if fits_elsewhere else "",
                                          f"{hopeless} Preemption is not helpful for scheduling" if hopeless else "") if part)
                    message = (f"0/{len(nodes)} nodes are available: {parts}. preemption: 0/{len(nodes)} nodes are available: "
                               f"{preemption}.")
                self._mark_unschedulable(pod, message, now)
                continue
            node_name = chosen["metadata"]["name"]
            usage[node_name]["cpu"] += requests[0]
            usage[node_name]["memory"] += requests[1]
            for name, amount in wanted.items():
                extended[node_name][name] = extended[node_name].get(name, 0.0) + amount
            placement.add(node_name, pod)
            pod["spec"]["nodeName"] = node_name
            pod["metadata"].pop("resourceVersion", None)
            pod = world.store.replace(pod)
            world.events.record(pod, "Scheduled", f"Successfully assigned {namespace}/{pod['metadata']['name']} to {node_name}",
                                now, component="default-scheduler")
            changed = True
        return changed

    def _unbound_claim(self, pod: dict) -> str | None:
        for volume in pod["spec"].get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                pvc = self.world.informer.get("PersistentVolumeClaim", pod["metadata"]["namespace"], claim)
                if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                    return claim
        return None

    def _mark_unschedulable(self, pod: dict, message: str, now) -> None:
        status = {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                                      "message": message}]}
        if pod.get("status") != status:
            pod["status"] = status
            self.world.store.update_status(pod)
        key = pod["metadata"]["uid"]
        last = self.world.last_failed_scheduling.get(key)
        if last is None or (now - last).total_seconds() >= 60:
            self.world.last_failed_scheduling[key] = now
            self.world.events.record(pod, "FailedScheduling", message, now, type_="Warning", component="default-scheduler")
