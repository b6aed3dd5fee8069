"""Memory in the investigation: past incidents recalled before the first question (their root causes are checked
first) and again once the diagnosis is known (recurrences, moved faults, each marked confirmed or not). Memory is a
hypothesis, never evidence: nothing here becomes a finding, and the diagnosis rests on this run's tool results.
A fix that was applied before to the same object and did not verify is never run unattended again: a human is asked,
with the earlier incident named."""

from __future__ import annotations

import asyncio
import logging

from langgraph.runtime import Runtime

from ..contracts import RecalledIncident, TeamFact
from .context import RunContext, emit
from .state import Investigation, RemediationPlan

log = logging.getLogger(__name__)


async def recall(state: Investigation, runtime: Runtime[RunContext], *, after: bool) -> list[RecalledIncident] | None:
    """The memory's matches for this run (None: no memory attached, or it could not be read -- a run never fails
    for want of its memory)."""
    memory = runtime.context.memory
    if memory is None:
        return None
    try:
        found = await asyncio.to_thread(memory.recall_after if after else memory.recall_before, state)
    except Exception as exc:  # noqa: BLE001 -- a broken memory store costs the hint, not the investigation
        log.warning("the incident memory could not be read: %s: %s", type(exc).__name__, exc)
        return None
    for past in found:
        if not after or past.match != "alarm":
            emit(runtime, "recall", incident=past.incident_id, match=past.match, category=past.category,
                 resource=past.resource, fix=past.fix, verified=past.verified, confirmed=past.confirmed)
    return found


async def remembered_context(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    """Before the first question: the alarm's past incidents and what the team said, as a state update."""
    update: dict = {"recalled": await recall(state, runtime, after=False) or []}
    memory = runtime.context.memory
    if memory is not None:
        try:
            update["team_facts"] = await asyncio.to_thread(memory.facts_for, state)
        except Exception as exc:  # noqa: BLE001
            log.warning("the team's facts could not be read: %s: %s", type(exc).__name__, exc)
    return update


def relevant_facts(state: Investigation) -> list[TeamFact]:
    """The team's facts about what this run touched: the alarmed objects, the root cause, the planned write."""
    touched = [*state.incident.affected, *([state.diagnosis.resource] if state.diagnosis and state.diagnosis.resource
                                           else []), *([state.plan.resource] if state.plan and state.plan.resource else [])]
    scoped = [f for f in state.team_facts if (f.namespace or f.resource) and any(f.about(r) for r in touched if r)]
    return scoped + [f for f in state.team_facts if not (f.namespace or f.resource)]


def facts_lines(facts: list[TeamFact]) -> list[str]:
    """The report's "What the team said" section."""
    if not facts:
        return []
    out = ["## What the team said", ""]
    for fact in facts:
        rule = " (a rule the policy enforces)" if fact.forbid else ""
        out.append(f"- {fact.text}{rule} -- {fact.person or 'unnamed'}, {fact.created_at:%Y-%m-%d} [{fact.id}]")
    return [*out, ""]


def failed_before(plan: RemediationPlan, state: Investigation) -> RecalledIncident | None:
    """A remembered incident whose fix was this same action on this same object and did not verify."""
    resource = plan.resource
    return next((past for past in state.recalled or [] if past.fix_tool == plan.tool and past.fix_resource == resource
                 and resource and not past.verified and past.fix and not past.fix.startswith("proposed")), None)


def failed_before_sentence(past: RecalledIncident) -> str:
    return (f"the same {past.fix_tool} on {past.fix_resource} was applied in {past.incident_id} "
            f"({past.when:%Y-%m-%d %H:%M} UTC) and did not verify ({past.status})")


MATCHED_BY = {"resource": "the same root cause on the same object", "alarm": "the same alarm",
              "evidence": "the same evidence on another object (the fault moved)"}


def seen_before_lines(recalled: list[RecalledIncident]) -> list[str]:
    """The report's "Seen before" section: each past incident, how it matched, whether this run confirmed it."""
    if not recalled:
        return []
    out = ["## Seen before", "", "From the incident memory -- hypotheses checked against this run's own evidence, "
           "never evidence themselves.", ""]
    for past in recalled:
        verdict = {True: "confirmed by this run's evidence", False: "not what this run found",
                   None: "not checked"}[past.confirmed]
        shared = f" (shared: {', '.join(past.shared[:6])})" if past.shared else ""
        out.append(f"- {past.sentence()}. Matched by {MATCHED_BY[past.match]}{shared}; {verdict}.")
    return [*out, ""]
