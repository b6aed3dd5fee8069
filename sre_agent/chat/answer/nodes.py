""""what else was running on it" (a node), "which pods are on ip-10-42-27-140": the pods a node runs, each with
its state and owner -- what a node's trouble takes down with it; and "how much cpu is requested on it out of its
capacity": what its pods request of its allocatable, as the scheduler adds it up."""

from __future__ import annotations

import re
from decimal import Decimal

from ...contracts import parse_resource_id
from ...graph.quantities import quantity
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.context_names import kind_of
from .health import describe
from .pods import owner_id, pod_trouble, requested
from .templates import label_text


async def _node_of(ask: Ask, rid: str) -> str | None:
    """The node meant when "it" is a pod (its node) or a workload (the node of its pod in trouble, else its first)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind == "Node":
        return name
    scope = {"namespace": namespace} if namespace else {}
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000, **scope})
    pods = [p for p in (listed.data or {}).get("items") or [] if p.get("node")
            and (p.get("name") == name or owner_id(p) == rid)]
    pods.sort(key=lambda p: pod_trouble(p) is None)
    return pods[0].get("node") if pods else None


HEADROOM_OF = ("Deployment", "StatefulSet", "Service", "HorizontalPodAutoscaler")  # a node_room asked of these is headroom
TERMINAL = ("Succeeded", "Completed", "Failed")  # a finished pod holds none of its node's room
ROOM_ASKED = re.compile(r"\b(requested|allocated|reserved|committed|capacity|allocatable|room|headroom|space|fit)\b", re.IGNORECASE)


def requested_on(pods: list[dict]) -> tuple[Decimal, Decimal]:
    """(cpu, memory) the pods that still run request, summed: what they hold of their node's allocatable."""
    running = [requested(p) for p in pods if p.get("status") not in TERMINAL]
    return sum((r[0] for r in running), Decimal(0)), sum((r[1] for r in running), Decimal(0))


def requested_line(node: str, allocatable: dict, pods: list[dict]) -> str:
    """What the node's running pods request of its allocatable cpu and memory (the scheduler's arithmetic)."""
    parts = []
    held = requested_on(pods)
    for (key, unit, scale), asked in zip((("cpu", "m", Decimal(1000)), ("memory", "Mi", 1 / Decimal(1 << 20))), held, strict=True):
        have = quantity(str(allocatable.get(key) or ""))
        share = f" ({100 * asked / have:.0f}%)" if have else ""
        parts.append(f"{key} {int(asked * scale)}{unit} of {allocatable.get(key, '?')} allocatable{share}")
    return f"requested on node {node} by its pods: " + ", ".join(parts)


@handles("node_pods", "node_room", needs=("kubernetes",))
async def node_pods(ask: Ask) -> Answer:
    if ask.form == "node_pods" and (group := await group_nodes(ask)) is not None:
        return group  # "is the pb-ingest node group ok, one of its nodes is nearly empty": the group's nodes, each one's state
    if ask.form == "node_room" and kind_of(ask.resource or "") in HEADROOM_OF and not re.search(r"\bnodes?\b", ask.question, re.I):
        return await HANDLERS["headroom"].handler(ask)  # "is there room for 2 more wallet-api pods": the workload's headroom
    node = await _node_of(ask, ask.resource or "")
    if node is None:
        return ask.answer(f"{ask.resource} runs on no node I can see: name the node", status="needs_subject",
                          next_steps=["Ask 'which pods are on <node>?'."])
    described = await describe(ask, f"Node/{node}")
    node_status = ((described.data or {}).get("object") or {}).get("status") or {}
    conditions = {c.get("type"): c for c in node_status.get("conditions") or []}
    ready = conditions.get("Ready") or {}
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    pods = [p for p in (listed.data or {}).get("items") or [] if p.get("node") == node]
    lines = [f"{p.get('namespace')}/Pod/{p.get('name')}: " + (pod_trouble(p) or f"{p.get('status')}, ready {p.get('ready')}")
             + f" [owner {owner_id(p)}]" for p in pods]
    owners = list(dict.fromkeys(owner_id(p) for p in pods))
    state = f"Ready={ready.get('status', 'Unknown')}" + (f" ({ready.get('reason')})" if ready.get("status") != "True" else "")
    troubled = [p for p in pods if pod_trouble(p)]
    headline = (f"{len(pods)} pod(s) on node {node} ({state}), {len(troubled)} of them in trouble; workloads: "
                + ", ".join(r.split("/")[-1] for r in owners[:12]))
    steps = ([f"The node is not Ready: ask 'cordon {node}' for the approval request, then move its pods."]
             if ready.get("status") != "True" else [f"Ask 'why is <workload> failing?' for one of the {len(troubled)} in trouble."]
             if troubled else ["Nothing to do for the node's pods."])
    room = requested_line(node, node_status.get("allocatable") or {}, pods)
    if ask.form == "node_room" or ROOM_ASKED.search(ask.question):  # "how much cpu is requested on X": that first
        headline, lines = room[0].upper() + room[1:], [headline, *lines]
    else:
        lines.append(room)
    return ask.answer(headline, status="problems" if troubled or ready.get("status") != "True" else "answered",
                      details=lines, resources=[f"Node/{node}", *owners], next_steps=steps)


