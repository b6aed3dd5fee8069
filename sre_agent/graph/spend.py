"""Folding what a brain spent (tokens, dollars, notes) into a node's update, so it is checkpointed."""

from __future__ import annotations

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
        "cost_usd": usage.cost_usd + spend.cost_usd, "model": ", ".join(models) or None})
    if spend.notes:
        update["notes"] = [*update.get("notes", []), *spend.notes]
    return update
