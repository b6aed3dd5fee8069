"""Change requests other than a rollback ("restart it", "scale it to 6", "bump its cpu limit to 1500m",
"set its image to X", "cordon node Y", "delete that pod"): chat is read-only, so every one is answered
with the exact pinned action a human approves -- the MCP tool and its arguments, the state observed when
it was planned (the precondition) and the kubectl equivalent -- never with a write and never with a
status report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..contracts import parse_resource_id
from .ask import Ask, handles
from .models import Answer, ApprovalRequest

QUANTITY = re.compile(r"\bto\s+(\d+(?:\.\d+)?\s*(?:m|k|ki|mi|gi|ti|g|t|cores?|cpus?)?)\b", re.IGNORECASE)
REPLICAS = re.compile(r"\b(to|by)\s+(\d+)\b", re.IGNORECASE)
IMAGE = re.compile(r"\bimage\s+to\s+(\S+)", re.IGNORECASE)
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass
class Plan:
    tool: str
    args: dict[str, Any]
    change: str
    kubectl: str
    precondition: str = ""
    notes: list[str] = field(default_factory=list)


def _verb(question: str) -> str:
    text = question.lower()
    for verb, words in (("cordon", r"uncordon|cordon|drain"), ("delete", r"delete|kill"), ("scale", r"scale"),
                        ("image", r"\bimage\b"), ("resources", r"\b(cpu|memory|mem)\b"),
                        ("restart", r"restart|bounce|recycle|redeploy")):
        if re.search(words, text):
            return verb
    return "restart"


def _quantity(question: str, resource: str) -> str | None:
    match = QUANTITY.search(question)
    if not match:
        return None
    value = match.group(1).replace(" ", "")
    value = re.sub(r"(?i)(cores?|cpus?)$", "", value)
    if resource == "memory":  # "1gi" -> "1Gi": Kubernetes quantities are case-sensitive
        value = re.sub(r"(?i)(ki|mi|gi|ti)$", lambda m: m.group(1).capitalize(), value)
    return value


def _containers(obj: dict) -> list[dict]:
    return (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []


def plan_for(question: str, rid: str, obj: dict) -> Plan | str:
    """The action a change request asks for on `rid` (whose current object is `obj`), or why it cannot be
    pinned from what was said."""
    namespace, kind, name = parse_resource_id(rid)
    ns = namespace or ""
    reason = question[:200]
    verb = _verb(question)
    spec = obj.get("spec") or {}
    generation = (obj.get("metadata") or {}).get("generation")
    if verb == "cordon":
        if kind != "Node":
            return f"{rid} is a {kind}; cordoning and draining apply to Nodes"
        tool = "uncordon" if re.search(r"uncordon", question, re.IGNORECASE) else "cordon"
        note = ["Draining also evicts its pods: chat's tools cordon only; evict the pods after approval."] \
            if re.search(r"drain", question, re.IGNORECASE) else []
        return Plan(tool, {"node": name, "reason": reason}, f"mark node {name} {'schedulable' if tool == 'uncordon' else 'unschedulable'}",
                    f"kubectl {tool} {name}", f"unschedulable={bool(spec.get('unschedulable'))}", note)
    if verb == "delete":
        if kind != "Pod":
            return f"{rid} is a {kind}; deleting applies to a Pod (ask to restart a workload instead)"
        return Plan("delete_pod", {"namespace": ns, "name": name, "reason": reason}, f"delete pod {name} (its controller recreates it)",
                    f"kubectl delete pod {name} -n {ns}", f"pod phase {(obj.get('status') or {}).get('phase', '?')}")
    if kind not in WORKLOADS:
        return f"{rid} is a {kind}; that change applies to a Deployment, StatefulSet or DaemonSet"
    target = f"{kind.lower()}/{name} -n {ns}"
    if verb == "scale":
        match = REPLICAS.search(question)
        current = spec.get("replicas")
        if not match or kind == "DaemonSet":
            return f"Say how many replicas (e.g. 'scale it to 4'); {rid} has {current} now" if match is None else \
                "A DaemonSet runs one pod per node: it cannot be scaled"
        replicas = int(match.group(2)) + (int(current or 0) if match.group(1).lower() == "by" else 0)
        return Plan("scale", {"namespace": ns, "name": name, "kind": kind, "replicas": replicas, "expect_replicas": current,
                              "reason": reason}, f"replicas {current} -> {replicas}", f"kubectl scale {target} --replicas={replicas}",
                    f"replicas {current}")
    container = next(iter(_containers(obj)), {})
    cname = container.get("name") or name
    if verb == "image":
        match = IMAGE.search(question)
        if not match:
            return "Say which image (e.g. 'set its image to repo/app:1.2.3')"
        image = match.group(1).strip("'\"`.,")
        return Plan("set_image", {"namespace": ns, "name": name, "kind": kind, "container": cname, "image": image,
                                  "expect_image": container.get("image"), "reason": reason},
                    f"container {cname}: image {container.get('image')} -> {image}",
                    f"kubectl set image {target} {cname}={image}", f"image {container.get('image')}")
    if verb == "resources":
        resource = "memory" if re.search(r"\b(memory|mem)\b", question, re.IGNORECASE) else "cpu"
        which = "requests" if re.search(r"\brequests?\b", question, re.IGNORECASE) else "limits"
        quantity = _quantity(question, resource)
        current = ((container.get("resources") or {}).get(which) or {}).get(resource)
        if quantity is None:
            return f"Say the new {resource} {which[:-1]} (e.g. 'set its {resource} {which[:-1]} to ...'); it is {current} now"
        return Plan("set_resources", {"namespace": ns, "name": name, "kind": kind, "container": cname, which: {resource: quantity},
                                      "expect_generation": generation, "reason": reason},
                    f"container {cname}: {resource} {which[:-1]} {current} -> {quantity}",
                    f"kubectl set resources {target} -c {cname} --{which}={resource}={quantity}", f"generation {generation}")
    return Plan("rollout_restart", {"namespace": ns, "name": name, "kind": kind, "expect_generation": generation, "reason": reason},
                "restart every pod (a new rollout of the same template)", f"kubectl rollout restart {target}",
                f"generation {generation}")


@handles("write_request", "node_or_pod_write", needs=("kubernetes",))
async def write_request(ask: Ask) -> Answer:
    rid = ask.resource or ""
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    obj = (described.data or {}).get("object") or {}
    if described.error is not None and not obj:
        return ask.answer(f"Could not read {rid} to pin the change: {described.error[:200]}", status="unknown",
                          next_steps=["Check the cluster is reachable and ask again."])
    plan = plan_for(ask.question, rid, obj)
    if isinstance(plan, str):
        return ask.answer(plan, status="answered", next_steps=["Ask again with what to change; chat answers with the action to approve."])
    request = ApprovalRequest(tool=plan.tool, args=plan.args, resource=rid, precondition=plan.precondition, change=plan.change,
                              how_to_approve=[plan.kubectl,
                                              f"or let the responder do it with your approval: sre-agent investigate --prompt "
                                              f"\"{ask.question} ({rid})\" --remediation approve"])
    return ask.answer(f"Approval needed: {plan.tool} {rid} ({plan.change}). Chat is read-only and has changed nothing.",
                      status="approval_required", details=[f"would change: {plan.change}", *plan.notes], approval=request,
                      next_steps=[f"To approve, run: {plan.kubectl}", request.how_to_approve[1],
                                  "Then ask 'how is it doing?' to verify."])
