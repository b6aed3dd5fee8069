"""A DaemonSet missing from Ready nodes whose taint it does not tolerate: its status counts only the nodes it
fits, so only the nodes and its pods tell. A fault (warning) when it tolerates other pools of that taint key or
when the uncovered nodes joined after every node it runs on; the design (info) otherwise; nothing when its
nodeSelector keeps it off those nodes, when they are not Ready, or for node.kubernetes.io/* taints."""

from __future__ import annotations

from typing import Any

from .builders import T0, container, daemonset, node, pod
from .model import AnalyzerCase, expect

LATER = "2024-05-01T13:40:00Z"
READY = [{"type": "Ready", "status": "True"}]
COVERED = {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 2, "numberAvailable": 2}


def _node(name: str, *, taint: str | None = None, created: str = T0, labels: dict | None = None,
          ready: bool = True) -> dict[str, Any]:
    taints = None
    if taint:
        key_value, effect = taint.rsplit(":", 1)
        key, _, value = key_value.partition("=")
        taints = [{"key": key, "effect": effect, **({"value": value} if value else {})}]
    obj = node(name, taints=taints, conditions=READY if ready else [{"type": "Ready", "status": "False"}])
    obj["metadata"].update(creationTimestamp=created, labels=labels or {})
    return obj


def _agent_pod(ds: str, on: str) -> dict[str, Any]:
    obj = pod(f"{ds}-{on}", "platform", labels={"key": "value"}, owner=("DaemonSet", ds), ready=True)
    obj["spec"]["nodeName"] = on
    return obj


def _agent(name: str = "log-agent", **template_spec: Any) -> dict[str, Any]:
    return daemonset(name, "platform", status=COVERED, containers=[container("agent", "fluent-bit:3.1")], **template_spec)


def _case(name: str, objects: list, expected: list) -> AnalyzerCase:
    return AnalyzerCase(id=f"sre/daemonset-{name}", objects=objects, expected=expected, kinds=["DaemonSet"])


CASES = [
    _case(
        "left-out-of-one-dedicated-pool-it-tolerates-others-of",
        [_agent(tolerations=[{"key": "dedicated", "operator": "Equal", "value": "data", "effect": "NoSchedule"}]),
         _node("core-0"), _node("data-0", taint="dedicated=data:NoSchedule"), _node("gpu-0", taint="dedicated=gpu:NoSchedule"),
         _agent_pod("log-agent", "core-0"), _agent_pod("log-agent", "data-0")],
        [expect("platform/DaemonSet/log-agent", "NodesNotCovered", "warning",
                "runs no pod on 1 Ready node(s) (gpu-0): it does not tolerate their taint(s) dedicated=gpu:NoSchedule")],
    ),
    _case(
        "missing-from-a-node-group-that-joined-later",
        [_agent(), _node("core-0"), _node("core-1"),
         _node("vision-0", taint="vision:NoSchedule", created=LATER), _node("vision-1", taint="vision:NoSchedule", created=LATER),
         _agent_pod("log-agent", "core-0"), _agent_pod("log-agent", "core-1")],
        [expect("platform/DaemonSet/log-agent", "NodesNotCovered", "warning",
                "(vision-0, vision-1): it does not tolerate their taint(s) vision:NoSchedule, and its status counts only "
                "the nodes it fits; vision-0, vision-1 joined after every node it runs on")],
    ),
    _case(
        "kept-off-a-dedicated-pool-as-old-as-the-rest-by-design",
        [_agent(), _node("core-0"), _node("core-1"), _node("gpu-0", taint="nvidia.com/gpu=true:NoSchedule"),
         _agent_pod("log-agent", "core-0"), _agent_pod("log-agent", "core-1")],
        [expect("platform/DaemonSet/log-agent", "NodesNotCovered", "info", "(gpu-0)")],
    ),
    _case(
        "node-selector-keeps-it-off-cordoned-and-not-ready-nodes-do-not-count",
        [_agent(nodeSelector={"pool": "core"}),
         _node("core-0", labels={"pool": "core"}), _node("core-1", labels={"pool": "core"}),
         _node("gpu-0", taint="nvidia.com/gpu=true:NoSchedule", created=LATER, labels={"pool": "gpu"}),
         _node("core-2", taint="node.kubernetes.io/unschedulable:NoSchedule", created=LATER, labels={"pool": "core"}),
         _node("core-3", taint="maintenance:NoSchedule", created=LATER, labels={"pool": "core"}, ready=False),
         _agent_pod("log-agent", "core-0"), _agent_pod("log-agent", "core-1")],
        [],
    ),
    _case(
        "tolerates-everything",
        [_agent(tolerations=[{"operator": "Exists"}]), _node("core-0"),
         _node("gpu-0", taint="nvidia.com/gpu=true:NoSchedule", created=LATER), _agent_pod("log-agent", "core-0")],
        [],
    ),
]
