"""Requests about the autoscaler of a workload ("cap the gateway hpa at 5", "add an hpa to X, min 2 max 6", "point the
hpa at the v2 deploy"): the HPA is found by its target (or its name); a workload nothing scales while an HPA of its
namespace aims at a workload that no longer exists (FailedGetScale -- the rename it missed) gets that HPA, re-aimed."""

from __future__ import annotations

import json
import re

from ...contracts import parse_resource_id
from ...graph.autoscaler_fixes import grew_from
from ..answer.pods import scales_nothing
from ..ask import Ask
from ..models import Answer
from .cause_note import noted_or_refused
from .guards import OVERRIDE
from .hand_edits import hpa_plan
from .plans import BY_HAND, Plan, approval_answer, by_hand, new_hpa_plan, unplanned

NEW_HPA = re.compile(r"\b(add|create|put)\s+(an?\s+)?(hpa|autoscaler|horizontal\s*pod\s*autoscaler)\b", re.IGNORECASE)
RETARGET = re.compile(r"\b(target\w*|point\w*|aim\w*|scale\s*target\s*ref|re-?target\w*)\b", re.IGNORECASE)


def hpa_change(question: str, hpa: dict) -> Plan | str:
    """A raised maxReplicas is raise_hpa_max; a lower cap or a new minimum is a human's command (no tool lowers
    capacity)."""
    planned = hpa_plan(question, hpa)
    if isinstance(planned, str):
        return planned
    change, args, kubectl, precondition, _ = planned
    current, wanted = args.get("expect"), args.get("maxReplicas")
    if isinstance(current, int) and isinstance(wanted, int) and wanted > current and "minReplicas" not in args:
        return Plan("raise_hpa_max", {"namespace": args["namespace"], "name": args["name"], "max_replicas": wanted,
                                      "expect_max_replicas": current, "reason": question[:200]}, change, kubectl, precondition)
    return by_hand(planned)


def _orphan_for(hpas: list[dict], kind: str, name: str) -> dict | None:
    """The HPA that cannot read its target's scale (FailedGetScale) and whose target's name is this workload's stem
    (`appointments-api` for `appointments-api-v2`, or the other way round)."""
    for hpa in hpas:
        target_kind, _, target = str(hpa.get("target") or "").partition("/")
        if scales_nothing(hpa) and target_kind == kind and grew_from(target, name):
            return hpa
    return None


def retarget_plan(hpa: dict, kind: str, name: str) -> Plan:
    namespace = hpa.get("namespace") or ""
    patch = json.dumps({"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}}})
    return Plan(BY_HAND, {"kind": "HorizontalPodAutoscaler", "name": hpa.get("name"), "namespace": namespace,
                          "scaleTargetRef": f"{kind}/{name}"},
                f"HPA {hpa.get('name')} scaleTargetRef {hpa.get('target')} (which does not exist) -> {kind}/{name}",
                f"kubectl patch hpa {hpa.get('name')} -n {namespace} --type merge -p '{patch}'",
                f"scaleTargetRef {hpa.get('target')}", ["No MCP tool re-aims an HPA: a human runs the command after approval."])


async def hpa_request(ask: Ask, rid: str) -> Answer:
    """The HPA that scales the workload asked about (its target), read from the namespace's autoscalers."""
    namespace, kind, name = parse_resource_id(rid)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "HorizontalPodAutoscaler", "namespace": namespace or "default"})
    hpas = (listed.data or {}).get("items") or []
    hpa = next((h for h in hpas if h.get("target") == f"{kind}/{name}"), None) or \
        next((h for h in hpas if h.get("name") == name), None)
    if hpa is None and NEW_HPA.search(ask.question):  # "add an hpa to gtfs-publisher, min 2 max 6"
        plan = new_hpa_plan(ask.question, rid)
        return ask.answer(plan, status=unplanned(plan)) if isinstance(plan, str) else approval_answer(ask, plan, rid)
    orphan = _orphan_for(hpas, kind, name) if hpa is None else None
    if orphan is not None and RETARGET.search(ask.question):  # "fix the hpa target to the v2 deploy"
        return approval_answer(ask, retarget_plan(orphan, kind, name), f"{namespace}/HorizontalPodAutoscaler/{orphan.get('name')}")
    if hpa is None:
        return ask.answer(f"No HorizontalPodAutoscaler in {namespace} scales {rid}"
                          + (f"; hpa {orphan.get('name')} aims at {orphan.get('target')}, which does not exist "
                             f"(FailedGetScale): say 'point the hpa at {name}' to re-aim it" if orphan else ""),
                          status="answered", resources=[rid] if orphan is None else
                          [rid, f"{namespace}/HorizontalPodAutoscaler/{orphan.get('name')}"],
                          next_steps=["Ask 'scale it to N' to change its replicas directly."])
    plan = hpa_change(ask.question, hpa)
    if isinstance(plan, str):
        return ask.answer(plan, status=unplanned(plan))
    if (below := below_its_cap(plan, hpa)) is not None and not OVERRIDE.search(ask.question):
        return ask.answer(below, status="answered", resources=[rid, f"{namespace}/HorizontalPodAutoscaler/{hpa.get('name')}"],
                          next_steps=["Ask 'why can't it scale?' for what holds it; to raise the cap anyway, say so "
                                      "('... anyway') and a human approves the pinned action."])
    # an autoscaler's bounds are a scale: weighed against the fault found as one ("min 8 so we get more pods" against a
    # readiness probe that fails every new pod is said, with the change that acts on it)
    if (refused := await noted_or_refused(ask, plan, rid, "hpa")) is not None:
        return refused
    return approval_answer(ask, plan, f"{namespace}/HorizontalPodAutoscaler/{hpa.get('name')}")


def below_its_cap(plan: Plan, hpa: dict) -> str | None:
    """A higher maxReplicas for an autoscaler that wants fewer replicas than its cap changes nothing now: said, with
    what it runs and wants, rather than pinned as if the cap held it."""
    desired, cap = hpa.get("desired"), hpa.get("max")
    if plan.tool != "raise_hpa_max" or not isinstance(desired, int) or not isinstance(cap, int) or desired >= cap:
        return None
    current = hpa.get("current")
    return (f"Not pinned: HPA {hpa.get('name')} wants {desired} replicas (runs {current}) of its max {cap}: it is "
            "not at its cap, so a higher max changes nothing now -- what keeps it from the replicas it wants is elsewhere "
            "(its pods not created or not placed)" if isinstance(current, int) and current < desired else
            f"Not pinned: HPA {hpa.get('name')} wants {desired} replicas of its max {cap}: it is not at its cap, so a higher "
            "max changes nothing now")
