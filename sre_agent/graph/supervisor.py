"""The supervisor node: ask the brain for the next question, or conclude; and the routing that follows."""

from __future__ import annotations

import time

from langgraph.runtime import Runtime

from ..contracts import RootCauseCategory
from .context import RunContext, emit
from .recall import recall, remembered_context
from .report import alarm_unexplained, unseen_backends
from .spend import with_spend
from .state import Investigation


def _over_budget(state: Investigation) -> str | None:
    budget, usage = state.budget, state.usage
    elapsed = time.time() - state.started_epoch
    if usage.steps >= budget.max_steps:
        return f"step budget spent ({usage.steps}/{budget.max_steps} questions)"
    if elapsed > budget.max_seconds:
        return f"time budget spent ({elapsed:.0f}s > {budget.max_seconds:.0f}s)"
    if usage.input_tokens + usage.output_tokens > budget.max_tokens:
        return f"token budget spent ({usage.input_tokens + usage.output_tokens} > {budget.max_tokens})"
    if usage.cost_usd > budget.max_cost_usd:
        return f"cost budget spent (${usage.cost_usd:.2f} > ${budget.max_cost_usd:.2f})"
    return None


async def supervise(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    brain = runtime.context.brain
    remembered: dict = {}
    if state.recalled is None and not state.tasks:  # before the first question: what this alarm was, what we were told
        remembered = await remembered_context(state, runtime)
        state = state.model_copy(update=remembered)
    exhausted = _over_budget(state)
    task = None if exhausted else await brain.next_task(state)
    if task is not None:
        emit(runtime, "route", agent=task.agent, target=task.target, question=task.question, reason=task.reason)
        return with_spend(brain, state, {**remembered, "pending": task,
                                         "usage": state.usage.model_copy(update={"steps": state.usage.steps + 1})})
    diagnosis, hypotheses = await brain.diagnose(state)
    diagnosed = state.model_copy(update={"diagnosis": diagnosis})
    after = await recall(diagnosed, runtime, after=True)
    update: dict = {"pending": None, "diagnosis": diagnosis, "hypotheses": hypotheses,
                    "diagnosed_after_s": round(time.time() - state.started_epoch, 3),
                    "recalled": after if after is not None else state.recalled}
    emit(runtime, "diagnosis", category=diagnosis.category.value, resource=diagnosis.resource,
            confidence=diagnosis.confidence)
    # The step budget bounds the questions, not the answer: an investigation whose last question found the runbook
    # for its diagnosis goes on to remediation (its plan is pinned and gated like any other).
    if exhausted and exhausted.startswith("step budget") and any(
            f.signal == "RunbookMatched" and f.resource == diagnosis.resource for f in state.findings):
        exhausted = None
    if exhausted:
        update["escalation_reason"] = f"{exhausted}; escalating with what is known"
    return with_spend(brain, state, update)


def next_step(state: Investigation) -> str:
    if state.pending is not None:
        return state.pending.agent
    if state.incident.source == "chat":
        return "finish"  # a chat question never pages anyone, not even when a budget ran out (the answer says so)
    if state.escalation_reason:
        return "escalate"
    diagnosis = state.diagnosis
    if diagnosis is None or diagnosis.category == RootCauseCategory.NONE:
        # A firing alarm we could not see behind, or one still firing with no cause found, is a human's to look
        # at: page, never "healthy".
        return "escalate" if state.incident.source == "alarm" and (unseen_backends(state) or alarm_unexplained(state)) \
            else "finish"
    return "remediate"
