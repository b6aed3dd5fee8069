"""Pods that were re-created because their nodes were replaced ("why did all the kiosk pods restart 45 min ago" when
nothing is broken): a node group rolled (an AMI update, a spot reclaim, a scale-in) drains its old nodes, and every pod
on them starts again on the new ones. Read from kubectl's ages: each pod started within minutes after the node it runs
on was created, and those nodes are younger than the workload -- the pods are as young as their nodes."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from .node_facts import NODE_GROUP_LABELS
from .pods import owner_id
from .runs import age_seconds

# the question asks why pods started again: "restart", "re-created", "bounced", "moved", "rescheduled", "recycled"
# -- or asks why they are so young ("only 20 min old", "brand new", "so fresh"): their age is the symptom
RESTART_SAID = re.compile(r"\b(restart\w*|re-?creat\w*|bounc\w*|moved|reschedul\w*|recycl\w*|came\s+back|new\s+pods|young\w*|"
                          r"fresh|brand\s+new|\d+\s*(?:m|min|mins|minutes?|h|hours?)\s+old|ages?\b)\b", re.IGNORECASE)
ROTATABLE = ("Deployment", "StatefulSet")
SETTLE_S = 15 * 60  # a pod scheduled onto a new node starts within minutes of it (drain, then reschedule)


def _group(node: dict) -> str:
    labels = node.get("labels") or {}
    return next((str(labels[k]) for k in NODE_GROUP_LABELS[:3] if labels.get(k)), "")


async def rotated_in(ask: Ask, rids: list[str]) -> list[str]:
    """For a question that asks why pods restarted: the lines of the workloads among `rids` (or, none named, of the
    namespace in context) whose pods moved with a node replacement."""
    if not RESTART_SAID.search(ask.question):
        return []
    lines: list[str] = []
    nodes: dict[str, dict] | None = None
    pods: list[dict] = []
    for rid in rids[:1] or [f"{ask.namespace}/{k}/*" for k in ROTATABLE if ask.namespace]:
        namespace, kind, name = parse_resource_id(rid)
        if kind not in ROTATABLE:
            continue
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 200})
        items = [i for i in (listed.data or {}).get("items") or [] if name in ("*", i.get("name"))]
        if not items:
            continue
        if nodes is None:  # the nodes and the namespace's pods, read once for every workload weighed
            listed_nodes = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
            nodes = {str(n.get("name")): n for n in (listed_nodes.data or {}).get("items") or []}
            listed_pods = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace, "limit": 5000})
            pods = (listed_pods.data or {}).get("items") or []
        for item in items:
            workload = f"{namespace}/{kind}/{item.get('name')}"
            own = [p for p in pods if owner_id(p) == workload]
            if line := _moved_with_new_nodes(workload, item.get("age"), own, nodes):
                lines.append(line)
    return lines


def _moved_with_new_nodes(rid: str, workload_age: str | None, pods: list[dict], nodes: dict[str, dict]) -> str | None:
    """One line when every pod of `rid` started right after the node it runs on was created, and those nodes are younger
    than `rid` itself; else None."""
    owned_for = age_seconds(workload_age)
    pairs = []
    for pod in pods:
        node = nodes.get(str(pod.get("node")))
        pod_s, node_s = age_seconds(pod.get("age")), age_seconds((node or {}).get("age"))
        if node is None or pod_s is None or node_s is None or not 0 <= node_s - pod_s <= SETTLE_S:
            return None
        pairs.append((pod, node, pod_s, node_s))
    if not pairs or owned_for is None or max(node_s for *_, node_s in pairs) >= owned_for:
        return None  # no pods, or a node older than the workload: its pods did not move with a node replacement
    groups = sorted({g for _, node, *_ in pairs if (g := _group(node))})
    replaced = sorted({str(node.get("name")) for _, node, *_ in pairs})
    named = ", ".join(replaced[:2]) + (f" and {len(replaced) - 2} more" if len(replaced) > 2 else "")
    return (f"{rid}'s {len(pairs)} pod(s) were re-created when their nodes were replaced: each started within minutes of "
            f"its node ({named}, {pairs[0][1].get('age')} old"
            + (f", node group {', '.join(groups)}" if groups else "") + f"), and {rid} is older ({workload_age}) -- "
            "the nodes they ran on before are gone (a node group rolled: an AMI update, a scale-in, a spot reclaim)")
