"""The escalate node: page a human with everything found so far, and say why."""

from __future__ import annotations

from langgraph.runtime import Runtime

from .context import RunContext, emit
from .coverage import could_not_check_sentence
from .report import unseen_backends
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
    if state.plan and not state.actions:
        lines.append(f"proposed: {state.plan.tool} {state.plan.args} ({state.plan.risk} risk, runbook {state.plan.runbook})")
    return "\n".join(lines)


def escalation_reason(state: Investigation) -> str:
    if state.escalation_reason:
        return state.escalation_reason
    unseen = unseen_backends(state)
    if unseen:
        return f"the alarm is firing and no root cause was found, but {could_not_check_sentence(unseen)}"
    return "the fix was not verified"


async def escalate(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    notifier = runtime.context.notifier
    state = state.model_copy(update={"escalation_reason": escalation_reason(state)})
    message = escalation_message(state)
    delivered = notifier.send(subject=f"Escalated: {state.incident.title}"[:99], message=message) if notifier else []
    emit(runtime, "escalate", reason=state.escalation_reason, delivered=delivered)
    return {"status": "escalated", "escalation_reason": state.escalation_reason,
            "notes": [f"escalation delivered to: {', '.join(delivered) or 'no channel configured'}"]}
