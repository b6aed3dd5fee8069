"""Stand-ins for the graph's ports, for tests that run nodes or the whole graph without MCP."""

from __future__ import annotations

from types import SimpleNamespace

from sre_agent.contracts import Diagnosis, Finding, RootCauseCategory, ToolCallRecord, parse_resource_id
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import RemediationPlan, Task


class FakeTools:
    """Answers (server, tool) with the data given; anything else is a tool error."""

    parameters: dict = {}

    def __init__(self, answers: dict[tuple[str, str], object]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict]] = []

    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        return []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args))
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args)
        if (server, tool) not in self.answers:
            return ToolOutcome(record=record.model_copy(update={"ok": False}), error="not found")
        return ToolOutcome(record=record, data=self.answers[(server, tool)])


def items(*rows: dict) -> dict:
    return {"items": list(rows)}


class OneFindingBrain:
    """A brain that describes one Deployment once, reports one finding on it, diagnoses `category` there and plans
    `plan`: the graph's own decisions (policy, pins, holds, approval) tested without the offline brain."""

    name = "stub"

    def __init__(self, workload: str, signal: str, summary: str, category: RootCauseCategory, plan: RemediationPlan,
                 severity: str = "warning") -> None:
        self.workload, self.signal, self.summary, self.severity = workload, signal, summary, severity
        self.category, self.plan = category, plan

    async def next_task(self, state):
        return None if state.tasks else Task(agent="kubernetes", target=self.workload, question="triage")

    async def investigate(self, task, state, tools):
        # A call about the workload itself: the policy runs a fix unattended only on a finding grounded in one.
        namespace, _, name = parse_resource_id(self.workload)
        outcome = await tools.call("kubernetes", "kubernetes", "describe", {"kind": "Deployment", "namespace": namespace, "name": name})
        finding = Finding(agent="kubernetes", resource=self.workload, signal=self.signal, summary=self.summary,
                          severity=self.severity, evidence=[outcome.record.id])  # type: ignore[arg-type]
        return SimpleNamespace(records=[outcome.record], findings=[finding])

    async def diagnose(self, state):
        return Diagnosis(category=self.category, resource=self.workload, confidence=0.8), []

    async def plan_remediation(self, state):
        return self.plan
