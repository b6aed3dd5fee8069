"""A DaemonSet runs a pod on every node it fits, and its status counts only those nodes: a node whose taint its pod
template does not tolerate gets no pod and never shows as missing ("desired 12, ready 12"). The nodes without one
of its pods whose NoSchedule/NoExecute taint it does not tolerate are read here. The gap is a fault -- not the
DaemonSet's design -- when those nodes joined inside the look-back (nobody has placed it there yet) or when it
tolerates other values of the same taint key (it is meant to run on the dedicated pools); the fix is a toleration."""

from __future__ import annotations

import re
from datetime import timedelta

from ...contracts import parse_time
from ...graph.fix_values import parse_taint
from ...graph.state import Investigation
from .calls import Calls

RECENT = timedelta(hours=3)  # the look-back the other agents read changes over
# a question that says the pods are missing somewhere ("why are log-shipper pods missing on some nodes"): the asker
# counts the gap as the trouble, whatever its age
MISSING_SAID = re.compile(r"\b(missing|absent|not\s+(running\s+)?on|no\s+(\w+\s+)?pods?\s+on|don'?t\s+run|doesn'?t\s+run|"
                          r"isn'?t\s+running|only\s+\d+\b)\b", re.IGNORECASE)
MAX_DESCRIBED = 4  # gap nodes read in full (labels for the nodeSelector, when they joined)


def tolerates(tolerations: list[dict], taint: str) -> bool:
    """Whether the pod template's tolerations let it onto a node with `taint`, as the scheduler matches them."""
    key, value, effect = parse_taint(taint)
    for tol in tolerations:
        if tol.get("effect") and tol.get("effect") != effect:
            continue
        if tol.get("operator") == "Exists" and (not tol.get("key") or tol.get("key") == key):
            return True
        if tol.get("key") == key and (tol.get("value") or "") == value:
            return True
    return False


def untolerated(node: dict, tolerations: list[dict]) -> list[str]:
    """A Ready node's NoSchedule/NoExecute taints a pod template with `tolerations` does not tolerate -- never the ones
    Kubernetes sets from a node's conditions (node.kubernetes.io/...): what keeps a DaemonSet's pod off it. [] for a
    NotReady node (it runs nothing new)."""
    if node.get("ready") != "True":
        return []
    return [t for t in node.get("taints") or [] if parse_taint(t)[2] in ("NoSchedule", "NoExecute")
            and not parse_taint(t)[0].startswith("node.kubernetes.io/") and not tolerates(tolerations, t)]


async def node_gaps(workload: str, pod_spec: dict, pods: list[dict], state: Investigation, calls: Calls) -> None:
    covered = {p.get("node") for p in pods}
    tolerations = pod_spec.get("tolerations") or []
    listed, ev = await calls("get_resources", kind="Node", limit=2000)
    gaps: dict[str, list[str]] = {}
    for node in (listed or {}).get("items") or []:
        if node.get("name") not in covered and (kept := untolerated(node, tolerations)):
            gaps[str(node.get("name"))] = kept  # (the DaemonSet's own pods tolerate a cordon)
    if not gaps:
        return
    selector = pod_spec.get("nodeSelector") or {}
    joined: dict[str, str] = {}
    for name in list(gaps)[:MAX_DESCRIBED]:
        described, ev_node = await calls("describe", kind="Node", name=name, events_limit=0)
        meta = ((described or {}).get("object") or {}).get("metadata") or {}
        labels = meta.get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            gaps.pop(name)  # its nodeSelector keeps it off this node anyway: by design
            continue
        joined[name] = str(meta.get("creationTimestamp") or "")
    if not gaps:
        return
    since = state.incident.window_end - RECENT
    recent = sorted(n for n, at in joined.items() if (t := parse_time(at)) is not None and t >= since)
    keys = {parse_taint(t)[0] for taints in gaps.values() for t in taints}
    same_key = sorted(k for k in keys if any(tol.get("key") == k for tol in tolerations))  # other pools of that key
    taints = sorted({t for ts in gaps.values() for t in ts})
    asked = bool(MISSING_SAID.search(state.incident.question or ""))
    why = (f"; {', '.join(recent)} joined within the last {int(RECENT.total_seconds() // 3600)} h" if recent else "") + (
        f"; it tolerates other {', '.join(same_key)} pools" if same_key else "") + (
        "; the question says its pods are missing there" if asked and not (recent or same_key) else "")
    calls.find(workload, "DaemonSetNodeGap",
               f"{workload} has no pod on {len(gaps)} node(s) ({', '.join(sorted(gaps))}): it does not tolerate their "
               f"taint(s) {', '.join(taints)}, so the DaemonSet controller places none there and its status counts "
               f"only the nodes it fits{why}", [ev], severity="critical" if (recent or same_key or asked) else "info",
               nodes=sorted(gaps), taints=taints, recent=recent, same_key=same_key, asked=asked,
               has_tolerations=bool(tolerations))