# "the ops nodes", "realtime nodes'": a word before "nodes" that names a node group (a label value or a group name)
_GROUP_NODES = re.compile(r"\b(?:the\s+)?([a-z0-9][a-z0-9-]*)\s+nodes?\b(?:'s|')?", re.IGNORECASE)
_NOT_GROUPS = {"the", "all", "other", "some", "any", "which", "what", "those", "these", "many", "few", "two", "three",
               "ready", "cordoned", "tainted", "new", "old", "worker", "cluster", "k8s", "kubernetes"}


def _in_group(node: dict, word: str) -> bool:
    """A node is of the group a word names when one of its group labels is that word or its group's name ends in it
    ("ops" -> pool=ops, nodegroup bgs-ops)."""
    values = [str(v).lower() for v in (node.get("labels") or {}).values()]
    return any(v == word or v.endswith(f"-{word}") or v.startswith(f"{word}-") for v in values)


async def group_nodes(ask: Ask) -> Answer | None:
    """The nodes of the group the question names ("what taints do the ops nodes have", "are the gpu nodes ready"):
    each node's readiness, cordon, taints, instance type and zone. None when no word before "nodes" is a group."""
    words = [w.lower() for w in _GROUP_NODES.findall(ask.question) if w.lower() not in _NOT_GROUPS]
    if not words:
        return None
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 1000})
    nodes = (listed.data or {}).get("items") or []
    for word in words:
        group = [n for n in nodes if _in_group(n, word)]
        if not group:
            continue
        lines = [f"Node/{n.get('name')}: Ready={n.get('ready')}{', cordoned (SchedulingDisabled)' if n.get('unschedulable') else ''}"
                 f"; allocatable cpu {n.get('cpu')}, memory {n.get('memory')}"
                 f"; taints {', '.join(n.get('taints') or []) or 'none'}; labels {label_text(n.get('labels') or {})}" for n in group]
        short = [n for n in group if str(n.get("ready")) != "True" or n.get("unschedulable")]
        taints = sorted({t for n in group for t in n.get("taints") or []})
        said = "; ".join(f"{n.get('name')} " + ("cordoned (SchedulingDisabled)" if n.get("unschedulable") else
                                                 f"Ready={n.get('ready')}") for n in short)
        headline = (f"{len(group)} {word} node(s): {', '.join(str(n.get('name')) for n in group[:8])}; "
                    f"{len(group) - len(short)} Ready and schedulable" + (f"; {said}" if said else "")
                    + f"; taints {', '.join(taints) or 'none'}" + _sizes(group))
        # the nodes out of service first: what "it" means next ("who cordoned it", "uncordon it")
        ordered = short + [n for n in group if n not in short]
        return ask.answer(headline, status="problems" if short else "answered", details=lines,
                          resources=[f"Node/{n.get('name')}" for n in ordered[:4]],
                          next_steps=[f"Ask 'what is running on {group[0].get('name')}?' for its pods."])
    return None


def _sizes(group: list[dict]) -> str:
    """"; each cpu 4, memory 16Gi allocatable" when the group's nodes are one size (else each line says its own)."""
    sizes = {(n.get("cpu"), n.get("memory")) for n in group}
    if len(sizes) != 1 or None in next(iter(sizes)):
        return ""
    cpu, memory = next(iter(sizes))
    return f"; each cpu {cpu}, memory {memory} allocatable"
