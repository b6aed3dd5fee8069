"""How bad is it: the incident's reach, read from the sweep -- the problem the conversation is about (its root cause,
else its object, else the worst problem now), what depends on it (the sweep's blast radius: the callers of a failing
Service, the pods of a full claim), the symptoms seen on them, and the alarms firing. "Who else is hurting" is the
same question."""

from __future__ import annotations

from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import name_of
from .health import sweep
from .topology import dependents
from .wider_subject import touches

MAX_SYMPTOMS = 4


@handles("impact", needs=("kubernetes", "cloudwatch"))
async def impact(ask: Ask, incident: str | None = None) -> Answer:
    """The reach of `incident` (default: the conversation's)."""
    report = await sweep(ask)
    incident = incident or ask.incident
    firing = [a for a in report.alarms if a.state == "ALARM" and not a.demand]
    alarm_line = f"alarms firing: {', '.join(a.name for a in firing)}" if firing else "no alarm firing"
    if not report.problems:
        status = "healthy" if report.status == "healthy" else "unknown"
        return ask.answer(f"Nothing is broken now{' in ' + ask.namespace if ask.namespace else ''}: no problem found; "
                          f"{alarm_line}", status=status, resources=[incident] if incident else [])
    # the problem the conversation is about: rooted at its object, or the object among its symptoms or reach
    mine = next((p for p in report.problems if incident and p.resource == incident), None) or next(
        (p for p in report.problems if incident and touches(p, incident)), None)
    problem = mine or report.problems[0]
    callers: list[str] = []
    call_lines: list[str] = []
    if problem.resource.count("/") == 2:  # what calls it, up the call chain: its failures are theirs
        ask.resource = problem.resource
        walked = await dependents(ask)
        callers, call_lines = [r for r in walked.resources if r != problem.resource], walked.details
    reach = [r for r in [*problem.blast_radius, *callers] if name_of(r) != name_of(problem.resource)]
    names = list(dict.fromkeys(name_of(r) for r in reach))  # a workload and its Service are one dependent to a reader
    reached = f"{len(names)} depend on it and are hit: {', '.join(names)}" if names else "nothing else depends on it"
    details = [f"{problem.resource}: {problem.summary}", *call_lines]
    details += [f"symptom on {s.resource}: {s.signal} -- {s.message[:160]}" for s in problem.symptoms[:MAX_SYMPTOMS]]
    details.append(alarm_line)
    others = [p.resource for p in report.problems if p is not problem]
    if others:  # broken too, but not through this problem: said apart, never added to its reach
        details.append(f"also broken, not tied to it: {', '.join(others[:4])}")
    return ask.answer(f"{problem.resource} ({problem.category or problem.severity}) is the problem; {reached}",
                      status="problems", details=details, resources=list(dict.fromkeys([problem.resource, *reach])),
                      next_steps=[f"Ask 'why is {name_of(problem.resource)} failing?' for the root cause and its fix."])
