"""Stand-ins for the graph's ports, for tests that run nodes or the whole graph without MCP."""

from __future__ import annotations

from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


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
