"""What the graph asks of a brain. The offline policy and the LLM brains implement the same four
questions, so the graph, the tools, the safety gates and the report never change with the brain."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from ..contracts import Diagnosis
from .state import Finding, Hypothesis, Investigation, RemediationPlan, Task, ToolCallRecord
from .toolbox import Toolbox


class SpecialistResult(Protocol):
    records: list[ToolCallRecord]
    findings: list[Finding]


class BrainSpend(BaseModel):
    """What a brain spent since the graph last asked: tokens, dollars, and notes on which model (or
    the offline policy, after a fallback) produced what. Brains that spend something expose
    `take_spend() -> BrainSpend`; the offline brain spends nothing and need not."""

    notes: list[str] = Field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    models: list[str] = Field(default_factory=list)  # the models that answered, first use first


def with_spend(brain: object, state: Investigation, update: dict) -> dict:
    """Fold what the brain spent into a node's partial update, so usage and notes are checkpointed."""
    take = getattr(brain, "take_spend", None)
    if take is None:
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


class Brain(Protocol):
    name: str

    async def next_task(self, state: Investigation) -> Task | None:
        """The next question for a specialist, or None when there is nothing left worth asking."""

    async def investigate(self, task: Task, state: Investigation, toolbox: Toolbox) -> SpecialistResult:
        """Answer one question with tool calls on the agent's own MCP server."""

    async def diagnose(self, state: Investigation) -> tuple[Diagnosis, list[Hypothesis]]:
        """The root cause the findings support (category `none` when nothing is wrong)."""

    async def plan_remediation(self, state: Investigation) -> RemediationPlan | None:
        """The concrete tool call that fixes the diagnosis, from the runbook the runbooks agent found."""
