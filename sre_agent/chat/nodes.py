""""what else was running on it" (a node), "which pods are on ip-10-42-27-140": the pods a node runs, each with
its state and owner -- what a node's trouble takes down with it."""

from __future__ import annotations

from ..contracts import parse_resource_id
from .ask import Ask, handles
from .health import describe
from .models import Answer
from .pods import owner_id, pod_trouble


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


@handles("node_pods", needs=("kubernetes",))
async def node_pods(ask: Ask) -> Answer:
    node = await _node_of(ask, ask.resource or "")
    if node is None:
        return ask.answer(f"{ask.resource} runs on no node I can see: name the node", status="needs_subject",
                          next_steps=["Ask 'which pods are on <node>?'."])
    described = await describe(ask, f"Node/{node}")
    conditions = {c.get("type"): c for c in (((described.data or {}).get("object") or {}).get("status") or {}).get("conditions") or []}
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
    return ask.answer(headline, status="problems" if troubled or ready.get("status") != "True" else "answered",
                      details=lines, resources=[f"Node/{node}", *owners], next_steps=steps)
