"""The subject of a question or request that names none: what pages now, else the service whose own telemetry shows
the symptom, else the worst problem a sweep finds -- a state a person chose and recorded (a decommission, a suspension
with its reason) never counts as the worst problem. Read by why_failing, summaries, onsets and the refusals of changes
that leave the fault (act/cause_note.py, act/rollback.py)."""

from __future__ import annotations

from typing import Any

from ...contracts import parse_resource_id
from ...graph.intent import recorded_intent
from ..ask import Ask
from ..models import Answer
from ..understand.inventory import WORKLOADS, load_inventory, words_of
from ..understand.references import kind_of, name_of
from .health import broken_now, sweep
from .pods import owner_id, pod_trouble
from .slow_services import symptom_service


async def wider_subject(ask: Ask, near: str | None = None, *, own_node: bool = True) -> str | Answer:
    """No object named (or a Node, whose symptoms are its pods'): what is broken now in the namespace in
    context, else the cluster -- the worst problem is the one investigated; nothing broken is said as such. `near`: what
    a request to change that object is checked against -- a problem an alarm pages on, or a quiet one tied to the object
    (it, its namespace, something whose reach or symptoms include it); "" when none is (a one-off Job that failed in
    another namespace is no cause of it). `own_node` False: a Node talked about is not looked into -- a change to it is
    weighed against what pages elsewhere."""
    node = name_of(ask.resource) if own_node and ask.resource and kind_of(ask.resource) == "Node" else None
    report = await sweep(ask)
    problems = report.problems
    if near:  # what pages is always a suspect; a quiet problem only when it touches the object
        problems = [p for p in problems if any(s.source == "alarm" for s in p.symptoms) or _tied_to(p, near)]
    if node:
        on_node = await _troubled_owners_on(ask, node)
        problems = [p for p in problems if p.resource in on_node] or \
            [p for p in problems if any(r in on_node for r in p.blast_radius)]
        if not problems:
            return ask.resource or ""
    retired = [p for p in problems if await _decommissioned(ask, p.resource)]
    # a state a person chose and recorded (a suspension with its reason) is no problem -- unless an alarm pages on it
    problems = [p for p in problems if p not in retired] or [p for p in retired if any(s.source == "alarm" for s in p.symptoms)]
    # what pages is what a subjectless conversation is about: an alarmed problem before a quiet one (a one-off Job that
    # failed hours ago outranks nothing that is paging now) -- and an alarm folded under a workload retired on purpose
    # still pages: what it watches (the caller still naming the retired one) is the subject then
    problems = sorted(problems, key=lambda p: not any(s.source == "alarm" for s in p.symptoms))
    alarmed_behind_retired = [s.resource for p in retired for s in p.symptoms if s.source == "alarm" and s.resource != p.resource]
    if near and not problems and not alarmed_behind_retired:
        # nothing pages near it: a service whose own latency/5xx is rising elsewhere is what a change is weighed
        # against (its investigation says where the fault is); the object's own Service is the object itself
        showing = await symptom_service(ask, unsaid=True)
        same = showing and parse_resource_id(showing)[::2] == parse_resource_id(near)[::2]
        return showing if showing and not same else ""
    if problems and any(s.source == "alarm" for s in problems[0].symptoms):
        return problems[0].resource
    # nothing paging: the service whose own latency/5xx rose (the symptom said, else what users feel) is the subject --
    # a quiet static finding elsewhere (a suspended CronJob) is no answer to "bookings time out", nor what is wrong now
    if not near and not alarmed_behind_retired and (showing := await symptom_service(ask, unsaid=True)) is not None:
        ask.notes.append(f"(no object named: {showing}'s own telemetry shows the symptom against its baseline -- investigated)")
        return next((p.resource for p in problems if touches(p, showing)), showing)
    if problems and not alarmed_behind_retired:
        return problems[0].resource
    if alarmed_behind_retired:
        return alarmed_behind_retired[0]
    answer = await broken_now(ask)
    answer.details.insert(0, "(No object in the question matched a name, so this looked at what is broken now.)")
    return answer


def touches(problem: Any, rid: str) -> bool:
    """Whether a sweep's problem is about `rid`: rooted at it, or `rid` in its reach or among its symptoms."""
    return problem.resource == rid or rid in problem.blast_radius or any(s.resource == rid for s in problem.symptoms)


def _tied_to(problem: Any, rid: str) -> bool:
    """touches(), or the problem and `rid` share a namespace."""
    namespace = parse_resource_id(rid)[0]
    return touches(problem, rid) or bool(namespace) and parse_resource_id(problem.resource)[0] == namespace


async def _decommissioned(ask: Ask, rid: str) -> bool:
    """A workload scaled to 0, or a CronJob suspended, as a person recorded doing (a decommission, a retirement, a
    suspension "until the dedupe fix"): that choice is never "the worst problem" to investigate first."""
    namespace, kind, name = parse_resource_id(rid)
    if kind not in ("Deployment", "StatefulSet", "CronJob") or not namespace:
        return False
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    obj = (described.data or {}).get("object") or {}
    held = (obj.get("spec") or {}).get("suspend") is True if kind == "CronJob" else (obj.get("spec") or {}).get("replicas") == 0
    return held and any(i.about == "object" for i in recorded_intent(rid, obj.get("metadata")))


async def _troubled_owners_on(ask: Ask, node: str) -> set[str]:
    """The workloads whose pods on `node` are not running and ready."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    return {owner_id(p) for p in (listed.data or {}).get("items") or [] if p.get("node") == node and pod_trouble(p)}


async def troubled_other_named(ask: Ask, asked: str) -> str | None:
    """Another object the question names for sure that a sweep finds a problem on (or under an alarm), when `asked` --
    the one it was taken to be about -- has no fault: "why are trucks failing to publish through the gateway" said
    "trucks" of the processor and "gateway" of the gateway that crashes; "why does node-exporter run there but log-agent
    doesn't" names the healthy one first. A why-question is about what is wrong; the healthy one is the comparison."""
    from ..understand.grounding import SURE, named_mentions  # the grounding reads the inventory this package answers from

    named = [m.chosen.rid for m in await named_mentions(ask)
             if m.chosen is not None and m.candidates and m.candidates[0][0] >= SURE and m.chosen.rid != asked]
    # a plain word that is a whole token of a workload's name ("the gateway": mqtt-gateway) -- too loose to name an
    # object by itself, enough where that object is the one in trouble
    words = {w for w in words_of(ask.question) if len(w) >= 4}
    named += [k.rid for k in (await load_inventory(ask)).objects
              if k.kind in WORKLOADS and words & set(k.name.split("-")) and k.rid != asked]
    if not named:
        return None
    problems = (await sweep(ask)).problems
    return next((rid for rid in dict.fromkeys(named) for p in problems if touches(p, rid)), None)
