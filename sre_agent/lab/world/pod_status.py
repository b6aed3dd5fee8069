"""A pod's status as the kubelet reports it: phase, the five pod conditions, IPs, QoS class and
container statuses, derived from the pod's runtime (its containers' state machines), the node it
runs on and whether that node is lost. Pure: the world decides when to write it."""

from __future__ import annotations

from ..kube.quantity import parse_quantity
from .clock import rfc3339
from .controllers.common import is_terminating
from .kubelet import PodRuntime, container_status, init_succeeded


def derive_pod_status(pod: dict, runtime: PodRuntime, node: dict, readiness: list[bool], node_lost: bool) -> dict:
    """The pod's .status, given each container's readiness (False for all on a lost node)."""
    statuses = [container_status(rt, ready) for rt, ready in zip(runtime.containers, readiness)]
    init_statuses = [container_status(rt, init_succeeded(rt)) for rt in runtime.init_containers]
    initialized = all(init_succeeded(rt) for rt in runtime.init_containers)
    all_ready = initialized and bool(statuses) and all(s["ready"] for s in statuses)
    restart_policy = pod["spec"].get("restartPolicy", "Always")
    states = [rt.state for rt in runtime.containers]
    init_failed = any(rt.state == "terminated" and rt.next_attempt_at is None and (rt.exit_code or 0) != 0
                      for rt in runtime.init_containers)
    if init_failed and restart_policy == "Never":
        phase = "Failed"
    elif not initialized:
        phase = "Pending"
    elif runtime.containers and all(s == "terminated" for s in states) and restart_policy != "Always":
        phase = "Succeeded" if all((rt.exit_code or 0) == 0 for rt in runtime.containers) else "Failed"
    elif any(rt.ever_started for rt in runtime.containers):
        phase = "Running"
    else:
        phase = "Pending"
    started = rfc3339(runtime.started_at) if runtime.started_at else None
    waiting_inits = [rt.name for rt in runtime.init_containers if not init_succeeded(rt)]
    not_ready = "[" + " ".join(s["name"] for s in statuses if not s["ready"]) + "]"
    conditions = [
        {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": started},
        {"type": "Initialized", "status": "True" if initialized else "False", "lastTransitionTime": started,
         **({} if initialized else {"reason": "ContainersNotInitialized",
                                    "message": f"containers with incomplete status: [{' '.join(waiting_inits)}]"})},
        {"type": "Ready", "status": "True" if all_ready else "False", "lastTransitionTime": started,
         **({} if all_ready else {"reason": "ContainersNotReady" if not node_lost else "NodeLost",
                                  "message": f"containers with unready status: {not_ready}"})},
        {"type": "ContainersReady", "status": "True" if all_ready else "False", "lastTransitionTime": started},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
    ]
    status = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": _node_ip(node),
        "podIP": runtime.ip,
        "podIPs": [{"ip": runtime.ip}] if runtime.ip else [],
        "startTime": started,
        **({"initContainerStatuses": init_statuses} if init_statuses else {}),
        "containerStatuses": statuses,
        "qosClass": _qos_class(pod),
    }
    if is_terminating(pod) and node_lost:
        status["reason"] = "NodeLost"
        status["message"] = f"Node {node['metadata']['name']} which was running pod {pod['metadata']['name']} is unresponsive"
    return status


def _node_ip(node: dict) -> str | None:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return address.get("address")
    return None


def _qos_class(pod: dict) -> str:
    """Kubernetes' QoS class: Guaranteed when every container's cpu and memory requests equal its
    limits (a request left out defaults to the limit), BestEffort when none sets any, else Burstable."""
    containers = [*(pod["spec"].get("initContainers") or []), *(pod["spec"].get("containers") or [])]
    resources = [c.get("resources") or {} for c in containers]
    if not any((r.get(part) or {}).get(name) for r in resources for part in ("requests", "limits")
               for name in ("cpu", "memory")):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        for name in ("cpu", "memory"):
            if not limits.get(name) or parse_quantity(requests.get(name, limits[name])) != parse_quantity(limits[name]):
                return "Burstable"
    return "Guaranteed"
