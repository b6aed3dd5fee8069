"""What a status answer says about nodes: a node's readiness, cordon and taints (a dedicated pool's taint is by
design, not trouble), and the group a node belongs to."""

from __future__ import annotations

import re

from ...contracts import parse_time
from ...graph.fix_values import parse_taint
from ..ask import Ask
from .runs import ago

# Labels that say which group a node belongs to (EKS managed node groups, eksctl, Karpenter) and what it is.
NODE_GROUP_LABELS = ("eks.amazonaws.com/nodegroup", "alpha.eksctl.io/nodegroup-name", "karpenter.sh/nodepool",
                     "node.kubernetes.io/instance-type")


async def group_taints(ask: Ask, labels: dict, name: str) -> set[str]:
    """The NoSchedule/NoExecute taints every other node of the node's group carries too: a taint only this node has
    is what someone put there, or its state. A node alone in its group: the taints whose value names what the node is
    labelled as (`dedicated=cache` on a node labelled `pool=cache`) -- a one-node dedicated pool."""
    key = next((k for k in NODE_GROUP_LABELS[:3] if labels.get(k)), None)
    if key is None:
        return set()
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
    items = (listed.data or {}).get("items") or []
    peers = [n for n in items if n.get("name") != name and (n.get("labels") or {}).get(key) == labels[key]]
    if not peers:
        mine = next((n.get("taints") or [] for n in items if n.get("name") == name), [])
        values = {str(v) for v in labels.values() if v}
        return {t for t in mine if (value := parse_taint(t)[1]) and value in values}
    return set.intersection(*(set(n.get("taints") or []) for n in peers))


def own_labels(labels: dict[str, str]) -> list[str]:
    """A cluster's own node labels ("acme.io/pool=batch"): neither Kubernetes' nor the cloud's well-known ones."""
    return [f"{k}={v}" for k, v in labels.items() if "/" in k and k not in NODE_GROUP_LABELS
            and not k.split("/")[0].endswith(("kubernetes.io", "k8s.io", "amazonaws.com", "eksctl.io", "karpenter.sh"))]


async def node_places(ask: Ask, nodes: list[str]) -> list[str]:
    """"where does it run": each node's group and instance type, and the cluster's own pool labels."""
    lines = []
    for node in nodes[:4]:
        described = await ask.call("kubernetes", "describe", {"kind": "Node", "name": node})
        labels = (((described.data or {}).get("object") or {}).get("metadata") or {}).get("labels") or {}
        said = [f"{k}={labels[k]}" for k in NODE_GROUP_LABELS if labels.get(k)] + own_labels(labels)[:3]
        if said:
            lines.append(f"node {node}: {', '.join(said)}")
    return lines


async def node_state(ask: Ask, obj: dict, details: list[str], trouble: list[str], *, read: bool) -> None:
    """A node's Ready condition (since when), cordon and taints into `details`; what is wrong into `trouble` (only
    when the node was `read`)."""
    spec, state = obj.get("spec") or {}, obj.get("status") or {}
    name = (obj.get("metadata") or {}).get("name") or ""
    cond = {c.get("type"): c.get("status") for c in state.get("conditions") or []}
    taints = [f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in spec.get("taints") or []]
    turned = next((c.get("lastTransitionTime") for c in state.get("conditions") or [] if c.get("type") == "Ready"), None)
    since = parse_time(turned)  # "when did it go NotReady": the Ready condition's last change
    details.append(f"Ready={cond.get('Ready', 'Unknown')}" + (f" since {turned} ({ago(since)})" if since else "")
                   + f", unschedulable={bool(spec.get('unschedulable'))}, taints {taints or 'none'}")
    if cond.get("Ready") != "True" and read:
        trouble.append(f"node Ready={cond.get('Ready', 'Unknown')}")
    if spec.get("unschedulable") and read:
        trouble.append("node is cordoned (unschedulable)")
    blocking = [t for t in taints if t.endswith(("NoSchedule", "NoExecute")) and "node-role.kubernetes.io" not in t]
    by_design = await group_taints(ask, (obj.get("metadata") or {}).get("labels") or {}, name) if blocking else set()
    if by_design & set(blocking):  # a dedicated pool's taint: how the group is meant to be, not a fault
        details.append(f"taints {', '.join(t for t in blocking if t in by_design)} mark its node group as a dedicated "
                       "pool (only pods that tolerate them run there), not a fault")
    said = bool(trouble)  # NotReady or cordoned: its node.kubernetes.io/* taints are that state, already said
    blocking = [t for t in blocking if t not in by_design and not (said and t.startswith("node.kubernetes.io/"))]
    if blocking and read:
        trouble.append(f"node is tainted {', '.join(blocking)}: pods without a matching toleration cannot run on it")


USE_ASKED = re.compile(r"\b(us(ing|es?)|eat(ing|s)?|tak(ing|es?)|consum\w*|hog\w*|burn\w*|top|most|busy|load)\b.*"
                       r"\b(cpu|memory|mem|ram)\b|\b(cpu|memory|mem|ram)\b.*\b(us(ing|ed|age)|eat(ing|s)?|hog\w*|burn\w*)\b",
                       re.IGNORECASE)


async def node_consumers(ask: Ask, node: str) -> list[str]:
    """"what is eating the cpu on node X": the pods on that node, heaviest first (kubectl top pods, kept to the node)."""
    measure = "memory" if re.search(r"\b(memory|mem|ram)\b", ask.question, re.IGNORECASE) else "cpu"
    placed = await ask.call("kubernetes", "ownership", {"kind": "Node", "name": node})
    on_node = set((placed.data or {}).get("pods") or [])
    top = await ask.call("kubernetes", "top", {"kind": "pods", "sort_by": measure, "limit": 1000})
    rows = [r for r in (top.data or {}).get("items") or [] if f"{r.get('namespace')}/Pod/{r.get('name')}" in on_node]
    return [f"top {measure} on {node}: {r.get('namespace')}/{r.get('name')} "
            + (f"{r.get('cpu_m')}m CPU" if measure == "cpu" else f"{r.get('memory_mib')} MiB") for r in rows[:5]]
