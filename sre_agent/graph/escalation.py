"""The escalate node: page a human with everything found so far, and say why."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from langgraph.runtime import Runtime

from .context import RunContext, emit
from .coverage import could_not_check_sentence
from .fixes import proposed_fixes
from .ports import Delivery
from .recall import relevant_facts
from .report import alarm_unexplained, unseen_backends
from .state import Investigation


def escalation_message(state: Investigation) -> str:
    diagnosis = state.diagnosis
    lines = [f"[sre-agent] ESCALATED {state.incident.id}: {state.incident.title}",
             f"why: {escalation_reason(state)}"]
    if diagnosis:
        lines.append(f"diagnosis: {diagnosis.category.value} on {diagnosis.resource or '-'} "
                     f"(confidence {diagnosis.confidence:.2f}): {diagnosis.summary}")
    for action in state.actions:
        lines.append(f"action: {action.tool} {action.args} -> {action.result}")
    fixes = proposed_fixes(state)
    for fix in fixes:
        lines.append(f"fix {fix.resource}: {fix.summary}" + (f" (needs: {fix.needs})" if fix.needs else ""))
        lines += [f"  $ {command}" for command in fix.commands if not command.startswith("#")]
    if state.plan and not state.actions and not fixes:
        lines.append(f"proposed: {state.plan.tool} {state.plan.args} ({state.plan.risk} risk, runbook {state.plan.runbook})")
    # Who owns it, who to call, what not to do: what the team said about these objects travels with the page.
    lines += [f"team: {fact.text} ({fact.person or 'unnamed'})" for fact in relevant_facts(state)]
    return "\n".join(lines)


def escalation_reason(state: Investigation) -> str:
    if state.escalation_reason:
        return state.escalation_reason
    unseen = unseen_backends(state)
    if unseen:
        return f"the alarm is firing and no root cause was found, but {could_not_check_sentence(unseen)}"
    firing = alarm_unexplained(state)
    if firing is not None and firing.signal == "AlarmFiring":
        return f"no root cause was found, but {firing.summary}"
    if firing is not None:
        return (f"no root cause was found, but the alarm still fires and {firing.resource} is off its baseline: "
                f"{firing.summary} -- look at what changed before that")
    return "the fix was not verified"


def delivery_note(deliveries: Sequence[Delivery]) -> str:
    """Exactly what happened to the page: where it went, where it did not and why, or that nowhere is configured."""
    if not deliveries:
        return "no escalation channel is configured (escalation.* settings)"
    delivered = [d.channel for d in deliveries if d.delivered]
    failed = "; ".join(f"{d.channel} ({d.error or 'not delivered'})" for d in deliveries if not d.delivered)
    if not failed:
        return f"escalation delivered to: {', '.join(delivered)}"
    if not delivered:
        return f"escalation NOT delivered: {failed}; no other channel configured"
    return f"escalation delivered to: {', '.join(delivered)}; NOT delivered: {failed}"


async def escalate(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    notifier = runtime.context.notifier
    state = state.model_copy(update={"escalation_reason": escalation_reason(state)})
    message = escalation_message(state)
    # Sending blocks (bounded retries per channel): off the event loop, so a service keeps serving meanwhile.
    deliveries = list(await asyncio.to_thread(notifier.escalation, state.incident.id, state.incident.title, message)
                      if notifier else [])
    note = delivery_note(deliveries)
    emit(runtime, "escalate", reason=state.escalation_reason, delivery=note,
         delivered=[d.channel for d in deliveries if d.delivered],
         not_delivered=[{"channel": d.channel, "error": d.error} for d in deliveries if not d.delivered])
    return {"status": "escalated", "escalation_reason": state.escalation_reason, "notes": [note]}
