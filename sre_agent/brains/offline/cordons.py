"""Pods Pending because the nodes they may run on are cordoned: the scheduler says "N node(s) were unschedulable" and
rules the other nodes out for reasons of the pod's own (its nodeSelector, its required node affinity -- a StatefulSet
member pinned to a host by it --, taints it does not tolerate) or for room (Insufficient cpu/memory, a volume bound
to another zone, anti-affinity with its siblings, a port in use). When every node the pods may use is cordoned, or
the ones not cordoned cannot take them, the cordon is what keeps them Pending and `kubectl uncordon` is the fix --
unless the cordon records why it was made (a drain for maintenance, a ticket): the nodes are read whole, and what
they record becomes RecordedIntent (a human is asked before it is reversed)."""

from __future__ import annotations

from ...contracts import resource_id
from ...graph.fix_values import blockers, parse_taint
from .calls import Calls
from .intents import note_intent

CORDON_TAINT = "node.kubernetes.io/unschedulable"  # what cordoning adds (TaintNodesByCondition): the cordon itself
# Scheduler reasons that rule a node out for room or for what already runs there, not for what the pod asks of the
# node's kind: such a node would be the pods' if it had room -- as much "full" as Insufficient cpu.
ROOM_REASONS = ("Insufficient", "volume", "anti-affinity", "pod affinity", "free ports")
MAX_NODE_READS = 3


def tolerates(tolerations: list[dict], taint: str) -> bool:
    """Whether the pod tolerates a taint given as 'key=value:Effect' (or 'key:Effect')."""
    key, value, effect = parse_taint(taint)
    for toleration in tolerations:
        if toleration.get("effect") not in (None, "", effect):
            continue
        if toleration.get("operator") == "Exists" and toleration.get("key") in (None, "", key):
            return True
        if toleration.get("key") == key and str(toleration.get("value", "")) == value:
            return True
    return False


def selected(nodes: list[dict], selector: dict) -> list[dict]:
    """The node rows a pod's nodeSelector admits (every one, for an empty selector)."""
    return [n for n in nodes if all(str((n.get("labels") or {}).get(k)) == str(v) for k, v in selector.items())]


def expression_holds(expression: dict, labels: dict) -> bool:
    key, operator, values = expression.get("key"), expression.get("operator"), [str(v) for v in expression.get("values") or []]
    value = labels.get(key)
    if operator == "In":
        return value is not None and str(value) in values
    if operator == "NotIn":
        return value is None or str(value) not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in ("Gt", "Lt") and value is not None and values:
        try:
            return int(value) > int(values[0]) if operator == "Gt" else int(value) < int(values[0])
        except ValueError:
            return False
    return False


def affinity_admits(spec: dict, node: dict) -> bool:
    """The pod's required node affinity admits the node row (its labels, and its name as the hostname label)."""
    required = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
                 .get("requiredDuringSchedulingIgnoredDuringExecution")) or {})
    terms = required.get("nodeSelectorTerms") or []
    labels = {"kubernetes.io/hostname": node.get("name"), **(node.get("labels") or {})}
    fields = {"metadata.name": node.get("name")}
    return not terms or any(all(expression_holds(e, labels) for e in term.get("matchExpressions") or [])
                            and all(expression_holds(e, fields) for e in term.get("matchFields") or []) for term in terms)


def eligible_nodes(spec: dict, nodes: list[dict]) -> list[dict]:
    """The nodes the pod may run on, cordon aside: those its nodeSelector and required affinity pick (made for them: a
    taint there other than the group's is judged on its own, as a taint left behind); with neither, those whose
    taints it tolerates -- all but the cordon's own, which is what is being judged."""
    picked = [n for n in selected(nodes, spec.get("nodeSelector") or {}) if affinity_admits(spec, n)]
    if spec.get("nodeSelector") or len(picked) < len(nodes):
        return picked
    tolerations = spec.get("tolerations") or []
    return [n for n in picked if all(tolerates(tolerations, t) for t in n.get("taints") or []
                                     if not t.endswith(":PreferNoSchedule") and parse_taint(t)[0] != CORDON_TAINT)]


async def cordoned_nodes(spec: dict, workload: str, calls: Calls, message: str) -> None:
    """A `CordonedNodes` finding when the cordon is what keeps `workload`'s pods Pending (see the module)."""
    listed, ev = await calls("get_resources", kind="Node")
    eligible = eligible_nodes(spec, (listed or {}).get("items") or [])
    cordoned = [n["name"] for n in eligible if n.get("unschedulable")]
    others = [n["name"] for n in eligible if not n.get("unschedulable")]
    full = sum(count for count, reason in blockers(message) if any(word in reason for word in ROOM_REASONS))
    if not cordoned or full < len(others):
        return
    if not others:
        summary = f"every node {workload}'s pods may run on is cordoned: {', '.join(cordoned)}"
    else:
        summary = (f"{workload}'s pods may run on {len(eligible)} node(s): {', '.join(cordoned)} cordoned, and "
                   f"{', '.join(others)} without room for them (the scheduler: {full} ruled out for room)")
    calls.find(workload, "CordonedNodes", summary, ev, severity="warning", nodes=cordoned, full=others)
    for node in cordoned[:MAX_NODE_READS]:  # why each was cordoned, if it says: a drain for maintenance is not undone blind
        described, ev_node = await calls("describe", kind="Node", name=node, events_limit=0)
        note_intent(resource_id("Node", node), (described or {}).get("object"), ev_node, calls)
