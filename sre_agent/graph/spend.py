"""Folding what a brain spent (tokens, dollars, notes) into a node's update, so it is checkpointed."""

from __future__ import annotations

from ..contracts import merge_model_spend
from .ports import Brain, BrainSpend
from .state import Investigation


def with_spend(brain: Brain, state: Investigation, update: dict) -> dict:
    take = getattr(brain, "take_spend", None)
    if take is None:  # the offline brain spends nothing
        return update
    spend: BrainSpend = take()
    usage = update.get("usage", state.usage)
    models = list(dict.fromkeys([*(usage.model.split(", ") if usage.model else []), *spend.models]))
    update["usage"] = usage.model_copy(update={
        "input_tokens": usage.input_tokens + spend.input_tokens, "output_tokens": usage.output_tokens + spend.output_tokens,
        "cost_usd": usage.cost_usd + spend.cost_usd, "model": ", ".join(models) or None,
        "by_model": merge_model_spend(usage.by_model, spend.by_model)})
    if spend.notes:
        update["notes"] = [*update.get("notes", []), *spend.notes]
    return update


def budget_spent(state: Investigation, pending_tokens: int = 0, pending_cost_usd: float = 0.0) -> str | None:
    """Why the run's LLM budget (tokens, dollars) is spent, counting what a brain spent but has not yet
    handed over; None while some is left. A brain checks this before each model call, so one long
    specialist step cannot run far past the budget the supervisor checks between steps."""
    budget, usage = state.budget, state.usage
    tokens = usage.input_tokens + usage.output_tokens + pending_tokens
    cost = usage.cost_usd + pending_cost_usd
    if tokens >= budget.max_tokens:
        return f"token budget spent ({tokens} of {budget.max_tokens})"
    if cost >= budget.max_cost_usd:
        return f"cost budget spent (${cost:.2f} of ${budget.max_cost_usd:.2f})"
    return None
