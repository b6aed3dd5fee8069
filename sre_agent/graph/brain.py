"""What the graph asks of a brain. The offline policy and the LLM brains implement the same four
questions, so the graph, the tools, the safety gates and the report never change with the brain."""

from __future__ import annotations

from typing import Protocol

from ..models import Diagnosis
from .state import Finding, Hypothesis, Investigation, RemediationPlan, Task, ToolCallRecord
from .toolbox import Toolbox


class SpecialistResult(Protocol):
    records: list[ToolCallRecord]
    findings: list[Finding]


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
