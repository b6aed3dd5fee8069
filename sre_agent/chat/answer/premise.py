"""A question whose premise is a fault on the object it names ("billing api 5xx, is the billing db down", "meter db is
down isnt it, thats why meter-api dies") when that object is healthy: the answer says no, and -- while an alarm fires --
what the investigation of the alarmed object finds instead. A bare "looks healthy" would leave the premise standing
and the on-call looking at the wrong object."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from ..models import Answer
from ..understand.context_names import kind_of, same_object
from .alarms import sole_alarmed
from .diagnosis_text import cause_text

# The question presumes a fault: the object down, dead, broken, or the cause of another's trouble.
FAULT_PRESUMED = re.compile(r"\b(down|dead|broken|crash\w*|failing|the\s+(cause|culprit|problem)|that.?s\s+why|"
                            r"is\s+why|why\s+\S+\s+(dies|fails|crashes|errors)|5xx|erroring|not\s+working)\b", re.IGNORECASE)


POD_OWNERS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


async def _tied_to_root(ask: Ask, rid: str, root: str) -> bool:
    """`rid` is the root cause found, or one of its pods, or a pod that mounts the claim it is."""
    if rid == root or same_object(root, rid) and kind_of(root) in POD_OWNERS:
        return True
    namespace, kind, name = parse_resource_id(rid)
    root_ns, root_kind, root_name = parse_resource_id(root)
    if kind != "Pod" or namespace != root_ns or root_kind != "PersistentVolumeClaim":
        return False
    described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": name, "namespace": namespace, "events_limit": 0})
    volumes = (((described.data or {}).get("object") or {}).get("spec") or {}).get("volumes") or []
    return any((v.get("persistentVolumeClaim") or {}).get("claimName") == root_name for v in volumes)


async def root_still_there(ask: Ask, answer: Answer) -> Answer:
    """`answer` (a status answer saying healthy) when the object is the conversation's root cause or runs on it ("db pod is
    running 1/1 tho" after its claim was found full): up is not fine -- the fault found is said, never a clean bill."""
    diagnosis = ask.last_diagnosis or {}
    root, category = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    if answer.status != "healthy" or not ask.resource or category == "none" or root.count("/") != 2 or \
            not await _tied_to_root(ask, ask.resource, root):
        return answer
    return answer.model_copy(update={
        "headline": f"It runs, but the fault found is on {'it' if root == ask.resource else root}: {category} -- "
                    f"{cause_text(diagnosis, 240)}", "status": "problems",
        "resources": list(dict.fromkeys([ask.resource, root])), "details": answer.details,
        "next_steps": [f"Ask 'how do I fix {parse_resource_id(root)[2]}?' for the change that clears it."]})


async def premise_corrected(ask: Ask, answer: Answer) -> Answer:
    """`answer` (a status answer) with its premise corrected when it says the object asked about is healthy."""
    if (tied := await root_still_there(ask, answer)) is not answer:
        return tied
    if answer.status != "healthy" or ask.investigate is None or not ask.resource or not FAULT_PRESUMED.search(ask.question):
        return answer
    alarmed = await sole_alarmed(ask)
    if not alarmed or alarmed == ask.resource:
        return answer
    summary = await ask.investigate(ask.question, alarmed)
    diagnosis = summary.get("diagnosis") or {}
    culprit, category = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    if category == "none" or not culprit or culprit == ask.resource:
        return answer
    name = parse_resource_id(ask.resource)[2]
    return answer.model_copy(update={
        "headline": f"No: {name} is up -- {answer.headline}. What fails is {culprit} ({category})",
        "status": "answered", "diagnosis": diagnosis,
        "resources": list(dict.fromkeys([culprit, alarmed, ask.resource])),
        "details": [f"the investigation of {alarmed}: {cause_text(diagnosis, 300)}", *answer.details],
        "next_steps": [f"Ask 'why is {parse_resource_id(alarmed)[2]} failing?' for the evidence and the fix."]})
