"""A pod's status as the kubelet reports it: phase, the five pod conditions, IPs, QoS class and
container statuses, derived from the pod's runtime (its containers' state machines), the node it
runs on and whether that node is lost. Pure: the world decides when to write it."""

from __future__ import annotations

from .clock import rfc3339
from .controllers.common import is_terminating
from .kubelet import PodRuntime, container_status


def derive_pod_status(pod: dict, runtime: PodRuntime, node: dict, readiness: list[bool], node_lost: bool) -> dict:
    """The pod's .status, given each container's readiness (False for all on a lost node)."""
    statuses = [container_status(rt, ready) for rt, ready in zip(runtime.containers, readiness)]
    all_ready = bool(statuses) and all(s["ready"] for s in statuses)
    restart_policy = pod["spec"].get("restartPolicy", "Always")
    states = [rt.state for rt in runtime.containers]
    if runtime.containers and all(s == "terminated" for s in states) and restart_policy != "Always":
        phase = "Succeeded" if all((rt.exit_code or 0) == 0 for rt in runtime.containers) else "Failed"
    elif any(rt.ever_started for rt in runtime.containers):
        phase = "Running"
    else:
        phase = "Pending"
    started = rfc3339(runtime.started_at) if runtime.started_at else None
    conditions = [
        {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": started},
        {"type": "Initialized", "status": "True", "lastTransitionTime": started},
        {"type": "Ready", "status": "True" if all_ready else "False", "lastTransitionTime": started,
         **({} if all_ready else {"reason": "ContainersNotReady" if not node_lost else "NodeLost",
                                  "message": "containers with unready status: [" + " ".join(
                                      s["name"] for s in statuses if not s["ready"]) + "]"})},
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
    containers = pod["spec"].get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    if all((r.get("limits") or {}).get("cpu") and (r.get("limits") or {}).get("memory") for r in resources):
        return "Guaranteed"
    return "Burstable"
