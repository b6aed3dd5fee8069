"""The escalate node: page a human with everything found so far, and say why."""

from __future__ import annotations

from langgraph.runtime import Runtime

from .context import RunContext, emit
from .state import Investigation


def escalation_message(state: Investigation) -> str:
    diagnosis = state.diagnosis
    lines = [f"[sre-agent] ESCALATED {state.incident.id}: {state.incident.title}",
             f"why: {state.escalation_reason or 'the fix was not verified'}"]
    if diagnosis:
        lines.append(f"diagnosis: {diagnosis.category.value} on {diagnosis.resource or '-'} "
                     f"(confidence {diagnosis.confidence:.2f}): {diagnosis.summary}")
    for action in state.actions:
        lines.append(f"action: {action.tool} {action.args} -> {action.result}")
    if state.plan and not state.actions:
        lines.append(f"proposed: {state.plan.tool} {state.plan.args} ({state.plan.risk} risk, runbook {state.plan.runbook})")
    return "\n".join(lines)


async def escalate(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    notifier = runtime.context.notifier
    message = escalation_message(state)
    delivered = notifier.send(subject=f"Escalated: {state.incident.title}"[:99], message=message) if notifier else []
    emit(runtime, "escalate", reason=state.escalation_reason, delivered=delivered)
    return {"status": "escalated", "notes": [f"escalation delivered to: {', '.join(delivered) or 'no channel configured'}"]}
