"""Of several objects a word of a question fits, the one the conversation points at: the objects it talked about,
those whose names extend one it talked about, those in its namespaces -- else one short question listing them, never a
silent pick ("the worker" when four workers exist)."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from ..models import Answer
from .forms import KIND_WORDS


def kind_of(rid: str) -> str:
    try:
        return parse_resource_id(rid)[1]
    except ValueError:
        return ""


def name_of(rid: str) -> str:
    try:
        return parse_resource_id(rid)[2]
    except ValueError:
        return rid


def same_object(root: str, rid: str) -> bool:
    """rid is the root, or one of its pods (a pod's name starts with its workload's)."""
    if root == rid:
        return True
    root_ns, _, root_name = parse_resource_id(root)
    ns, kind, name = parse_resource_id(rid)
    return kind == "Pod" and ns == root_ns and name.startswith(root_name + "-")


def in_context(ask: Ask, rids: list[str]) -> list[str]:
    """Of several objects a word fits, the ones the conversation points at: those it talked about, else those whose name
    extends (or is extended by) one it talked about (yard-inventory -> yard-inventory-worker), else those that share its
    first word (submissions-db beside submissions-api), else those in its namespaces. [] when the conversation points at
    none of them."""
    named = [name_of(r) for r in ask.focus if r.count("/") == 2]
    spaces = {parse_resource_id(r)[0] for r in ask.focus if r.count("/") == 2} | ({ask.namespace} if ask.namespace else set())
    for fits in (lambda r: r in ask.focus,
                 lambda r: any(name_of(r).startswith(n + "-") or n.startswith(name_of(r) + "-") for n in named),
                 # one system's parts named after it (submissions-api, submissions-db): "the db" after submissions-api
                 lambda r: any(name_of(r).split("-")[0] == n.split("-")[0] for n in named if "-" in n),
                 lambda r: parse_resource_id(r)[0] in spaces):
        if chosen := [r for r in rids if fits(r)]:
            return chosen
    return []


async def several_fit(ask: Ask, subject: str, matches: list[dict], kind: str | None) -> str | Answer | None:
    """A word that is part of several objects' names and the whole of none ("the worker": driver-api-worker,
    yard-inventory-worker): the one the conversation points at, said so; else one short question listing them."""
    rids = [m["resource"] for m in matches if kind_of(m["resource"]) != "Pod"]  # a workload's pods carry its name
    if kind:
        rids = [r for r in rids if kind_of(r) == kind] or rids
    if len({name_of(r) for r in rids}) < 2:
        return None
    if not kind and (workload := _workload_of_its_kin(rids)):
        ask.notes.append(f"(took {subject!r} to mean {workload}; its own objects also fit: "
                         f"{', '.join(r for r in rids if r != workload)[:160]})")
        return workload
    fitting = in_context(ask, rids)
    if len({name_of(r) for r in fitting}) != 1 and (paged := await _paged_about(ask, rids)) is not None:
        return paged  # "pharmacy 5xx why": the one an alarm in ALARM is about, never a question at 3 a.m.
    if len({name_of(r) for r in fitting}) == 1:
        ask.notes.append(f"(took {subject!r} to mean {fitting[0]}, the one this conversation is about; also fits: "
                         f"{', '.join(r for r in rids if r != fitting[0])[:160]})")
        return fitting[0]
    if not fitting and (other := await _named_by_another_word(ask, subject)) is not None:
        return other  # "why are article images failing": image-resizer, which "images" names alone
    listed = ", ".join(fitting or rids[:5])
    return ask.answer(f"Which {subject!r} do you mean: {listed}?", status="needs_subject", resources=[],
                      next_steps=[f"Ask again with the name, e.g. with {name_of((fitting or rids)[0])}."])


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")


async def _paged_about(ask: Ask, rids: list[str]) -> str | None:
    """Of several objects a word fits, the one an alarm now in ALARM is about (its dimension, else its name, names it):
    what pages is what the on-call means -- a workload before its Service of the same name. None when no firing alarm,
    or alarms about several, single one out."""
    from ..answer.about import alarm_mentions  # (answer reads understand; this one lookup goes the other way)

    listed = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    firing = [a for a in (listed.data or {}).get("alarms") or [] if a.get("state") == "ALARM"]
    named = {name_of(r) for r in rids if any(alarm_mentions(a, name_of(r)) for a in firing)}
    if len(named) != 1:
        return None
    chosen = sorted((r for r in rids if name_of(r) in named), key=lambda r: kind_of(r) not in WORKLOAD_KINDS)[0]
    alarm = next(a.get("name") for a in firing if alarm_mentions(a, name_of(chosen)))
    ask.notes.append(f"(took the question to mean {chosen}, which alarm {alarm} is about; also fits: "
                     f"{', '.join(r for r in rids if r != chosen)[:160]})")
    return chosen


async def _named_by_another_word(ask: Ask, subject: str) -> str | None:
    """The one workload another word of the question is a whole token of (a plural read as its singular), when the
    word first tried fits several and the conversation points at none of them: the question named its object twice,
    once ambiguously ("article images": several article-*, one image-resizer). None when no other word, or several."""
    from .inventory import load_inventory  # (the session's listing; inventory reads through references)

    words = {w for w in re.findall(r"[a-z][a-z0-9]+", ask.question.lower()) if w != subject.lower() and len(w) >= 4
             and not KIND_WORDS.get(w.rstrip("s"))}
    if not words:
        return None
    forms = words | {w[:-1] for w in words if w.endswith("s")}
    owners = {k.rid for k in (await load_inventory(ask)).objects if k.kind in WORKLOAD_KINDS
              and (not ask.namespace or k.namespace == ask.namespace) and forms & set(k.name.lower().split("-"))}
    if len(owners) != 1:
        return None
    chosen = owners.pop()
    ask.notes.append(f"(took the question to be about {chosen}, which another of its words names; {subject!r} fits "
                     "several objects)")
    return chosen


def _workload_of_its_kin(rids: list[str]) -> str | None:
    """The one workload among objects that are all its own -- its Service, Secret or ConfigMap of its name or stem
    (x-config), a claim of its members (data-x-0) -- when no kind was said: "the queue" is reminder-queue, not
    data-reminder-queue-0."""
    workloads = [r for r in rids if kind_of(r) in WORKLOAD_KINDS]
    if len({name_of(r) for r in workloads}) != 1:
        return None
    name = name_of(workloads[0])
    kin = re.compile(rf"^(?:[a-z0-9.-]+-)?{re.escape(name)}(?:-[a-z0-9.-]+)?$")
    return workloads[0] if all(r in workloads or kin.match(name_of(r)) and kind_of(r) not in WORKLOAD_KINDS
                               for r in rids) else None


def focus_by_word(ask: Ask) -> str | None:
    """The one object of the conversation a word of the question is a whole token of ("debug" of imaging-upload-debug),
    when exactly one is; a word every one of them shares, or none, says nothing."""
    words = {w.lower() for w in ask.recognised.candidates if not KIND_WORDS.get(w.lower().rstrip("s"))}
    hits = [r for r in ask.focus if r.count("/") == 2 and words & set(name_of(r).lower().split("-"))]
    return hits[0] if len({name_of(r) for r in hits}) == 1 else None


RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")  # what has pods, before what it reads


def word_of_focus(ask: Ask, subject: str) -> str | None:
    """The conversation's object whose dashed name has `subject` as a word ("db" of timetable-db), most recent first --
    a workload before its Secret, ConfigMap or Service of the same stem ("are the gateway pods up" after talking about
    truck-gateway-tls: truck-gateway), unless the question says the kind it means."""
    word = subject.lower()
    hits = [r for r in ask.focus if r.count("/") == 2 and word in name_of(r).lower().split("-")]
    said = {KIND_WORDS.get(w.lower().rstrip("s")) for w in re.findall(r"[a-z]+", ask.question.lower())}
    if hits and not said & {kind_of(r) for r in hits}:
        hits.sort(key=lambda r: kind_of(r) not in RUNNING_KINDS)  # stable: most recent first within each
    return hits[0] if hits else None
