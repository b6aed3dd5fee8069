"""The call chain from one workload down to where it breaks ("walk me down the call chain from the
gateway", "path from the gateway to it"): the in-cluster calls the `ownership` walk reads from each
workload's environment, followed hop by hop, each Service on the way judged by its own readings --
no ready endpoint, or a failed share of its requests over the line (usage.service_errors).

Where it breaks, when no target is named: the deepest failing Service whose own calls are all up and
not failing -- a caller fails because of what it calls, so the failure furthest down with nothing
failing below it is where to look (if what it calls is up, the fault is in it or in how it calls)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.forms import clean_subject, is_pronoun
from ..understand.references import name_of, named_exactly, owner_of, workload_of_service
from .usage import service_errors

MAX_HOPS = 5
MAX_WORKLOADS = 10  # workloads whose calls are read: a chain, not the whole cluster (the reads stay bounded)
BEHIND_SERVICE = ("Deployment", "StatefulSet", "DaemonSet")
_TARGET = re.compile(r"\bto\s+(?:the\s+|whatever\s+|what(?:ever)?\s+is\s+)?(?P<word>[\w./-]+)", re.IGNORECASE)
_NO_TARGET = {"whatever", "broken", "failing", "actually", "problem", "bottom", "end", "root", "cause", "fault", "what"}


@dataclass
class Hop:
    service: str  # the Service called (resource id)
    via: str  # the env var that names it
    caller: str  # the workload that calls it
    depth: int
    workload: str | None = None  # the workload behind the Service
    down: str = ""  # why it takes no traffic, when it does not
    failing: list[str] = field(default_factory=list)  # its failed share, when over the line
    readings: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.down or self.failing)


async def _workload_behind(ask: Ask, rid: str) -> str | None:
    kind = parse_resource_id(rid)[1]
    if kind in BEHIND_SERVICE:
        return rid
    if kind == "Pod":
        return await owner_of(ask, rid)
    return await workload_of_service(ask, rid, BEHIND_SERVICE) if kind == "Service" else None


async def _walk(ask: Ask, start: str) -> list[Hop]:
    """The Services reached from `start` by in-cluster calls, with their state. The workloads behind
    failing Services are walked first (a caller fails because of what it calls), then the rest,
    shallowest first, until MAX_WORKLOADS have been read."""
    hops: list[Hop] = []
    frontier: list[tuple[bool, int, str]] = [(False, 0, start)]  # (healthy, depth, workload): broken sort first
    seen, walked = {start}, 0
    while frontier and walked < MAX_WORKLOADS:
        frontier.sort()
        _, depth, workload = frontier.pop(0)
        if depth >= MAX_HOPS:
            continue
        walked += 1
        namespace, kind, name = parse_resource_id(workload)
        walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, "namespace": namespace})
        for dep in (walk.data or {}).get("calls") or []:
            service = str(dep.get("service") or "")
            if not service or any(h.service == service for h in hops):
                continue
            hop = Hop(service=service, via=str(dep.get("env") or "?"), caller=workload, depth=depth + 1)
            if not dep.get("exists"):
                hop.down = "MISSING: the Service does not exist"
            elif not dep.get("ready_endpoints"):
                hop.down = f"DOWN: no ready endpoint ({dep.get('not_ready_endpoints') or 0} not ready)"
            else:
                hop.readings.append(f"{dep.get('ready_endpoints')} ready endpoint(s)")
            s_namespace, _, s_name = parse_resource_id(service)
            hop.readings += await service_errors(ask, s_namespace or "", s_name, hop.failing)
            hops.append(hop)
            hop.workload = await _workload_behind(ask, service) if dep.get("exists") else None
            if hop.workload and hop.workload not in seen:
                seen.add(hop.workload)
                frontier.append((not hop.broken, depth + 1, hop.workload))
    return hops


def _chain(hops: list[Hop], end: Hop, start: str) -> list[Hop]:
    """The hops from `start` down to `end`, following who called whom."""
    chain, hop = [end], end
    while hop.caller != start:
        parent = next((h for h in hops if h.workload == hop.caller), None)
        if parent is None or parent in chain:
            break
        chain.insert(0, parent)
        hop = parent
    return chain


def _below(hops: list[Hop], hop: Hop) -> list[Hop]:
    return [h for h in hops if hop.workload and h.caller == hop.workload]


def _where_it_breaks(hops: list[Hop]) -> Hop | None:
    """The deepest broken Service with nothing broken below it (a DOWN one before a failing one)."""
    ends = [h for h in hops if h.broken and not any(b.broken for b in _below(hops, h))]
    return max(ends, key=lambda h: (h.depth, bool(h.down)), default=None)


def _line(hop: Hop) -> str:
    state = hop.down or ("failing: " + "; ".join(hop.failing) if hop.failing else "up, not failing")
    return f"{hop.depth}. {hop.service} (called by {name_of(hop.caller)} via {hop.via}): {state}"


async def _target(ask: Ask, start: str) -> tuple[str | None, str | None]:
    """(the resource the question walks to, the word it used), or (None, None) for "to whatever is broken"."""
    match = _TARGET.search(ask.question.split(" from ", 1)[-1]) if " to " in ask.question.lower() else None
    word = clean_subject(match.group("word")) if match else None
    if not word or word in _NO_TARGET:
        return None, None
    if is_pronoun(word):
        return next((r for r in ask.focus if r != start and name_of(r) != name_of(start)), None), word
    return await named_exactly(ask, word), word


@handles("call_path", needs=("kubernetes", "cloudwatch"))
async def call_path(ask: Ask) -> Answer:
    start_rid = ask.resource or ""
    start = await _workload_behind(ask, start_rid)
    if start is None:
        return ask.answer(f"Cannot walk calls from {start_rid or 'nothing named'}: name a workload or a Service the calls start "
                          "from ('walk me down the call chain from <service>').", status="needs_subject")
    hops = await _walk(ask, start)
    if not hops:
        return ask.answer(f"{start} calls no in-cluster service (none named in its environment): the chain ends there",
                          resources=[start], next_steps=["Its own pods, logs and recent changes are where to look."])
    target, word = await _target(ask, start)
    lines = [_line(h) for h in hops]
    if word and target is None:
        return ask.answer(f"{word}: not found -- the calls from {start} reach {', '.join(name_of(h.service) for h in hops)}",
                          details=lines, resources=[start])
    end = next((h for h in hops if target and target in (h.service, h.workload)), None) if target else _where_it_breaks(hops)
    if target and end is None:
        return ask.answer(f"{start} does not reach {target} through in-cluster calls ({MAX_HOPS} hops walked)",
                          details=lines, resources=[start, target])
    if end is None:
        return ask.answer(f"Nothing on the call chain from {start} fails now: {len(hops)} service(s) reached, every one with "
                          "ready endpoints and a failed share under the line", details=lines, resources=[start],
                          next_steps=[f"If {name_of(start)} still fails, look at its own pods, logs and recent changes."])
    chain = _chain(hops, end, start)
    path = " -> ".join([name_of(start), *(name_of(h.service) for h in chain)])
    below = _below(hops, end)
    if target:
        state = f"{name_of(end.service)} is {'broken: ' + (end.down or '; '.join(end.failing)) if end.broken else 'up, not failing'}"
        return ask.answer(f"{path}: {state}", details=[_line(h) for h in chain] + [_line(h) for h in below],
                          status="problems" if any(h.broken for h in chain) else "answered",
                          resources=[end.workload or end.service, start])
    why = end.down or "; ".join(end.failing)
    if end.down:
        where = (f"it takes no traffic ({end.down}): its pods are where to look -- scaled to zero, not Ready, or not "
                 "selected by its Service")
    elif below:
        where = (f"it fails while everything it calls is up ({', '.join(f'{name_of(b.service)} via {b.via}' for b in below)}): "
                 f"the fault is in {name_of(end.service)} or in how it calls them -- check its recent changes and those settings")
    else:
        where = "nothing it calls is failing: the fault is in it"
    culprit = end.workload or end.service
    return ask.answer(f"{path}: it breaks at {name_of(end.service)} ({why})",
                      details=[_line(h) for h in chain] + [_line(h) for h in below] + [where], status="problems",
                      resources=[culprit, start],
                      next_steps=[f"Ask 'why is {name_of(culprit)} failing?' for the root cause, or 'what changed on "
                                  f"{name_of(culprit)}'."])
